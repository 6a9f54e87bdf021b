"""traffic layer: the first-packet engine (issue 6 item 2): the latency of the first packet a module sends
from RRC idle, from PSM or from idle with eDRX (wake-up latency), via="module".

Each attempt waits until the module reports the start state (harness.traffic.modem_state_watch: +CSCON: 0,
or the dialect's PSM entry report; never assumed from the timers), then sends one UDP probe (harness.probe
layout) to the reflector and times it to its echo, as harness.traffic.udp_echo times a probe: from the
moment the send command was written to the module to the moment the harness learned of the echo. The echo
comes back on the connection the probe set up, so the round trip holds the RRC set-up (or resume) of
TS 36.331 §5.3.3 once, the wake from PSM where there was one, and the connected round trip. `follow_probes`
probes sent right after it, while connected, give the connected round trip of the same moment; the
difference is the wake-up delay. A module whose UART sleeps in PSM loses the command that wakes it (BC660K
Hardware Design §3.4.2 [S19], cellular-iot.md §3.1): a plain AT is sent until one is answered before the
probe, and that time is recorded apart (`uart_wake_ms`), not in the round trip.

PSM and eDRX are requested for the run (+CPSMS / +CEDRXS, harness.dialects) and carried to the network by a
re-attach (harness.traffic.attach.register_once), as the grant engine does; what the module requested before
is put back afterwards (harness.traffic.grants.granted_requests).

KPIs (indicators.md §5.2): `rtt_idle_*` from idle, `rtt_psm_*` from PSM, `rtt_edrx_*` from idle with eDRX
(min, p50, p95, p99, max in ms; harness.traffic.latency_statistics), `first_packet_loss_pct`, and
`wakeup_delay_p50_ms` / `wakeup_delay_max_ms`. Only attempts that left from the start state count; one that
left from another (the module entered PSM while an idle attempt was about to send) is kept in the samples.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from harness.at import ATSession
from harness.dialects.connection import wake_uart
from harness.dialects.modem import Modem, ModuleSocket
from harness.errors import ModemError
from harness.metrics import MetricValue
from harness.probe import HEADER_BYTES, ProbeHeader, decode_probe, encode_probe
from harness.traffic.grants import GrantSpec, granted_requests
from harness.traffic.latency_statistics import loss_pct, rtt_statistics
from harness.traffic.modem_state_watch import ModemState, ModemStateWatch, StateChange, psm_report_of
from harness.traffic.registration_watch import reporting_modem
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN


class StartState(StrEnum):
    IDLE = "idle"  # RRC idle, no power saving requested
    PSM = "psm"  # in PSM, as the module reported it
    EDRX = "edrx"  # RRC idle with eDRX granted


# the state an attempt must leave from to count for its start
_REQUIRED_STATE = {
    StartState.IDLE: ModemState.IDLE,
    StartState.PSM: ModemState.PSM,
    StartState.EDRX: ModemState.IDLE,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FirstPacketSpec:
    """Plan parameters of the first-packet procedure. The timers are requested only for their start state."""

    start: StartState = StartState.IDLE
    attempts: int = field(default=3, metadata={"min": 1})
    payload_bytes: int = field(default=64, metadata={"min": HEADER_BYTES, "max": 1400})
    follow_probes: int = field(default=1, metadata={"min": 0})
    dwell_s: float = field(default=0.0, metadata={"min": 0})  # in the start state before the probe
    settle_timeout_s: float = field(default=120.0, metadata={"above": 0})
    timeout_s: float = field(default=30.0, metadata={"above": 0})
    active_time_s: int = field(default=2, metadata={"min": 0})
    periodic_tau_s: int = field(default=3600, metadata={"min": 0})
    edrx_cycle_s: float = field(default=20.48, metadata={"above": 0})
    attempt_timeout_s: float = field(default=180.0, metadata={"above": 0})
    off_s: float = field(default=1.0, metadata={"min": 0})


@dataclass(frozen=True, slots=True, kw_only=True)
class FirstPacketResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]


@dataclass(frozen=True, slots=True, kw_only=True)
class _RoundTrip:
    sent_s: float
    received_s: float  # NaN when lost

    @property
    def rtt_ms(self) -> float:
        return (self.received_s - self.sent_s) * 1000.0


def run_first_packet(
    modem: Modem, server: tuple[str, int], spec: FirstPacketSpec, *, wall_ns: Callable[[], int] = time.time_ns
) -> FirstPacketResult:
    """Run the attempts and return one sample per attempt plus the summary KPIs."""
    reporting = reporting_modem(modem)
    psm_report = psm_report_of(modem)
    if spec.start is StartState.PSM and psm_report is None:
        raise ModemError(
            f"{type(modem).__name__} names no PSM entry report (harness.dialects.psm_reports): the engine "
            "does not assume PSM from the timers"
        )
    session = reporting.session
    with _power_saving(modem, spec), ModemStateWatch(reporting, psm_report=psm_report) as watch:
        sock = modem.open_udp(*server)
        try:
            probe = _Prober(sock=sock, spec=spec, wall_ns=wall_ns)
            rows = [_attempt(session, watch, probe, spec, attempt) for attempt in range(1, spec.attempts + 1)]
        finally:
            wake_uart(session)
            sock.close()
    samples = pd.DataFrame(rows)
    return FirstPacketResult(samples=samples, summary=summarize(samples, spec.start))


def summarize(samples: pd.DataFrame, start: StartState) -> dict[str, MetricValue]:
    """rtt_<start>_* over the attempts that left from the start state, their loss and the wake-up delay."""
    counted = samples[samples["state"] == _REQUIRED_STATE[start]]
    rtts = counted["rtt_ms"].to_numpy(dtype=float)
    delays = rtt_statistics(counted["wakeup_delay_ms"].to_numpy(dtype=float), quantity="wakeup_delay")
    return {
        **rtt_statistics(rtts, quantity=f"rtt_{start}"),
        "first_packet_loss_pct": loss_pct(sent=len(rtts), received=int(np.count_nonzero(~np.isnan(rtts)))),
        "wakeup_delay_p50_ms": delays["wakeup_delay_p50_ms"],
        "wakeup_delay_max_ms": delays["wakeup_delay_max_ms"],
    }


def _power_saving(modem: Modem, spec: FirstPacketSpec) -> contextlib.AbstractContextManager[object]:
    """The start state's timers requested and granted for the block (a re-attach carries them), the
    module's own requests put back afterwards."""
    if spec.start is StartState.IDLE:
        return contextlib.nullcontext()
    is_psm = spec.start is StartState.PSM
    grants = GrantSpec(
        periodic_tau_s=spec.periodic_tau_s if is_psm else None,
        active_time_s=spec.active_time_s if is_psm else None,
        edrx_cycle_s=None if is_psm else spec.edrx_cycle_s,
        attempt_timeout_s=spec.attempt_timeout_s,
        off_s=spec.off_s,
    )
    return granted_requests(modem, grants)


@dataclass(slots=True, kw_only=True)
class _Prober:
    """One probe at a time through the module's socket, each waited for until its echo or timeout_s."""

    sock: ModuleSocket
    spec: FirstPacketSpec
    wall_ns: Callable[[], int]
    next_seq: int = 0

    def round_trip(self) -> _RoundTrip:
        seq = self.next_seq
        self.next_seq += 1
        header = ProbeHeader(seq=seq, client_tx_ns=self.wall_ns())
        sent_s = self.sock.send(encode_probe(header, self.spec.payload_bytes))
        deadline_s = time.monotonic() + self.spec.timeout_s
        while (left_s := deadline_s - time.monotonic()) > 0:
            datagram = self.sock.receive(timeout_s=left_s)
            if datagram is None:
                break
            echo = decode_probe(datagram.data)
            if echo is not None and echo.is_reflected and echo.seq == seq:
                return _RoundTrip(sent_s=sent_s, received_s=datagram.t_s)
            # an older probe's late echo, or not ours: neither times this one
        return _RoundTrip(sent_s=sent_s, received_s=math.nan)


def _attempt(
    session: ATSession, watch: ModemStateWatch, probe: _Prober, spec: FirstPacketSpec, attempt: int
) -> dict[str, object]:
    idle_states = (ModemState.PSM,) if spec.start is StartState.PSM else (ModemState.IDLE, ModemState.PSM)
    watch.wait_for(idle_states, timeout_s=spec.settle_timeout_s)
    time.sleep(spec.dwell_s)
    uart_wake_s = wake_uart(session)
    before: StateChange = watch.latest()
    first = probe.round_trip()
    follows = [probe.round_trip() for _ in range(spec.follow_probes)]
    connected_rtt_ms = _median([f.rtt_ms for f in follows])
    connected_s = next(
        (c.t_s for c in watch.changes_since(first.sent_s) if c.state is ModemState.CONNECTED), math.nan
    )
    return {
        "t_s": first.sent_s,
        SESSION_CLOCK_COLUMN: first.sent_s,  # t_s is on the session clock too; the join looks for this name
        "attempt": attempt,
        "start": str(spec.start),
        "state": str(before.state),
        "state_held_s": first.sent_s - before.t_s,
        "is_state_read": before.is_read,
        "uart_wake_ms": uart_wake_s * 1000.0,
        "payload_bytes": spec.payload_bytes,
        "sent_s": first.sent_s,
        "received_s": first.received_s,
        "rtt_ms": first.rtt_ms,
        "connected_after_ms": (connected_s - first.sent_s) * 1000.0,
        "connected_rtt_ms": connected_rtt_ms,
        "wakeup_delay_ms": first.rtt_ms - connected_rtt_ms,
    }


def _median(values: list[float]) -> float:
    received = [v for v in values if not math.isnan(v)]
    return float(np.median(received)) if received else math.nan
