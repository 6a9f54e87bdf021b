"""sim_card layer: per-operator SIM rotation (issue 11 item 3): put one of a module's rig SIMs in front of it,
check that it is the rig's card, and register with it.

`switch_sim(modem, module, sim, environ, ...)`, in this order:
1. Slot: the rig's `[module.sim_switch]` command (run without a shell, bounded, with the radio off around it
   so the module reads the new card at CFUN=1, as a SIM change needs, 3GPP TS 27.007 §8.2), else the
   module's own slot command (Modem.select_sim_slot, dialects with the SIM_SLOTS capability: e.g. Quectel
   AT+QUIMSLOT).
2. Card present: +CPIN? answering +CME ERROR: 10 (SIM not inserted, 27.007 §9.2) is an empty slot.
3. PIN (harness.dialects.sim.unlock_sim), then ICCID and IMSI read again (Modem.identity); an ICCID not the
   rig's is a wrong card.
4. The rest of SIM preparation with this SIM's operator and APN (harness.dialects.sim.prepare_sim): stale
   operator selection undone, APN set, attach, home or roaming checked.
A failed switch, an empty slot or a wrong card is a SimRotationError, an InfrastructureError: the rig, not
the module under test, stopped the operator's cases. Its message names the module, the slot and the expected
ICCID (its last four digits and its shown form) and the ICCID read as `shown` gives it (the run's keyed hash,
as at.log and run.json carry identifiers: harness.at.identifier_redaction), never in clear unless the run
records identifiers in clear.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Protocol, runtime_checkable

from harness.dialects.modem import SIM_SLOTS, SimState
from harness.dialects.module_recovery import run_reset_command
from harness.dialects.sim import SimModem, SimReport, check_iccid, prepare_sim, unlock_sim
from harness.errors import InfrastructureError, ModemError
from harness.rig import Module, Sim

# How an identifier appears in a message: the run's keyed hash, or the value itself in a clear-identifier run.
ShowIdentifier = Callable[[str], str]


@runtime_checkable
class RotatingModem(SimModem, Protocol):
    """What rotation uses of a Modem: SIM preparation's, and the radio switched off around a rig's switch."""

    def set_radio(self, on: bool) -> None: ...


class SimRotationError(InfrastructureError):
    """The rig could not put the operator's SIM in front of the module: the switch failed, the slot is empty
    or holds another card."""


def switch_sim(
    modem: RotatingModem,
    module: Module,
    sim: Sim,
    environ: Mapping[str, str],
    *,
    attach_timeout_s: float,
    show: ShowIdentifier,
) -> SimReport:
    """Switch `module` to `sim` (one of its rig SIMs) and register with it; SimRotationError when the card is
    missing or not the rig's, ModemError when registration with it fails."""
    where = f"module {module.id} slot {sim.slot}, operator {sim.operator}"
    expected = _expected(sim, show)
    if sim.slot is not None:
        try:
            select_slot(modem, module, sim.slot)
        except ModemError as error:
            raise SimRotationError(f"{where}: the SIM switch failed: {error}") from error
    if modem.sim() is SimState.NOT_INSERTED:
        raise SimRotationError(
            f"{where}: no SIM (+CME ERROR: 10, SIM not inserted); the rig expects {expected}"
        )
    unlock_sim(modem, sim.pin_env, environ)
    iccid = modem.identity().iccid
    try:
        check_iccid(iccid, sim.iccid, [])
    except ModemError:
        assert iccid is not None  # check_iccid refuses only an ICCID it read
        raise SimRotationError(
            f"{where}: wrong SIM: ICCID {show(iccid)} read, the rig expects {expected}"
        ) from None
    return prepare_sim(modem, replace(sim, slot=None), environ, attach_timeout_s=attach_timeout_s)


def select_slot(modem: RotatingModem, module: Module, slot: int) -> None:
    """The rig's SIM switch command when it has one, else the module's own slot command."""
    switch = module.sim_switch
    if switch is None:
        if SIM_SLOTS not in modem.capabilities:
            raise ModemError(
                f"this module's dialect cannot switch SIM slots and the rig has no [module.sim_switch] "
                f"for module {module.id}"
            )
        modem.select_sim_slot(slot)
        return
    modem.set_radio(False)
    run_reset_command(switch.argv(slot), timeout_s=switch.timeout_s, what="SIM switch command")
    modem.set_radio(True)


def _expected(sim: Sim, show: ShowIdentifier) -> str:
    if sim.iccid is None:
        return "a SIM (the rig names no ICCID)"
    return f"ICCID ending in {sim.iccid[-4:]} ({show(sim.iccid)})"
