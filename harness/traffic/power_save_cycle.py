"""traffic layer: the report cycle of the power_save engine (harness.traffic.power_save, whose docstring gives
the steps and sources): the sends, the waits and the times they happened, and the schedule check of what
the granted timers predicted against what the URCs and the current trace showed.

Every wait has a deadline (`event_timeout_s`, or the predicted time plus the tolerance); a wait that runs out
leaves its time None, so its metric is missing, not invented (STYLE 7).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from harness.at import ATSession
from harness.dialects.connection import wake_uart
from harness.dialects.modem import ModuleSocket
from harness.power import CurrentRecording, find_psm_entry_s
from harness.power.wake_schedule import (
    GrantedTimers,
    ScheduleCheck,
    WakeEvent,
    check_schedule,
    predict_schedule,
)
from harness.traffic.power_save_events import DownlinkPeer, ModuleEvent, ModuleEventWatch, TimedEvent

_REPORT = b"R"
_DL_ACTIVE = b"dl-active"
_DL_PSM = b"dl-psm"
_TAIL_S = 6.0  # (J) after the last PSM entry: longer than trace_analysis.DEFAULT_HOLD_S, so it is seen


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerSaveSpec:
    """Plan parameters of the power_save procedure (module docstring)."""

    periodic_tau_s: int = field(default=40, metadata={"above": 0})
    active_time_s: int = field(default=4, metadata={"above": 0})
    edrx_cycle_s: float | None = field(default=None, metadata={"above": 0})
    ptw_s: float | None = field(default=None, metadata={"above": 0})
    timer_scale: float = field(default=1.0, metadata={"above": 0})  # a timer runs this times its coded length
    inactivity_s: float | None = field(default=None, metadata={"above": 0})  # set through the rig's radio
    payload_bytes: int = field(default=50, metadata={"min": 1})
    sleep_s: float = field(default=12.0, metadata={"min": 10})  # the ≥ 10 s window, §5.1 step 4
    observe_tau: bool = False
    floor_ua: float = field(default=0.8, metadata={"above": 0})  # datasheet PSM floor (BC660K [S19])
    paging_cycle_s: float = field(default=2.56, metadata={"above": 0})
    tolerance_s: float = field(default=3.0, metadata={"above": 0})
    report_interval_s: float = field(default=86_400.0, metadata={"above": 0})
    battery_mah: float = field(default=5000.0, metadata={"above": 0})
    life_periodic_tau_s: float | None = field(default=None, metadata={"above": 0})  # None: the granted T3412
    supply_v: float = field(default=3.6, metadata={"above": 0})  # indicators.md §5.5 nominal
    event_timeout_s: float = field(default=60.0, metadata={"above": 0})
    attempt_timeout_s: float = field(default=180.0, metadata={"above": 0})
    off_s: float = field(default=0.5, metadata={"min": 0})
    sample_rate_hz: float | None = field(default=None, metadata={"above": 0})


@dataclass(slots=True, kw_only=True)
class CycleTimes:
    """Session-clock times of one cycle; None where it did not happen before its deadline."""

    report_1_sent_s: float
    released_1_s: float | None = None
    last_release_1_s: float = 0.0
    dl_active_sent_s: float | None = None
    is_dl_active_delivered: bool = False
    psm_entry_1_urc_s: float | None = None
    dl_psm_sent_s: float | None = None
    is_dl_psm_held: bool = False
    dl_psm_received_s: float | None = None
    report_2_sent_s: float = 0.0
    report_2_received_s: float | None = None
    last_release_2_s: float = 0.0
    psm_entry_2_urc_s: float | None = None
    tau_release_s: float | None = None
    end_s: float = 0.0
    events: list[TimedEvent] = field(default_factory=list)  # every +CSCON and PSM URC of the cycle
    has_psm_urc: bool = False
    offset_s: float = 0.0  # trace time - session time


def mark_cycle(
    recording: CurrentRecording, times: CycleTimes, events: Sequence[TimedEvent], *, offset_s: float
) -> None:
    """The cycle's test events as markers on its trace (session time + offset_s = trace time): reports and
    downlinks sent, and every +CSCON / PSM URC the watch saw, by its event name."""
    moments = [
        ("report sent", times.report_1_sent_s),
        ("dl sent", times.dl_active_sent_s),
        ("dl sent", times.dl_psm_sent_s),
        ("report sent", times.report_2_sent_s if times.report_2_sent_s > times.report_1_sent_s else None),
        *((str(item.event), item.t_s) for item in events),
    ]
    for label, t_s in moments:
        if t_s is not None:
            recording.mark(label, at_monotonic_s=recording.start_monotonic_s + t_s + offset_s)


def run_cycle(
    session: ATSession,
    sock: ModuleSocket,
    peer: DownlinkPeer,
    watch: ModuleEventWatch,
    *,
    spec: PowerSaveSpec,
    timers: GrantedTimers,
) -> CycleTimes:
    """Report, DL inside T3324, PSM, DL in PSM, report from PSM, PSM again (and a TAU when asked)."""
    payload = _REPORT * spec.payload_bytes
    times = CycleTimes(report_1_sent_s=sock.send(payload))
    if peer.receive(spec.event_timeout_s) is None:
        return times
    times.released_1_s = watch.wait_for(
        ModuleEvent.RELEASED, after_s=times.report_1_sent_s, timeout_s=spec.event_timeout_s
    )
    times.dl_active_sent_s = peer.send(_DL_ACTIVE)
    times.is_dl_active_delivered = await_payload(sock, _DL_ACTIVE, spec.event_timeout_s) is not None
    times.last_release_1_s = _settled_release(watch, after_s=times.dl_active_sent_s, spec=spec)
    active_s = timers.active_time_s or 0.0
    times.psm_entry_1_urc_s = _wait_psm(watch, after_s=times.last_release_1_s, active_s=active_s, spec=spec)
    time.sleep(max(times.last_release_1_s + active_s + spec.tolerance_s - peer.now_s(), 0.0))
    times.dl_psm_sent_s = peer.send(_DL_PSM)
    time.sleep(spec.sleep_s)
    times.report_2_sent_s = peer.now_s()
    wake_uart(session)
    times.is_dl_psm_held = sock.receive(0.0) is None
    sock.send(payload)
    times.report_2_received_s = peer.receive(spec.event_timeout_s)
    held = await_payload(sock, _DL_PSM, spec.event_timeout_s)
    times.dl_psm_received_s = None if held is None else held
    times.is_dl_psm_held = times.is_dl_psm_held and held is not None
    times.last_release_2_s = _settled_release(watch, after_s=times.report_2_sent_s, spec=spec)
    times.psm_entry_2_urc_s = _wait_psm(watch, after_s=times.last_release_2_s, active_s=active_s, spec=spec)
    time.sleep(max(times.last_release_2_s + active_s + spec.tolerance_s + _TAIL_S - peer.now_s(), 0.0))
    if spec.observe_tau and timers.periodic_tau_s is not None:
        due_s = times.last_release_2_s + timers.periodic_tau_s + spec.tolerance_s
        tau_s = watch.wait_for(
            ModuleEvent.CONNECTED, after_s=times.last_release_2_s + 1e-6, timeout_s=due_s - peer.now_s()
        )
        if tau_s is not None:
            times.tau_release_s = watch.wait_for(
                ModuleEvent.RELEASED, after_s=tau_s, timeout_s=spec.event_timeout_s
            )
            time.sleep(active_s + spec.tolerance_s + _TAIL_S)
    times.end_s = peer.now_s()
    return times


def schedule_checks(
    times: CycleTimes, *, spec: PowerSaveSpec, timers: GrantedTimers, trace: pd.DataFrame
) -> list[ScheduleCheck]:
    """What `timers` (as run) predict after each settled release, against the trace and, where the module
    reports them, the PSM URCs (session clock): PSM entries, and the periodic TAU when the cycle waited."""
    predicted = [
        *predict_schedule(timers, released_s=times.last_release_1_s, until_s=times.report_2_sent_s),
        *predict_schedule(timers, released_s=times.last_release_2_s, until_s=times.end_s),
    ]
    predicted = [p for p in predicted if spec.observe_tau or p.event is not WakeEvent.PERIODIC_TAU]
    tolerance = dict.fromkeys(WakeEvent, spec.tolerance_s)
    after_s = times.last_release_2_s + 1e-6
    taus = [e.t_s for e in times.events if e.event is ModuleEvent.CONNECTED and e.t_s >= after_s]
    trace_entries = trace_psm_entries(trace, times, spec.floor_ua)
    checks = check_schedule(
        predicted, {WakeEvent.PSM_ENTRY: trace_entries, WakeEvent.PERIODIC_TAU: taus}, tolerance_s=tolerance
    )
    if times.has_psm_urc:
        urc_entries = [e.t_s for e in times.events if e.event is ModuleEvent.PSM_ENTERED]
        checks += check_schedule(
            [p for p in predicted if p.event is WakeEvent.PSM_ENTRY],
            {WakeEvent.PSM_ENTRY: urc_entries},
            tolerance_s=tolerance,
        )
    return checks


def trace_psm_entries(trace: pd.DataFrame, times: CycleTimes, floor_ua: float) -> list[float]:
    """The current falling to the floor after each settled release, on the session clock."""
    found = []
    for after_s in (times.last_release_1_s, times.last_release_2_s):
        entry = find_psm_entry_s(trace, floor_ua=floor_ua, after_s=after_s + times.offset_s)
        if entry is not None:
            found.append(entry - times.offset_s)
    return found


def await_payload(sock: ModuleSocket, payload: bytes, timeout_s: float) -> float | None:
    """The session time `payload` reached the module's socket (others are skipped), or None."""
    deadline_s = time.monotonic() + timeout_s
    while (left_s := deadline_s - time.monotonic()) > 0:
        datagram = sock.receive(left_s)
        if datagram is not None and datagram.data == payload:
            return datagram.t_s
    return None


def _settled_release(watch: ModuleEventWatch, *, after_s: float, spec: PowerSaveSpec) -> float:
    """The last +CSCON: 0 after `after_s` once the connection has stayed released for a paging cycle (a
    delivered downlink sets one up again); `after_s` itself when no release came."""
    released = watch.wait_for(ModuleEvent.RELEASED, after_s=after_s, timeout_s=spec.event_timeout_s)
    while released is not None:
        time.sleep(spec.paging_cycle_s)
        later = watch.times(ModuleEvent.RELEASED, after_s=released + 1e-6)
        if not later:
            return released
        released = later[-1]
    return after_s


def _wait_psm(
    watch: ModuleEventWatch, *, after_s: float, active_s: float, spec: PowerSaveSpec
) -> float | None:
    if watch.psm_urc is None:
        return None
    return watch.wait_for(ModuleEvent.PSM_ENTERED, after_s=after_s, timeout_s=active_s + spec.event_timeout_s)
