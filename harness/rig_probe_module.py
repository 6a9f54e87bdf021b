"""glue layer: `miot rig check`'s probe of one module (issue 8 item 1), with the dialects layer's own pieces.

Under the module's port lock (harness.transport.port_lock; a port another run holds is reported as in use
by it and not opened), `connect` opens the port, waits for AT and picks the dialect; then, each step
reported on its own so that one failing does not hide the others: identity (model, firmware, IMEI hashed
as reports hash it), the SIM (ready, or its PIN entered from the variable the rig names: `unlock_sim`),
the ICCID against the rig's (`check_iccid`), registration and operator, and the signal. Nothing is
attached or selected: a module still searching is watched for `registration_wait_s`, then reported as it is.
A denied registration is a failure (the network refuses the SIM); any other state is reported as found.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

from harness.dialects import ConnectOptions, Identity, RadioSnapshot, Registration, connect
from harness.dialects.sim import PinModem, check_iccid, unlock_sim
from harness.dialects.ts27007 import STAT_MEANINGS, OperatorSelection, describe_state
from harness.errors import HarnessError, ModemError
from harness.results import hash_identifier
from harness.rig import Module, Sim
from harness.rig_probe import RUN_ID, Findings, ProbeSettings, first_line
from harness.transport.port_lock import PortLocked, hold_port, this_holder

STAT_SEARCHING = 2  # +CEREG <stat> 2: not registered, searching (27.007 §10.1.22)
_REGISTRATION_POLL_S = 0.5
_T = TypeVar("_T")


@runtime_checkable
class ProbedModem(PinModem, Protocol):
    """What the probe asks of a module (every dialect built on Ts27007Modem has it)."""

    def identity(self) -> Identity: ...

    def registration(self) -> Registration: ...

    def operator_selection(self) -> OperatorSelection: ...

    def radio_snapshot(self) -> RadioSnapshot: ...


def probe_module(module: Module, settings: ProbeSettings, findings: Findings) -> None:
    findings.step = "port lock"
    try:
        with hold_port(module.port, this_holder(RUN_ID, module.id)):
            findings.step = "connect"
            options = ConnectOptions(
                dialect=module.dialect,
                baudrate=module.baudrate,
                ready_timeout_s=settings.timeout_s,
                default_timeout_s=settings.timeout_s,
            )
            with connect(module.port, options) as link:
                findings.answered.append(f"dialect {link.dialect}")
                if not isinstance(link.modem, ProbedModem):
                    raise ModemError(f"dialect {link.dialect} cannot read SIM, registration and signal")
                probe_modem(link.modem, module, settings, findings)
    except PortLocked as error:
        findings.held_by = "another process" if error.holder is None else error.holder.describe()


def probe_modem(modem: ProbedModem, module: Module, settings: ProbeSettings, findings: Findings) -> None:
    """The steps after the module answered AT, each reported on its own."""
    steps = _Steps(findings)
    identity = steps.run("identity", modem.identity)
    if identity is not None:
        imei = "none" if identity.imei is None else hash_identifier(identity.imei, settings.id_key)
        findings.answered.append(f"{identity.model} {identity.firmware}, IMEI {imei}")
    sim = _sim_in_use(module, None if identity is None else identity.iccid)
    if len(module.all_sims) > 1 and identity is not None and identity.iccid is not None and sim.iccid is None:
        operators = ", ".join(str(each.operator) for each in module.all_sims)
        findings.failed.append(
            f"ICCID: wrong SIM: its ICCID ends in {identity.iccid.strip()[-4:]}, "
            f"not one of the rig's SIMs of this module ({operators})"
        )
    is_pin_entered = steps.run("SIM", lambda: unlock_sim(modem, sim.pin_env, settings.environ))
    if is_pin_entered is not None:
        findings.answered.append(f"SIM ready (PIN from ${sim.pin_env})" if is_pin_entered else "SIM ready")
    expected_iccid = sim.iccid
    if identity is not None and expected_iccid is not None:
        steps.answer("ICCID", lambda: _iccid_as_expected(identity.iccid, expected_iccid))
    registration = steps.run("registration", lambda: _registration(modem, settings.registration_wait_s))
    if registration is not None and registration.is_denied:
        findings.failed.append(f"registration: {describe_state(registration)}")
    elif registration is not None:
        steps.answer("operator", lambda: _describe_registration(modem, registration))
    steps.answer("signal", lambda: _describe_signal(modem.radio_snapshot()))


class _Steps:
    """One step at a time: its value, or None after recording why it failed."""

    def __init__(self, findings: Findings) -> None:
        self.findings = findings

    def run(self, name: str, do: Callable[[], _T]) -> _T | None:
        self.findings.step = name
        try:
            return do()
        except HarnessError as error:
            self.findings.failed.append(f"{name}: {first_line(error)}")
            return None

    def answer(self, name: str, describe: Callable[[], str]) -> None:
        """A step whose answer is a description for the row."""
        text = self.run(name, describe)
        if text is not None:
            self.findings.answered.append(text)


def _sim_in_use(module: Module, iccid: str | None) -> Sim:
    """The rig's SIM the module holds now: its only one, or of several the one whose ICCID it reads (which
    slot is in use is not known before a plan switches: harness.sim_card.rotation checks each then). Sim()
    when none is known, so no PIN variable and no ICCID are taken from a SIM the module may not hold."""
    sims = module.all_sims
    if len(sims) == 1:
        return sims[0]
    for sim in sims:
        try:
            check_iccid(iccid, sim.iccid, [])
        except ModemError:
            continue
        if iccid is not None and sim.iccid is not None:
            return sim
    return Sim()


def _iccid_as_expected(iccid: str | None, expected: str) -> str:
    notes: list[str] = []
    check_iccid(iccid, expected, notes)
    return notes[0] if notes else "ICCID as expected"


def _registration(modem: ProbedModem, wait_s: float) -> Registration:
    """The registration, watched while the module is still searching, up to `wait_s`."""
    deadline_s = time.monotonic() + wait_s
    registration = modem.registration()
    while registration.stat == STAT_SEARCHING and time.monotonic() < deadline_s:
        time.sleep(_REGISTRATION_POLL_S)
        registration = modem.registration()
    return registration


def _describe_registration(modem: ProbedModem, registration: Registration) -> str:
    """`registered home on 00101` (+COPS? asked only once registered), or the state as 27.007 names it."""
    if not registration.is_registered:
        meaning = STAT_MEANINGS.get(registration.stat, "a code outside 0-5")
        return f"registration stat {registration.stat} ({meaning})"
    plmn = modem.operator_selection().plmn
    where = f" on {plmn}" if plmn else ""
    return f"registered {'roaming' if registration.is_roaming else 'home'}{where}"


def _describe_signal(snapshot: RadioSnapshot) -> str:
    return "no RSRP reported" if snapshot.rsrp_dbm is None else f"RSRP {snapshot.rsrp_dbm:g} dBm"
