"""traffic layer: the TCP stream engine, via="module" (issue 6 item 3): TCP goodput through the module's own
AT socket (Modem.open_tcp), uplink into a server TCP sink, downlink from a server TCP source.

Uplink: `total_bytes` go through the module's TCP socket in sends of `chunk_bytes` as fast as the module
takes them (its send buffer and the link set the pace, not the engine). The run ends once the sink has them
all, or when nothing more arrived for `drain_s`. The goodput is the sink's: payload of every read after the
first over the time from the first read to the last (harness.traffic.goodput_series.goodput_kbps, the
definition the capture's flow_metrics uses).
Downlink: a server TCP source writes `payload_bytes` per write at `rate_kbps` for `duration_s` once the
module's connection sends the session's knock (harness.server.source), then half-closes; the engine reads
until the module reports that close (or `timeout_s`). The goodput is the module's: the same definition over
the times the module reported the bytes (Datagram.t_s, session clock).

Samples: one row per `interval_s` bin of the receiving end's table (harness.traffic.goodput_series: t_s,
bytes and goodput_kbps of the bin; a part-filled last bin is left out), with the bin's end on the session
clock (harness.traffic.session_clock: the module's reports are on it, the sink's reads come from its wall
clock). KPIs: <dir>_goodput_kbps, the mean,
peak and 10th percentile of the bins (<dir>_goodput_mean/max/p10_kbps, indicators.md §5.3 with 1 s bins),
<dir>_sent_bytes and <dir>_received_bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from harness.dialects.modem import Modem, ModuleStream
from harness.errors import ModemError
from harness.metrics import MetricValue
from harness.server import ServerControl, SessionCounters, SessionInfo, SessionKind, SessionParams
from harness.server.session import MAX_TCP_WRITE_BYTES
from harness.traffic.direction import Direction
from harness.traffic.goodput_series import goodput_kbps, goodput_series, series_summary
from harness.traffic.session_clock import (
    SESSION_CLOCK_COLUMN,
    session_clock_of,
    wall_ns_on_session_clock,
    with_session_clock,
)

_POLL_S = 0.05  # how often the sink's counters are read while the last bytes cross the link


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpStreamSpec:
    """Plan parameters of a module-driven TCP stream: uplink sends `total_bytes` in `chunk_bytes` sends;
    downlink runs the source at `rate_kbps` with `payload_bytes` writes for `duration_s`. `timeout_s` bounds
    the whole run (the connect included)."""

    direction: Direction = Direction.UL
    total_bytes: int = field(default=20_000, metadata={"min": 1})
    chunk_bytes: int = field(default=1460, metadata={"min": 1, "max": 8192})
    rate_kbps: float = field(default=10.0, metadata={"min": 0.001})
    payload_bytes: int = field(default=512, metadata={"min": 16, "max": MAX_TCP_WRITE_BYTES})
    duration_s: float = field(default=10.0, metadata={"min": 0.01})
    interval_s: float = field(default=1.0, metadata={"min": 0.01})
    drain_s: float = field(default=5.0, metadata={"min": 0.01})
    timeout_s: float = field(default=120.0, metadata={"min": 1.0})


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpStreamResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]
    session: SessionInfo
    counters: SessionCounters


def run_tcp_stream(modem: Modem, server: ServerControl, spec: TcpStreamSpec) -> TcpStreamResult:
    """Run one stream through the module's TCP socket against a sink (UL) or source (DL) of `server`."""
    is_uplink = spec.direction is Direction.UL
    kind = SessionKind.TCP_SINK if is_uplink else SessionKind.TCP_SOURCE
    params = SessionParams(
        rate_kbps=spec.rate_kbps, payload_bytes=spec.payload_bytes, duration_s=spec.duration_s
    )
    session = server.open_session(kind, params)
    deadline_s = time.monotonic() + spec.timeout_s
    try:
        stream = modem.open_tcp(*session.address, timeout_s=min(spec.timeout_s, 180.0))
        try:
            if is_uplink:
                _send(stream, spec)
                _wait_for_sink(server, session, spec, deadline_s)
                sink = server.samples(session.session_id)
                session_t_s = wall_ns_on_session_clock(sink["wall_ns"], session_clock_of(modem))
                received = with_session_clock(sink[["t_s", "payload_bytes"]], session_t_s)
            else:
                received = _receive(stream, bytes.fromhex(session.knock), deadline_s)
        finally:
            stream.close()
    finally:
        counters = server.close_session(session.session_id)
    sent_bytes = spec.total_bytes if is_uplink else counters.sent_bytes
    return TcpStreamResult(
        samples=goodput_series(received, spec.interval_s),
        summary=summarize(received, spec, sent_bytes=sent_bytes),
        session=session,
        counters=counters,
    )


def summarize(received: pd.DataFrame, spec: TcpStreamSpec, *, sent_bytes: int) -> dict[str, MetricValue]:
    prefix = spec.direction.value
    series = goodput_series(received, spec.interval_s)["goodput_kbps"].to_numpy(dtype=float)
    total = float(received["payload_bytes"].sum()) if len(received) else 0.0
    return {
        f"{prefix}_goodput_kbps": MetricValue(value=goodput_kbps(received["t_s"], received["payload_bytes"])),
        **series_summary(spec.direction, series),
        f"{prefix}_sent_bytes": MetricValue(value=float(sent_bytes)),
        f"{prefix}_received_bytes": MetricValue(value=total),
    }


def _send(stream: ModuleStream, spec: TcpStreamSpec) -> None:
    chunk = bytes(spec.chunk_bytes)
    for start in range(0, spec.total_bytes, spec.chunk_bytes):
        stream.send(chunk[: min(spec.chunk_bytes, spec.total_bytes - start)])


def _wait_for_sink(
    server: ServerControl, session: SessionInfo, spec: TcpStreamSpec, deadline_s: float
) -> None:
    """Until the sink has every byte, or none came for drain_s."""
    seen, last_change_s = -1, time.monotonic()
    while (now_s := time.monotonic()) < deadline_s and now_s - last_change_s < spec.drain_s:
        received = server.counters(session.session_id).received_bytes
        if received >= spec.total_bytes:
            return
        if received != seen:
            seen, last_change_s = received, now_s
        time.sleep(_POLL_S)


def _receive(stream: ModuleStream, knock: bytes, deadline_s: float) -> pd.DataFrame:
    """Knock, then one row per piece the module reports, until the source's close reaches the module."""
    rows: dict[str, list[float]] = {"t_s": [], SESSION_CLOCK_COLUMN: [], "payload_bytes": []}
    knocked_s = stream.send(knock)
    while (now_s := time.monotonic()) < deadline_s:
        try:
            piece = stream.receive(timeout_s=deadline_s - now_s)
        except ModemError:
            if stream.is_ended:
                break
            raise
        if piece is not None:
            rows["t_s"].append(piece.t_s - knocked_s)
            rows[SESSION_CLOCK_COLUMN].append(piece.t_s)
            rows["payload_bytes"].append(len(piece.data))
    return pd.DataFrame(rows)
