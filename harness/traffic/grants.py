"""traffic layer: the grant engine (issue 6 item 1, access): PSM and eDRX timers requested, then what the
network granted, read back through the Modem.

The module requests PSM (+CPSMS: T3412-ext and T3324, 3GPP TS 27.007 §7.38) and eDRX (+CEDRXS, §7.40, or
the dialect's command when a PTW is asked for), then re-attaches (harness.traffic.attach, start="cfun"), since
a UE sends its requests in the ATTACH or TRACKING AREA UPDATE REQUEST (TS 24.301 §5.5.1.2.2, §5.5.3.2.2).
The grant is read as the dialect reads it: +CEREG n=4 for the timers (never +CPSMS?, which shows the request,
../shared/reference/cellular-iot.md §1.5 and §6 pitfall 7), +CEDRXRDP for eDRX (§7.41).

One sample (the attach that carried the requests); KPIs `requested_t3324_s`, `granted_t3324_s`,
`requested_t3412_s`, `granted_t3412_s`, `psm_granted_pct` (indicators.md §5.5: runs in which the network
granted PSM, T3324 not "111xxxxx"), `requested_edrx_s`, `granted_edrx_s`, `granted_ptw_s`. A timer the
network deactivated has no value: its KPI is "no value", and a limit set on it makes that `missing`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from harness.dialects.connection import wake_uart
from harness.dialects.modem import EDRX, PSM, EdrxState, Modem, PsmState, PsmTimers
from harness.errors import ModemError
from harness.metrics import MetricValue
from harness.traffic.attach import AttachSpec, PdnMode, register_once
from harness.traffic.registration_watch import reporting_modem
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN, session_clock_of

EDRX_NOT_USED = 0  # +CEDRXRDP AcT-type 0: eDRX not in use (27.007 §7.41)


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantSpec:
    """Plan parameters of the grant procedure; None leaves that request out (PSM needs both timers)."""

    periodic_tau_s: int | None = field(default=3600, metadata={"min": 0})
    active_time_s: int | None = field(default=60, metadata={"min": 0})
    edrx_cycle_s: float | None = field(default=20.48, metadata={"above": 0})
    ptw_s: float | None = field(default=None, metadata={"above": 0})
    attempt_timeout_s: float = field(default=180.0, metadata={"above": 0})
    off_s: float = field(default=1.0, metadata={"min": 0})

    def problems(self) -> list[tuple[str, str]]:
        if (self.periodic_tau_s is None) != (self.active_time_s is None):
            return [("active_time_s", "PSM needs both periodic_tau_s and active_time_s, or neither")]
        return []

    @property
    def is_psm_requested(self) -> bool:
        return self.periodic_tau_s is not None and self.active_time_s is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]
    psm: PsmState | None
    edrx: EdrxState | None


def run_grants(modem: Modem, spec: GrantSpec) -> GrantResult:
    """Request what the spec asks for and the module can do, re-attach, read the grants back."""
    is_psm = spec.is_psm_requested and PSM in modem.capabilities
    is_edrx = spec.edrx_cycle_s is not None and EDRX in modem.capabilities
    psm_before = modem.psm() if is_psm else None
    edrx_before = modem.edrx() if is_edrx else None
    try:
        requested_psm = (
            modem.set_psm(periodic_tau_s=spec.periodic_tau_s, active_time_s=spec.active_time_s)
            if is_psm
            else None
        )
        requested_edrx = modem.set_edrx(spec.edrx_cycle_s, ptw_s=spec.ptw_s) if is_edrx else None
        attach = AttachSpec(
            cycles=1, attempt_timeout_s=spec.attempt_timeout_s, off_s=spec.off_s, pdn=PdnMode.OFF
        )
        attach_time_s = register_once(modem, attach)
        read_s = session_clock_of(modem)()
        psm = modem.psm() if is_psm else None
        edrx = modem.edrx() if is_edrx else None
    finally:
        restore_requests(modem, psm_before, edrx_before)
    summary = {
        **_psm_summary(requested_psm, psm),
        **_edrx_summary(requested_edrx, edrx),
    }
    row: dict[str, object] = {"t_s": 0.0, SESSION_CLOCK_COLUMN: read_s, "attach_time_s": attach_time_s}
    row.update({name: value.value for name, value in summary.items()})
    row.update(_bits(psm))
    return GrantResult(samples=pd.DataFrame([row]), summary=summary, psm=psm, edrx=edrx)


@contextlib.contextmanager
def granted_requests(modem: Modem, spec: GrantSpec) -> Iterator[PsmState | None]:
    """The spec's PSM and/or eDRX requests made and carried to the network by a re-attach for the block;
    ModemError when the network grants less than a PSM or eDRX at all (an engine that needs the state must
    not run without it). Yields the PSM state read back (None when PSM was not asked for); the module's
    own requests are put back afterwards."""
    is_edrx = spec.edrx_cycle_s is not None
    psm_before = modem.psm() if spec.is_psm_requested else None
    edrx_before = modem.edrx() if is_edrx else None
    try:
        if spec.is_psm_requested:
            modem.set_psm(periodic_tau_s=spec.periodic_tau_s, active_time_s=spec.active_time_s)
        if is_edrx:
            modem.set_edrx(spec.edrx_cycle_s, ptw_s=spec.ptw_s)
        attach = AttachSpec(
            cycles=1, attempt_timeout_s=spec.attempt_timeout_s, off_s=spec.off_s, pdn=PdnMode.OFF
        )
        register_once(modem, attach)
        psm = modem.psm() if spec.is_psm_requested else None
        if psm is not None and not psm.is_granted:
            raise ModemError(f"the network did not grant PSM: {psm}")
        if is_edrx and modem.edrx().nw_edrx_s is None:
            raise ModemError(f"the network did not grant eDRX: {modem.edrx()}")
        yield psm
    finally:
        wake_uart(reporting_modem(modem).session)  # it may sleep in PSM by now; what follows needs its UART
        restore_requests(modem, psm_before, edrx_before)


def restore_requests(modem: Modem, psm: PsmState | None, edrx: EdrxState | None) -> None:
    """Put back what the module requested before, so that the procedures after this one meet the module
    as they would have (the network learns of it at the next attach or TAU)."""
    if psm is not None:
        requested = psm.requested if psm.is_enabled else None
        modem.set_psm(
            periodic_tau_s=None if requested is None else requested.periodic_tau_s,
            active_time_s=None if requested is None else requested.active_time_s,
        )
    if edrx is not None:
        modem.set_edrx(edrx.requested_edrx_s if edrx.act_type != EDRX_NOT_USED else None)


def _psm_summary(requested: PsmTimers | None, state: PsmState | None) -> dict[str, MetricValue]:
    if requested is None or state is None:
        return {}
    granted = state.granted
    return {
        "requested_t3324_s": _one(requested.active_time_s),
        "granted_t3324_s": _one(None if granted is None else granted.active_time_s),
        "requested_t3412_s": _one(requested.periodic_tau_s),
        "granted_t3412_s": _one(None if granted is None else granted.periodic_tau_s),
        "psm_granted_pct": _one(100.0 if state.is_granted else 0.0),
    }


def _edrx_summary(requested: EdrxState | None, state: EdrxState | None) -> dict[str, MetricValue]:
    if requested is None or state is None:
        return {}
    return {
        "requested_edrx_s": _one(requested.requested_edrx_s),
        "granted_edrx_s": _one(state.nw_edrx_s),
        "granted_ptw_s": _one(state.ptw_s),
    }


def _bits(state: PsmState | None) -> dict[str, str | None]:
    """The granted timers as coded on the air, for the sample (a decoder bug shows against them)."""
    granted = None if state is None else state.granted
    return {
        "granted_t3324_bits": None if granted is None else granted.active_time_bits,
        "granted_t3412_bits": None if granted is None else granted.periodic_tau_bits,
    }


def _one(value: float | None) -> MetricValue:
    return MetricValue(value=None if value is None else float(value), n_samples=1)
