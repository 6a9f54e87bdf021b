"""traffic layer: the TCP connect engine (issue 6 item 2, latency family): how long the module takes to
open a TCP connection through its own AT socket commands (via="module").

Each of `connects` attempts opens a connection to a TCP sink session of the test server (harness.server,
opened for the run and closed after it) with Modem.open_tcp and closes it again, `interval_s` apart from start
to start. The connect time is the module's: from the open command written to the result that reported the
connection (AT+QIOPEN -> +QIOPEN: <id>,0; AT+MIPOPEN -> +MIPOPEN: <id>,0), on the session clock
(harness.dialects.Connected), so it holds the SYN / SYN-ACK round trip, any RRC set-up the SYN needed (an
attempt that starts after the network's inactivity timer pays it: choose interval_s to say which case is
measured) and the module's own time, and not the host's AT exchange before the command. A refused connect, a
timed-out one or one the module never answered within `timeout_s` counts as a failure. An attempt's instant
on the session clock (harness.traffic.session_clock) is its start.

KPIs: tcp_connect_time_min, p50, p95, p99, max in ms over the attempts that connected
(harness.traffic.latency_statistics, the metric names of harness.metrics), and connect_success_pct, the
share of attempts that connected. The sink's own count of accepted connections comes with the result, the
server's view of the same attempts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pandas as pd

from harness.dialects.modem import Modem
from harness.errors import ATCommandError, ATTimeout, ModemError
from harness.metrics import MetricValue
from harness.server import ServerControl, SessionCounters, SessionInfo, SessionKind
from harness.traffic.latency_statistics import rtt_statistics
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN, session_clock_of


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpConnectSpec:
    """Plan parameters of the TCP connect procedure; `timeout_s` bounds each attempt (a module's own connect
    timeout, where it takes one, is set to it: AT+MIPOPEN's is 1-180 s)."""

    connects: int = field(default=10, metadata={"min": 1})
    interval_s: float = field(default=1.0, metadata={"min": 0})
    timeout_s: float = field(default=60.0, metadata={"min": 1, "max": 180})


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpConnectResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]
    session: SessionInfo
    counters: SessionCounters  # the sink's: `connections` it accepted


def run_tcp_connect(modem: Modem, server: ServerControl, spec: TcpConnectSpec) -> TcpConnectResult:
    """Connect to a TCP sink of `server` from the module `spec.connects` times; one sample per attempt plus
    the KPIs."""
    session = server.open_session(SessionKind.TCP_SINK)
    try:
        samples = connect_samples(modem, session.address, spec)
    finally:
        counters = server.close_session(session.session_id)
    return TcpConnectResult(samples=samples, summary=summarize(samples), session=session, counters=counters)


def connect_samples(modem: Modem, address: tuple[str, int], spec: TcpConnectSpec) -> pd.DataFrame:
    """One row per attempt: when it started (s from the first), its connect time (NaN: failed) and why it
    failed ("" when it connected)."""
    rows: list[dict[str, object]] = []
    session_clock = session_clock_of(modem)
    start_s = time.monotonic()
    for attempt in range(spec.connects):
        time.sleep(max(0.0, start_s + attempt * spec.interval_s - time.monotonic()))
        t_s, session_t_s = time.monotonic() - start_s, session_clock()
        connect_ms, failure = _connect_once(modem, address, spec.timeout_s)
        rows.append(
            {
                "t_s": t_s,
                SESSION_CLOCK_COLUMN: session_t_s,
                "attempt": attempt,
                "connect_ms": connect_ms,
                "failure": failure,
            }
        )
    samples = pd.DataFrame(rows)
    samples["is_connected"] = samples["connect_ms"].notna()
    return samples


def summarize(samples: pd.DataFrame) -> dict[str, MetricValue]:
    connected = samples["connect_ms"].dropna().to_numpy(dtype=float)
    attempts = len(samples)
    success = 100.0 * len(connected) / attempts if attempts else None
    return {
        **rtt_statistics(connected, quantity="tcp_connect_time"),
        "connect_success_pct": MetricValue(value=success, n_samples=attempts),
    }


def _connect_once(modem: Modem, address: tuple[str, int], timeout_s: float) -> tuple[float, str]:
    """(connect time in ms, "") or (NaN, why the attempt failed)."""
    try:
        stream = modem.open_tcp(*address, timeout_s=timeout_s)
    except (ModemError, ATCommandError, ATTimeout) as error:  # a lost port is not the connect's failure
        return math.nan, str(error).splitlines()[0]
    try:
        return stream.connected.connect_ms, ""
    finally:
        stream.close()
