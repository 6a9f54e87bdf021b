"""dialects layer: SIM preparation, the part of a module's bring-up that makes the rig's test SIM usable and
registers it where the rig says (issue 3 item 4; DESIGN "Inputs": a module's SIM names operator, APN,
expected ICCID, PIN environment variable and slot).

`prepare_sim(modem, sim, environ, attach_timeout_s=...)` does, in this order, only what the rig asks for and
the module needs:
1. SIM slot: selected when the rig names one; only a dialect with the SIM_SLOTS capability can.
2. SIM state (+CPIN?): absent is an error; a PIN request is answered from the environment variable the rig
   names (the PIN never reaches a transcript, a log or a message); a PUK request, or any other code, is an
   error: the harness never enters a PUK, because ten wrong ones destroy the card.
3. ICCID: must be the rig's when the rig names one (messages show its last four digits only).
4. Operator, before the attach: a manual selection (or a deregistration) left from another run that the rig
   does not ask for is undone, so the attach can succeed.
5. APN: set only when the module reports a different one (APNs compare case-insensitively: BC660K reads them
   back upper-cased, [S5] §5.4), because setting one costs a re-attach, on BC660K a reset. A reset powers
   the SIM up again, and a SIM with a PIN asks for it again: step 2 is repeated after the APN is set.
6. Attach; then, when the rig names a PLMN the module did not register on, manual selection of that PLMN.
7. Home or roaming, from the SIM's IMSI: when it begins with the rig's PLMN, that network is the SIM's home,
   and a registration as roaming (+CEREG stat 5) is an error. The reverse rule: when the IMSI belongs to
   another operator the SIM is a visitor there, so roaming is expected; a registration as home is accepted
   with a note, since a network may count itself an equivalent home PLMN of the SIM (EHPLMN, TS 23.122).
   An IMSI is compared with the PLMN digit by digit, which cannot tell a 2-digit MNC from the first two of a
   3-digit one (the SIM's EF_AD would; harness.sim_card reads SIM files).
Steps 2 and 3 (`unlock_sim`, `check_iccid`) are also `miot rig check`'s, which probes a module without
attaching it.
Where a module answers ERROR to a command its family's manual documents (a virtual module that does not
model +CGDCONT or +QCGDEFCONT yet), the step is skipped and the report says so in `notes`: never silently.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from harness.at import ATCommandError
from harness.dialects.modem import SIM_SLOTS, Identity, Registration, SimState
from harness.dialects.ts27007 import COPS_MANUAL, PLMN_LENGTHS, OperatorSelection, describe_error
from harness.errors import ModemError
from harness.rig import Sim

SIM_READY_TIMEOUT_S = 10.0  # judgement: a SIM answers within seconds once its PIN is accepted
_SIM_POLL_S = 0.5
CME_SIM_BUSY = 14  # 27.007 §9.2 [S5 Table 5]
COPS_DEREGISTERED = 2


class PinModem(Protocol):
    """What unlocking a SIM uses of a Modem: its +CPIN state, and the PIN entered."""

    def sim(self) -> SimState: ...

    def enter_pin(self, pin: str) -> None: ...


@runtime_checkable
class SimModem(PinModem, Protocol):
    """What SIM preparation uses of a Modem (every dialect built on Ts27007Modem has it)."""

    @property
    def capabilities(self) -> frozenset[str]: ...

    def identity(self) -> Identity: ...

    def select_sim_slot(self, slot: int) -> None: ...

    def apn(self) -> str | None: ...

    def operator_selection(self) -> OperatorSelection: ...

    def define_apn(self, apn: str) -> None: ...

    def select_operator(self, plmn: str | None, *, timeout_s: float | None = None) -> None: ...

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SimReport:
    """How a module came out of SIM preparation. `operator` is the PLMN it registered on and `apn` the
    attach APN, each None where the module did not say; `notes` are what was skipped or accepted, and why."""

    identity: Identity
    registration: Registration
    operator: str | None
    apn: str | None
    is_pin_entered: bool
    notes: tuple[str, ...]


def prepare_sim(
    modem: SimModem, sim: Sim | None, environ: Mapping[str, str], *, attach_timeout_s: float
) -> SimReport:
    """Make the SIM usable and the module registered as the rig's `sim` says; ModemError when it cannot."""
    sim = sim or Sim()
    notes: list[str] = []
    if sim.slot is not None:
        _select_slot(modem, sim.slot)
    is_pin_entered = unlock_sim(modem, sim.pin_env, environ)
    identity = modem.identity()
    check_iccid(identity.iccid, sim.iccid, notes)
    plmn = _plmn_of(sim.operator, notes)
    _undo_stale_selection(modem, plmn, notes)
    apn_to_set, apn = _plan_apn(modem, sim.apn, notes)
    if apn_to_set is not None:
        modem.define_apn(apn_to_set)
        is_pin_entered = unlock_sim(modem, sim.pin_env, environ) or is_pin_entered
    registration = modem.attach(None, timeout_s=attach_timeout_s)
    registration, operator = _register_on(modem, plmn, registration, attach_timeout_s)
    _check_home(registration, plmn, identity.imsi, notes)
    return SimReport(
        identity=identity,
        registration=registration,
        operator=operator,
        apn=apn,
        is_pin_entered=is_pin_entered,
        notes=tuple(notes),
    )


def _select_slot(modem: SimModem, slot: int) -> None:
    if SIM_SLOTS not in modem.capabilities:
        raise ModemError(
            f"the rig names SIM slot {slot}, but this module's dialect cannot switch SIM slots; "
            "remove `slot` from [module.sim] or use a dialect that can"
        )
    modem.select_sim_slot(slot)


def unlock_sim(modem: PinModem, pin_env: str | None, environ: Mapping[str, str]) -> bool:
    """Enter the PIN when the SIM asks for it; True when one was entered."""
    state = modem.sim()
    if state is SimState.READY:
        return False
    if state is SimState.NOT_INSERTED:
        raise ModemError(
            "no SIM: the module answers AT+CPIN? with +CME ERROR: 10 (SIM not inserted); "
            "check the card, its slot and its contacts"
        )
    if state is SimState.SIM_PUK:
        raise ModemError(
            "the SIM is blocked and asks for its PUK (+CPIN: SIM PUK), as after three wrong PINs; the "
            "harness never enters a PUK (ten wrong ones destroy the card): unblock it by hand with "
            'AT+CPIN="<PUK>","<new PIN>"'
        )
    if state is not SimState.SIM_PIN:
        raise ModemError(
            f"the SIM asks for {state.value} (+CPIN: {state.value}), which the harness does not enter"
        )
    if pin_env is None:
        raise ModemError(
            "the SIM asks for its PIN (+CPIN: SIM PIN) and the rig names no pin_env: set pin_env in "
            "[module.sim] to the NAME of an environment variable that holds the PIN"
        )
    pin = environ.get(pin_env, "").strip()
    if not pin:
        raise ModemError(
            f"the SIM asks for its PIN (+CPIN: SIM PIN), but the environment variable {pin_env} that the rig "
            "names in pin_env is not set"
        )
    modem.enter_pin(pin)
    _wait_ready(modem)
    return True


def _wait_ready(modem: PinModem) -> None:
    """After the PIN: until +CPIN: READY (a SIM may answer +CME ERROR: 14, busy, for a moment)."""
    deadline = time.monotonic() + SIM_READY_TIMEOUT_S
    state: SimState | None = None
    while time.monotonic() < deadline:
        try:
            state = modem.sim()
        except ATCommandError as error:
            if error.code != CME_SIM_BUSY:
                raise
        if state is SimState.READY:
            return
        time.sleep(_SIM_POLL_S)
    shown = "busy" if state is None else state.value
    raise ModemError(
        f"the PIN was accepted, but the SIM is not ready within {SIM_READY_TIMEOUT_S:g} s ({shown})"
    )


def check_iccid(iccid: str | None, expected: str | None, notes: list[str]) -> None:
    """ModemError for an ICCID not the rig's; a note when the rig names one the dialect cannot read."""
    if expected is None:
        return
    if iccid is None:
        notes.append(
            "the rig names an ICCID, but this module's dialect reads none: the ICCID was not checked"
        )
        return
    # Some modules pad a 19-digit ICCID with F or print hex in lower case.
    if iccid.strip().upper().rstrip("F") != expected.upper().rstrip("F"):
        raise ModemError(
            f"wrong SIM: its ICCID ends in {iccid.strip()[-4:]}, "
            f"the rig expects one ending in {expected[-4:]}"
        )


def _plmn_of(operator: str | None, notes: list[str]) -> str | None:
    if operator is None:
        return None
    if operator.isdigit() and len(operator) in PLMN_LENGTHS:
        return operator
    notes.append(
        f"operator {operator!r} is a name, not a PLMN: the module selects its network automatically and the "
        "registered network is not checked against it (give MCC+MNC digits to have it checked)"
    )
    return None


def _undo_stale_selection(modem: SimModem, plmn: str | None, notes: list[str]) -> None:
    """A manual selection of another PLMN, or a deregistration (+COPS mode 2), would keep the attach from
    ever succeeding: select what the rig asks for instead (automatic when it names no PLMN)."""
    selection = modem.operator_selection()
    is_stale_manual = selection.mode == COPS_MANUAL and selection.plmn != plmn
    if selection.mode != COPS_DEREGISTERED and not is_stale_manual:
        return
    wanted = "automatic selection" if plmn is None else f"manual selection of PLMN {plmn}"
    notes.append(
        f"operator selection was mode {selection.mode} ({selection.plmn or 'no PLMN'}): changed to {wanted}"
    )
    modem.select_operator(plmn)


def _plan_apn(modem: SimModem, wanted: str, notes: list[str]) -> tuple[str | None, str | None]:
    """(the APN the attach must define, the APN the module will use): nothing to define when the rig names
    no APN or the module already has it; the APN in use is None where the module did not say."""
    if not wanted:
        return None, None
    try:
        current = modem.apn()
    except ATCommandError as error:
        notes.append(
            f"the module answered {describe_error(error)} to {error.command}, which its dialect's manual "
            "documents: the APN was not checked or set, so the module attaches with its own, which may not "
            f"be {wanted!r}"
        )
        return None, None
    if current is not None and current.casefold() == wanted.casefold():
        return None, current
    return wanted, wanted


def _register_on(
    modem: SimModem, plmn: str | None, registration: Registration, timeout_s: float
) -> tuple[Registration, str | None]:
    """Manual selection of the rig's PLMN when the module registered elsewhere; the final registration and
    the PLMN it is on."""
    selection = modem.operator_selection()
    if plmn is None or selection.plmn == plmn:
        return registration, selection.plmn
    modem.select_operator(plmn)
    registration = modem.attach(None, timeout_s=timeout_s)
    selected = modem.operator_selection().plmn
    if selected != plmn:
        raise ModemError(f"registered on PLMN {selected} after the manual selection of PLMN {plmn}")
    return registration, selected


def _check_home(registration: Registration, plmn: str | None, imsi: str | None, notes: list[str]) -> None:
    if plmn is None or imsi is None:
        missing = "the rig names no PLMN" if plmn is None else "the module gave no IMSI"
        notes.append(f"home or roaming was not checked: {missing}")
        return
    is_home_network = imsi.startswith(plmn)
    if is_home_network and registration.is_roaming:
        raise ModemError(
            f"roaming where home was expected: the SIM's IMSI begins with {plmn}, the rig's operator, so "
            "that is its home network, yet +CEREG says roaming (stat 5); is the SIM the rig's, and the "
            f"module on {plmn}?"
        )
    if not is_home_network and not registration.is_roaming:
        notes.append(
            f"home where roaming was expected: the SIM's IMSI does not begin with {plmn}, the rig's "
            "operator, yet +CEREG says home (stat 1); accepted: the network counts itself an equivalent "
            "home PLMN of the SIM"
        )
