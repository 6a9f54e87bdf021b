"""traffic layer: the uplink report engine (issue 6 item 4): a meter's periodic small reports through the
module's own UDP socket (via="module"), N reports of B bytes every T s, the module going idle or into PSM
in between, and optionally a burst of K reports right after a wake-up.

Between reports the connection ends either by the network's inactivity timer (`release = "network"`) or
by release assistance on the report itself (`release = "rai"`: each report, and the last of the burst,
marked "no further data", harness.dialects.release_assistance; RAI takes the release from the usual
10-20 s to ≈ 0, cellular-iot.md §5.1 step 3). With `sleep = "psm"`, PSM is requested and carried to the
network by a re-attach for the run (harness.traffic.grants.granted_requests), so the module enters PSM
after T3324 in idle. The state each report left from is the one the module reported (+CSCON and the
dialect's PSM report, harness.traffic.modem_state_watch), never assumed from the timers: a report due
while the module has not yet reached `sleep`'s state waits for it `late_s` at most, then goes anyway, and
the samples say from which state it went (`reports_from_<state>_pct`). A module UART asleep in PSM loses
the command that wakes it: an AT is sent until answered before each report, timed apart (`uart_wake_ms`).

Reports carry the probe header (harness.probe: seq and the host's wall clock when handed to the module)
and land in a server UDP sink session, captured at the server when `is_captured`; delivery and latency
come from harness.traffic.uplink_delivery (capture first, sink stamp otherwise). After the last report the
engine waits up to `drain_s` for every accepted report to reach the sink and up to `settle_timeout_s` for
the connection's release, so the last report's release time is measured too.
The schedule runs from the start, or on the wall clock's grid of the interval with a random offset per report
or none (`schedule`, `offset_window_s`, `is_offset_random`: harness.traffic.report_offsets), so a plan can
show a fleet spreading its reports and catch one that reports in step (`report_offset_spread_pct`).
KPIs: indicators.md §5.4 (`delivery_ratio_pct`, `accepted_not_delivered_pct`,
`rrc_connections_per_report_mean_count`, `overhead_per_report_mean_bytes`), §5.2 (`ul_report_latency_*`),
§5.5 (`rrc_release_time_*`), the burst's `ul_burst_latency_*` and `ul_burst_duration_ms`, and the coverage
level (harness.traffic.coverage_tag).
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pandas as pd

from harness.at import ATSession
from harness.capture import pcap_table
from harness.capture.snap_length import probe_cut_problem
from harness.dialects.connection import wake_uart
from harness.dialects.modem import DataPath, Modem
from harness.dialects.release_assistance import RAI, ReleaseAssistance
from harness.errors import CaptureError, ModemError
from harness.metrics import MetricValue
from harness.probe import HEADER_BYTES
from harness.server import ServerControl, SessionCounters, SessionInfo, SessionKind, SessionParams
from harness.traffic.coverage_tag import coverage_metrics, coverage_of, tag_samples
from harness.traffic.grants import GrantSpec, granted_requests
from harness.traffic.modem_state_watch import ModemState, ModemStateWatch, psm_report_of
from harness.traffic.registration_watch import reporting_modem
from harness.traffic.report_offsets import Schedule, report_offset_spread_pct, schedule_shifts_s
from harness.traffic.session_clock import with_session_clock
from harness.traffic.uplink_delivery import (
    Phase,
    capture_arrivals,
    delivery_samples,
    release_delays_s,
    report_schedule,
    sink_arrivals,
    summarize_reports,
)
from harness.traffic.uplink_report_sender import ReportSender, SentReport, reach, wait_released
from harness.transport.radio_control import RadioControl, changed_conditions

_POLL_S = 0.05
NO_FURTHER_DATA = ReleaseAssistance.NO_FURTHER_DATA


class Release(StrEnum):
    NETWORK = "network"  # the network's inactivity timer ends the connection
    RAI = "rai"  # each report (the burst's last) carries release assistance "no further data"


class Sleep(StrEnum):
    ANY = "any"  # reports go on schedule, whatever the state
    IDLE = "idle"  # each report waits for RRC idle (or PSM)
    PSM = "psm"  # PSM requested for the run; each report waits for the module's PSM entry report


_WANTED = {
    Sleep.ANY: (),
    Sleep.IDLE: (ModemState.IDLE, ModemState.PSM),
    Sleep.PSM: (ModemState.PSM,),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class UplinkReportsSpec:
    """Plan parameters of the periodic-report procedure (module docstring). The PSM timers are requested
    only with `sleep = "psm"`; `inactivity_s` sets the network's inactivity timer through the rig's radio."""

    reports: int = field(default=5, metadata={"min": 1})
    payload_bytes: int = field(default=50, metadata={"min": HEADER_BYTES, "max": 1400})
    interval_s: float = field(default=60.0, metadata={"above": 0})
    release: Release = Release.NETWORK
    sleep: Sleep = Sleep.IDLE
    burst_reports: int = field(default=0, metadata={"min": 0})
    late_s: float = field(default=0.0, metadata={"min": 0})
    settle_timeout_s: float = field(default=60.0, metadata={"min": 0})
    drain_s: float = field(default=30.0, metadata={"above": 0})  # (J) three times the 10 s target, §1.2
    inactivity_s: float | None = field(default=None, metadata={"above": 0})
    active_time_s: int = field(default=10, metadata={"min": 0})
    periodic_tau_s: int = field(default=3600, metadata={"min": 0})
    attempt_timeout_s: float = field(default=180.0, metadata={"above": 0})
    off_s: float = field(default=1.0, metadata={"min": 0})
    is_captured: bool = True
    # when the periodic reports are due (harness.traffic.report_offsets): from the start, or on the wall
    # clock's grid of interval_s; with a random offset in [0, offset_window_s) each, or none at all (a
    # fleet reporting in step, the misbehaviour GSMA TS.34 warns of)
    schedule: Schedule = Schedule.START
    offset_window_s: float = field(default=0.0, metadata={"min": 0})
    is_offset_random: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class UplinkReportsResult:
    samples: pd.DataFrame  # one row per report
    summary: dict[str, MetricValue]
    counters: SessionCounters
    pcap: Path | None


def run_uplink_reports(
    modem: Modem,
    server: ServerControl,
    spec: UplinkReportsSpec,
    *,
    capture_dir: Path | None = None,
    radio: RadioControl | None = None,
) -> UplinkReportsResult:
    """Run the reports into a sink session of `server`; the session's pcap is kept in `capture_dir`."""
    _check_module(modem, spec)
    if spec.inactivity_s is None:
        return _run(modem, server, spec, capture_dir)
    if radio is None:
        raise ValueError("inactivity_s needs the rig's radio control")
    with changed_conditions(radio, {"inactivity_s": spec.inactivity_s}):
        return _run(modem, server, spec, capture_dir)


def _check_module(modem: Modem, spec: UplinkReportsSpec) -> None:
    if spec.sleep is Sleep.PSM and psm_report_of(modem) is None:
        raise ModemError(
            f"{type(modem).__name__} names no PSM entry report (harness.dialects.psm_reports): the engine "
            "does not assume PSM from the timers"
        )
    if spec.release is Release.RAI and RAI not in modem.capabilities:
        raise ModemError(f"{type(modem).__name__} offers no release assistance on its UDP sockets")


def _run(
    modem: Modem, server: ServerControl, spec: UplinkReportsSpec, capture_dir: Path | None
) -> UplinkReportsResult:
    reporting = reporting_modem(modem)
    coverage = coverage_of(modem)
    params = SessionParams(payload_bytes=spec.payload_bytes, is_captured=spec.is_captured)
    sink = server.open_session(SessionKind.UDP_SINK, params)
    try:
        with _power_saving(modem, spec), ModemStateWatch(reporting, psm_report=psm_report_of(modem)) as watch:
            sent = _send_all(modem, reporting.session, watch, (server, sink), spec)
            changes = watch.changes_since(float(sent["sent_s"].min()))
    finally:
        counters = server.close_session(sink.session_id)
    sent["release_after_s"] = release_delays_s(sent["sent_s"].tolist(), sent["state"].tolist(), changes)
    with tempfile.TemporaryDirectory(prefix="miot-reports-") as scratch:
        pcap = server.fetch_capture(
            sink.session_id, (capture_dir or Path(scratch)) / f"capture-server-{sink.session_id}.pcap"
        )
        # a capture that dropped packets would count reports as lost: the sink's stamps are taken then
        table = pcap_table(pcap) if pcap is not None and not counters.capture_dropped_packets else None
        if pcap is not None and table is not None and (problem := probe_cut_problem(pcap)) is not None:
            # reports whose probe header was cut would look lost, a wrong figure rather than a missing one
            raise CaptureError(f"uplink delivery at the server capture: {problem}")
    capture = None if table is None else capture_arrivals(table, dport=sink.port)
    samples = delivery_samples(sent, sink=sink_arrivals(server.samples(sink.session_id)), capture=capture)
    samples = with_session_clock(samples, samples["sent_s"])
    connected = sum(1 for c in changes if c.state is ModemState.CONNECTED and not c.is_read)
    ip_bytes = None if table is None else int(table.loc[_to_port(table, sink.port), "length"].sum())
    summary = {
        **summarize_reports(samples, rrc_connections=connected, capture_ip_bytes=ip_bytes),
        **_offset_spread(sent, spec),
        **coverage_metrics(coverage),
    }
    return UplinkReportsResult(
        samples=tag_samples(samples, coverage),
        summary=summary,
        counters=counters,
        pcap=pcap if capture_dir is not None else None,
    )


def _offset_spread(sent: pd.DataFrame, spec: UplinkReportsSpec) -> dict[str, MetricValue]:
    """`report_offset_spread_pct` of the periodic reports, where the case declares a randomisation window."""
    if spec.offset_window_s <= 0:
        return {}
    periodic = sent[sent["phase"] == str(Phase.PERIODIC)]
    spread = report_offset_spread_pct(
        periodic["sent_utc_s"].tolist(), interval_s=spec.interval_s, jitter_window_s=spec.offset_window_s
    )
    return {"report_offset_spread_pct": spread}


def _to_port(table: pd.DataFrame, port: int) -> pd.Series:
    return (table["dport"] == port).fillna(False).astype(bool)


def _power_saving(modem: Modem, spec: UplinkReportsSpec) -> AbstractContextManager[object]:
    if spec.sleep is not Sleep.PSM:
        return contextlib.nullcontext()
    grants = GrantSpec(
        periodic_tau_s=spec.periodic_tau_s,
        active_time_s=spec.active_time_s,
        edrx_cycle_s=None,
        attempt_timeout_s=spec.attempt_timeout_s,
        off_s=spec.off_s,
    )
    return granted_requests(modem, grants)


def _send_all(
    modem: DataPath,
    session: ATSession,
    watch: ModemStateWatch,
    sink: tuple[ServerControl, SessionInfo],
    spec: UplinkReportsSpec,
) -> pd.DataFrame:
    """Every report on its schedule, then the waits for their arrival and for the last release."""
    server, session_info = sink
    sock = modem.open_udp(*session_info.address)
    try:
        sender = ReportSender(session=session, sock=sock, watch=watch, payload_bytes=spec.payload_bytes)
        wanted = _WANTED[spec.sleep]
        reach(watch, wanted, spec.settle_timeout_s)
        start_s, start_utc_s = session.now_s(), time.time()
        dues = _due_times_s(spec, now_utc_s=start_utc_s)
        sent: list[SentReport] = []
        rows: list[dict[str, object]] = []
        for seq, due_s in enumerate(dues):
            is_burst = seq >= spec.reports
            if seq <= spec.reports:  # a periodic report, or the burst's first: the wake-up
                time.sleep(max(start_s + due_s - session.now_s(), 0.0))
                reach(watch, wanted, spec.late_s)
            is_marked = spec.release is Release.RAI and (not is_burst or seq == len(dues) - 1)
            report = sender.send(seq, NO_FURTHER_DATA if is_marked else ReleaseAssistance.NONE)
            sent.append(report)
            t_s = report.sent_s - start_s
            phase = Phase.BURST if is_burst else Phase.PERIODIC
            rows.append({"t_s": t_s, **report.row(), "phase": str(phase), "due_s": due_s,
                         "late_ms": (t_s - due_s) * 1000.0, "sent_utc_s": start_utc_s + t_s})  # fmt: skip
        accepted = sum(report.is_accepted for report in sent)
        _wait_for_sink(server, session_info, expected=accepted, drain_s=spec.drain_s)
        wait_released(watch, sent[-1], spec.settle_timeout_s)
        return pd.DataFrame(rows)
    finally:
        wake_uart(session)  # the module may sleep by now; what follows needs its UART
        sock.close()


def _due_times_s(spec: UplinkReportsSpec, *, now_utc_s: float) -> list[float]:
    """Each report's due time from now: the schedule of report_schedule moved by report_offsets."""
    dues = report_schedule(reports=spec.reports, interval_s=spec.interval_s, burst_reports=spec.burst_reports)
    shifts = schedule_shifts_s(
        count=len(dues),
        schedule=spec.schedule,
        interval_s=spec.interval_s,
        offset_window_s=spec.offset_window_s,
        now_utc_s=now_utc_s,
        draw=random.Random() if spec.is_offset_random and spec.offset_window_s > 0 else None,
    )
    return [due + shift for due, shift in zip(dues, shifts, strict=True)]


def _wait_for_sink(server: ServerControl, sink: SessionInfo, *, expected: int, drain_s: float) -> None:
    """Until the sink holds `expected` reports, or drain_s after the last one left (lost ones never come)."""
    deadline_s = time.monotonic() + drain_s
    while time.monotonic() < deadline_s:
        if server.counters(sink.session_id).received_packets >= expected:
            return
        time.sleep(_POLL_S)
