"""traffic layer: the power_save engine (issue 6 item 5): one meter-style report cycle through PSM,
measured in the current trace and in the module's URCs, against the schedule its granted timers predict.

Steps (../shared/reference/cellular-iot.md §5.1; metric names and definitions indicators.md §5.5):
1. requested vs granted T3324 / T3412 / eDRX / PTW: harness.traffic.grants (a re-attach carries the requests);
   the requests are then made again and held for the cycle, and put back after it.
2. report 1 (UL, `payload_bytes`) to a peer on the server host; `+CSCON: 0` ends the connection
   (`rrc_release_time_s`); a downlink datagram sent then, inside T3324, must arrive (paging works, §5.1
   step 5): `dl_reachability_pct`.
3. PSM entry, from the URC (`psm_entry_delay_s` = t(URC) - t(last CSCON 0) - T3324) and from the trace
   (`psm_entry_trace_delay_s`, the current falling to the floor); a downlink datagram sent in PSM must not
   arrive before the module wakes, and arrives when it does if the network holds it (`dl_psm_held_pct`,
   `dl_psm_delay_s`); `sleep_s` in PSM gives `sleep_current_ua` over the ≥ 10 s window.
4. report 2 from PSM: `ul_wake_latency_s` (send command -> datagram at the peer, §5.1 step 6);
   the wake includes waking a sleeping UART (AT until answered); `charge_per_report_uc` from that wake
   to the next PSM entry, less the sleep floor, `energy_per_report_mj`,
   and `battery_life_estimate_years` for the plan's report interval and battery.
5. with `observe_tau`, the periodic TAU T3412 after the last release; every predicted event (PSM entries,
   TAU) is checked against the trace and the URCs (harness.power.wake_schedule): `schedule_mismatch_count`.
`timer_scale` (1 on hardware) is the virtual rig's: the granted timers are reported as coded and each runs
`timer_scale` times its coded length. Times: the session clock for URCs and the peer; trace time = session
time + (session origin - trace start).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from harness.dialects.connection import wake_uart
from harness.dialects.modem import EDRX, PSM, Modem
from harness.metrics import MetricValue
from harness.power import CurrentRecording, find_psm_entry_s, sleep_current_ua
from harness.power.report_budget import ReportProfile, StateMark, projected_life_years, segment_trace
from harness.power.trace_analysis import charge_uc
from harness.power.wake_schedule import GrantedTimers, ScheduleCheck
from harness.traffic.grants import GrantSpec, run_grants
from harness.traffic.power_save_cycle import (
    CycleTimes,
    PowerSaveSpec,
    mark_cycle,
    run_cycle,
    schedule_checks,
    trace_psm_entries,
)
from harness.traffic.power_save_events import DownlinkPeer, ModuleEvent, ModuleEventWatch
from harness.traffic.registration_watch import reporting_modem
from harness.traffic.session_clock import with_session_clock
from harness.transport.radio_control import RadioControl, changed_conditions

__all__ = ["CurrentRecorder", "PowerSaveResult", "PowerSaveSpec", "held_requests", "run_power_save"]


class CurrentRecorder(Protocol):
    def record(self, *, sample_rate_hz: float | None = None) -> AbstractContextManager[CurrentRecording]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerSaveResult:
    samples: pd.DataFrame  # one row per state segment of the trace
    summary: dict[str, MetricValue]
    checks: list[ScheduleCheck]
    trace: pd.DataFrame
    times: CycleTimes
    timers: GrantedTimers  # as run (timer_scale applied)


def run_power_save(
    modem: Modem,
    spec: PowerSaveSpec,
    *,
    meter: CurrentRecorder,
    server_host: str,
    radio: RadioControl | None = None,
) -> PowerSaveResult:
    """Grants, then one report cycle through PSM recorded with `meter` (module docstring); with
    `spec.inactivity_s`, the network's inactivity timer is set through `radio` for the cycle."""
    if spec.inactivity_s is None:
        return _run(modem, spec, meter=meter, server_host=server_host)
    if radio is None:
        raise ValueError("inactivity_s needs the rig's radio control")
    with changed_conditions(radio, {"inactivity_s": spec.inactivity_s}):
        return _run(modem, spec, meter=meter, server_host=server_host)


def _run(modem: Modem, spec: PowerSaveSpec, *, meter: CurrentRecorder, server_host: str) -> PowerSaveResult:
    if PSM not in modem.capabilities:
        raise ValueError(f"{type(modem).__name__} cannot request PSM")
    reporting = reporting_modem(modem)
    session = reporting.session
    grant_spec = GrantSpec(
        periodic_tau_s=spec.periodic_tau_s,
        active_time_s=spec.active_time_s,
        edrx_cycle_s=spec.edrx_cycle_s if EDRX in modem.capabilities else None,
        ptw_s=spec.ptw_s,
        attempt_timeout_s=spec.attempt_timeout_s,
        off_s=spec.off_s,
    )
    grants = run_grants(modem, grant_spec)
    with (
        held_requests(modem, grant_spec) as granted,
        ModuleEventWatch(session) as watch,
        DownlinkPeer(server_host, clock=session.now_s) as peer,
        meter.record(sample_rate_hz=spec.sample_rate_hz) as recording,
    ):
        timers = granted.scaled(spec.timer_scale)
        offset_s = (time.monotonic() - session.now_s()) - recording.start_monotonic_s
        sock = modem.open_udp(*peer.address)
        try:
            times = run_cycle(session, sock, peer, watch, spec=spec, timers=timers)
            mark_cycle(recording, times, list(watch.events), offset_s=offset_s)
        finally:
            wake_uart(session)  # the module may sleep again by now; what follows needs its UART
            sock.close()
    assert recording.trace is not None
    trace = recording.trace
    summary = {**grants.summary, **_measure(trace, watch, spec, timers, times, offset_s)}
    times.events, times.has_psm_urc, times.offset_s = list(watch.events), watch.psm_urc is not None, offset_s
    checks = schedule_checks(times, spec=spec, timers=timers, trace=trace)
    summary["schedule_mismatch_count"] = MetricValue(
        value=float(sum(not check.is_match for check in checks)), n_samples=len(checks)
    )
    marks = _marks(times, trace_psm_entries(trace, times, spec.floor_ua))
    samples = segment_trace(trace, marks, stop_s=float(trace["t_s"].iloc[-1]))
    samples = with_session_clock(samples, samples["t_s"].to_numpy(dtype=float) - offset_s)  # segment starts
    return PowerSaveResult(
        samples=samples, summary=summary, checks=checks, trace=trace, times=times, timers=timers
    )


@contextlib.contextmanager
def held_requests(modem: Modem, spec: GrantSpec) -> Iterator[GrantedTimers]:
    """The spec's requests made again (harness.traffic.grants put the module's own back) for the block, the
    grant read back, and the module's own requests restored afterwards."""
    before = modem.psm()
    modem.set_psm(periodic_tau_s=spec.periodic_tau_s, active_time_s=spec.active_time_s)
    edrx_before = modem.edrx() if spec.edrx_cycle_s is not None else None
    try:
        if spec.edrx_cycle_s is not None:
            modem.set_edrx(spec.edrx_cycle_s, ptw_s=spec.ptw_s)
        granted = modem.psm().granted
        edrx = modem.edrx() if spec.edrx_cycle_s is not None else None
        yield GrantedTimers(
            active_time_s=None if granted is None else granted.active_time_s,
            periodic_tau_s=None if granted is None else granted.periodic_tau_s,
            edrx_cycle_s=None if edrx is None else edrx.nw_edrx_s,
            ptw_s=None if edrx is None else edrx.ptw_s,
        )
    finally:
        wake_uart(reporting_modem(modem).session)  # it may have slept while the trace was read out
        requested = before.requested if before.is_enabled else None
        modem.set_psm(
            periodic_tau_s=None if requested is None else requested.periodic_tau_s,
            active_time_s=None if requested is None else requested.active_time_s,
        )
        if edrx_before is not None:
            modem.set_edrx(edrx_before.requested_edrx_s if edrx_before.act_type != 0 else None)


def _measure(
    trace: pd.DataFrame,
    watch: ModuleEventWatch,
    spec: PowerSaveSpec,
    timers: GrantedTimers,
    times: CycleTimes,
    offset_s: float,
) -> dict[str, MetricValue]:
    values: dict[str, float | None] = {
        "rrc_release_time_s": _minus(times.released_1_s, times.report_1_sent_s),
        "dl_reachability_pct": None
        if times.dl_active_sent_s is None
        else 100.0 * times.is_dl_active_delivered,
        "dl_psm_held_pct": None if times.dl_psm_sent_s is None else 100.0 * times.is_dl_psm_held,
        "dl_psm_delay_s": _minus(times.dl_psm_received_s, times.dl_psm_sent_s),
        "ul_wake_latency_s": _minus(times.report_2_received_s, times.report_2_sent_s),
    }
    t3324 = timers.active_time_s
    urc_entry = times.psm_entry_1_urc_s
    values["psm_entry_delay_s"] = (
        None if urc_entry is None or t3324 is None else urc_entry - times.last_release_1_s - t3324
    )
    trace_entry_1 = find_psm_entry_s(trace, floor_ua=spec.floor_ua, after_s=times.last_release_1_s + offset_s)
    values["psm_entry_trace_delay_s"] = (
        None
        if trace_entry_1 is None or t3324 is None
        else trace_entry_1 - offset_s - times.last_release_1_s - t3324
    )
    sleep_ua = (
        None
        if trace_entry_1 is None
        else sleep_current_ua(trace, psm_entry_s=trace_entry_1, floor_ua=spec.floor_ua)
    )
    values["sleep_current_ua"] = sleep_ua
    wake_s = times.report_2_sent_s + offset_s
    entry_2 = find_psm_entry_s(trace, floor_ua=spec.floor_ua, after_s=times.last_release_2_s + offset_s)
    charge = None
    if entry_2 is not None and sleep_ua is not None:
        charge = charge_uc(trace, wake_s, entry_2, minus_floor_ua=sleep_ua)
        values["energy_per_report_mj"] = charge * spec.supply_v / 1000.0
        profile = ReportProfile(
            report_interval_s=spec.report_interval_s,
            battery_mah=spec.battery_mah,
            periodic_tau_s=spec.life_periodic_tau_s or _coded(timers.periodic_tau_s, spec.timer_scale),
        )
        values["battery_life_estimate_years"] = projected_life_years(
            profile, sleep_current_ua=sleep_ua, charge_per_report_uc=charge, tau_charge_uc=charge
        )  # a TAU counted at a report's cost: a TAU sends less, so the life is a lower bound
    values["charge_per_report_uc"] = charge
    return {
        name: MetricValue(value=value, n_samples=None if value is None else 1)
        for name, value in values.items()
    }


def _coded(run_s: float | None, timer_scale: float) -> float | None:
    return None if run_s is None else run_s / timer_scale


def _minus(later: float | None, earlier: float | None) -> float | None:
    return None if later is None or earlier is None else later - earlier


def _marks(times: CycleTimes, trace_entries_s: list[float]) -> list[StateMark]:
    """State changes from the URCs; without a PSM URC, PSM from the trace (session clock in, trace out)."""
    names = {
        ModuleEvent.CONNECTED: "connected",
        ModuleEvent.RELEASED: "idle",
        ModuleEvent.PSM_ENTERED: "psm",
        ModuleEvent.PSM_LEFT: "idle",
    }
    marks = [StateMark(t_s=item.t_s + times.offset_s, state=names[item.event]) for item in times.events]
    if not times.has_psm_urc:
        marks += [StateMark(t_s=t_s + times.offset_s, state="psm") for t_s in trace_entries_s]
    return marks
