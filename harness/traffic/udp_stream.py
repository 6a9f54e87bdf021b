"""traffic layer: the UDP stream engine, via="module": load the link through the module's own AT socket.

Uplink: datagrams of `payload_bytes` (harness.probe header: seq and send stamp, then zeros) go through the
Modem's UDP socket into a server UDP sink session, `packets` of them or for `duration_s`, paced by a token
bucket on the monotonic clock (harness.server.pacing, RFC 2697 without colours) at `rate_kbps` of payload.
The bucket fills while the AT exchange of a send runs, so the exchange is part of the pacing budget: a
module whose send commands take longer than the interval sends as fast as its AT interface allows, and the
offered rate in the summary says so. The bucket holds one datagram, so a late send is not made up for
with a burst.
Downlink: a server UDP source session sends `payload_bytes` datagrams at `rate_kbps` for `duration_s`
once the module's socket sends the session's knock (harness.server.source); the engine then reads what
arrives until the source's duration has passed and nothing more came for `drain_s`.

Each run returns one sample row per datagram (first column `t_s`, DESIGN), the receiver's per-second
goodput series (t_s on the receiver's clock: the server session's for uplink, the module socket's for
downlink) and KPI values named by harness.metrics, computed from the endpoint's own counts: for uplink the
sink's table, for downlink the module socket's datagrams against the source's sent counter. Goodput counts
UDP payload of every datagram after the first over the time from the first to the last
(harness.traffic.goodput_series, the definition flow_metrics uses, so the capture figure is comparable);
the series adds its mean, peak and p10. The session is captured at the server when `is_captured`; the
cross-check (harness.traffic.cross_check) sets the capture's figures beside the endpoint's: for uplink the
sink's received datagrams, for downlink the source's sent ones (the module's IP stack has no capture point;
the capture checks the server end of the same flow, and the loss KPI the module end).
Rows on the session clock (harness.traffic.session_clock): a sent datagram at its send (`sent_s`), a
received one at its arrival (Datagram.t_s), a series bin at its end (the sink's arrivals moved from its
wall clock).
TCP over the same AT sockets is harness.traffic.tcp_stream's.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from harness.dialects.modem import Modem, ModuleSocket
from harness.metrics import MetricValue
from harness.probe import HEADER_BYTES, ProbeHeader, decode_probe, encode_probe
from harness.server import ServerControl, SessionCounters, SessionInfo, SessionKind, SessionParams
from harness.server.pacing import TokenBucket
from harness.traffic.cross_check import CaptureFigures, CrossCheck, EndpointFigures, capture_figures
from harness.traffic.direction import Direction
from harness.traffic.goodput_series import goodput_kbps, goodput_series, series_summary
from harness.traffic.session_clock import (
    SESSION_CLOCK_COLUMN,
    session_clock_of,
    wall_ns_on_session_clock,
    with_session_clock,
)

_POLL_S = 0.05  # how often the sink's counters are read while the last datagrams cross the link


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpStreamSpec:
    """Plan parameters of a module-driven UDP stream. Uplink stops after `packets` when given, else after
    `duration_s`; downlink runs the source for `duration_s`. `drain_s`: nothing arrived for this long after
    the sending ended means nothing more will. `timeout_s` bounds the whole run."""

    direction: Direction = Direction.UL
    payload_bytes: int = field(default=512, metadata={"min": HEADER_BYTES, "max": 1400})
    rate_kbps: float = field(default=10.0, metadata={"min": 0.001})
    packets: int | None = field(default=None, metadata={"min": 1})
    duration_s: float = field(default=10.0, metadata={"min": 0.01})
    drain_s: float = field(default=5.0, metadata={"min": 0.01})
    timeout_s: float = field(default=120.0, metadata={"min": 0.1})
    is_captured: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpStreamResult:
    samples: pd.DataFrame  # one row per datagram
    series: pd.DataFrame  # per-second goodput at the receiver (harness.traffic.goodput_series)
    summary: dict[str, MetricValue]
    session: SessionInfo
    counters: SessionCounters
    cross_check: CrossCheck
    pcap: Path | None

    @property
    def is_flagged(self) -> bool:
        return self.cross_check.is_flagged


def run_udp_stream(
    modem: Modem, server: ServerControl, spec: UdpStreamSpec, *, capture_dir: Path | None = None
) -> UdpStreamResult:
    """Run one stream; the session's pcap is kept in `capture_dir` (pcap None: it is not kept)."""
    is_uplink = spec.direction is Direction.UL
    kind = SessionKind.UDP_SINK if is_uplink else SessionKind.UDP_SOURCE
    params = SessionParams(
        rate_kbps=spec.rate_kbps,
        payload_bytes=spec.payload_bytes,
        duration_s=spec.duration_s,
        is_captured=spec.is_captured,
    )
    session = server.open_session(kind, params)
    try:
        sock = modem.open_udp(*session.address)
        try:
            rows = _send(sock, spec) if is_uplink else _receive(sock, session, spec)
            if is_uplink:
                _wait_for_sink(server, session, sent=len(rows["seq"]), spec=spec)
        finally:
            sock.close()
    finally:
        counters = server.close_session(session.session_id)
    server_rows = server.samples(session.session_id)
    server_rows = with_session_clock(
        server_rows, wall_ns_on_session_clock(server_rows["wall_ns"], session_clock_of(modem))
    )
    with tempfile.TemporaryDirectory(prefix="miot-stream-") as scratch:
        pcap = _fetch(server, session, capture_dir or Path(scratch))
        figures = _capture_figures(pcap, session, spec.direction, counters)
    if is_uplink:
        samples = uplink_samples(rows, server_rows)
        series = goodput_series(server_rows)
        summary = uplink_summary(samples, server_rows)
        endpoint = "server udp sink"
        counted = EndpointFigures(
            payload_bytes=counters.received_bytes,
            packets=counters.received_packets,
            goodput_kbps=summary["ul_goodput_kbps"].value,
        )
    else:
        samples = pd.DataFrame(rows)
        series = goodput_series(samples)
        summary = downlink_summary(samples, sent_packets=counters.sent_packets)
        endpoint = "server udp source (sent)"
        counted = EndpointFigures(
            payload_bytes=counters.sent_bytes,
            packets=counters.sent_packets,
            goodput_kbps=goodput_kbps(server_rows["t_s"], server_rows["payload_bytes"]),
        )
    check = CrossCheck(
        direction=spec.direction,
        endpoint=endpoint,
        endpoint_figures=counted,
        capture=figures,
        capture_off_reason=_capture_off_reason(session, spec),
    )
    return UdpStreamResult(
        samples=samples,
        series=series,
        summary={
            **summary,
            **series_summary(spec.direction, series["goodput_kbps"].to_numpy(dtype=float)),
            **check.metric_values(),
        },
        session=session,
        counters=counters,
        cross_check=check,
        pcap=pcap if capture_dir is not None else None,
    )


# --- uplink --------------------------------------------------------------------------------------------


def _send(sock: ModuleSocket, spec: UdpStreamSpec) -> dict[str, list[float]]:
    """Paced sends; one row per datagram handed to the module."""
    rows: dict[str, list[float]] = {"t_s": [], "seq": [], "sent_s": [], "send_ms": [], "client_tx_ns": []}
    bucket = TokenBucket(
        rate_bps=spec.rate_kbps * 1000, burst_bytes=spec.payload_bytes, clock_ns=time.monotonic_ns
    )
    start_s = time.monotonic()
    end_s = start_s + (spec.timeout_s if spec.packets is not None else spec.duration_s)
    seq = 0
    while (spec.packets is None or seq < spec.packets) and (now_s := time.monotonic()) < end_s:
        wait_s = bucket.wait_s(spec.payload_bytes)
        if wait_s > 0:
            time.sleep(min(wait_s, end_s - now_s))
            continue
        client_tx_ns = time.time_ns()
        sent_s = sock.send(encode_probe(ProbeHeader(seq=seq, client_tx_ns=client_tx_ns), spec.payload_bytes))
        bucket.take(spec.payload_bytes)
        for name, value in (
            ("t_s", now_s - start_s),
            ("seq", seq),
            ("sent_s", sent_s),
            ("send_ms", (time.monotonic() - now_s) * 1000),
            ("client_tx_ns", client_tx_ns),
        ):
            rows[name].append(value)
        seq += 1
    rows["payload_bytes"] = [spec.payload_bytes] * seq
    return rows


def _wait_for_sink(server: ServerControl, session: SessionInfo, *, sent: int, spec: UdpStreamSpec) -> None:
    """Until the sink has every datagram, or none came for drain_s (lost ones never will)."""
    deadline_s = time.monotonic() + spec.timeout_s
    seen, last_change_s = -1, time.monotonic()
    while (now_s := time.monotonic()) < deadline_s and now_s - last_change_s < spec.drain_s:
        received = server.counters(session.session_id).received_packets
        if received >= sent:
            return
        if received != seen:
            seen, last_change_s = received, now_s
        time.sleep(_POLL_S)


def uplink_samples(rows: dict[str, list[float]], sink: pd.DataFrame) -> pd.DataFrame:
    """One row per sent datagram with what the sink saw of it: copies, first arrival (server wall clock)
    and the one-way delay (exact on one host; off by the clock offset against a remote server)."""
    sent = pd.DataFrame(rows).astype({"seq": np.int64, "client_tx_ns": np.int64, "payload_bytes": np.int64})
    ours = sink[sink["seq"] >= 0]
    arrivals = ours.groupby("seq").agg(copies=("seq", "size"), server_rx_ns=("wall_ns", "min"))
    samples = sent.join(arrivals, on="seq")
    samples["copies"] = samples["copies"].fillna(0).astype(np.int64)
    samples["is_lost"] = samples["copies"] == 0
    samples["owd_ms"] = (samples["server_rx_ns"] - samples["client_tx_ns"]) / 1e6
    return with_session_clock(samples, samples["sent_s"])


def uplink_summary(samples: pd.DataFrame, sink: pd.DataFrame) -> dict[str, MetricValue]:
    n_sent = len(samples)
    n_received = int((~samples["is_lost"]).sum())
    owd = samples["owd_ms"].dropna().to_numpy(dtype=float)
    return {
        "ul_sent_count": MetricValue(value=float(n_sent)),
        "ul_received_count": MetricValue(value=float(n_received)),
        "ul_loss_pct": MetricValue(value=_loss_pct(n_sent, n_received), n_samples=n_sent),
        "ul_duplicates_count": MetricValue(value=float((samples["copies"] - 1).clip(lower=0).sum())),
        "ul_offered_kbps": MetricValue(value=goodput_kbps(samples["t_s"], samples["payload_bytes"])),
        "ul_goodput_kbps": MetricValue(value=goodput_kbps(sink["t_s"], sink["payload_bytes"])),
        "ul_send_p50_ms": _percentile(samples["send_ms"].to_numpy(dtype=float), 50),
        "ul_owd_p50_ms": _percentile(owd, 50),
        "ul_owd_p95_ms": _percentile(owd, 95),
    }


# --- downlink ------------------------------------------------------------------------------------------


def _receive(sock: ModuleSocket, session: SessionInfo, spec: UdpStreamSpec) -> dict[str, list[float]]:
    """Knock, then one row per datagram the module hands over, until the source is done and quiet."""
    rows: dict[str, list[float]] = {
        "t_s": [],
        SESSION_CLOCK_COLUMN: [],
        "seq": [],
        "payload_bytes": [],
        "server_tx_ns": [],
    }
    knocked_s = sock.send(bytes.fromhex(session.knock))
    start_s = time.monotonic()
    deadline_s = start_s + spec.timeout_s
    sending_ends_s = start_s + spec.duration_s
    quiet_until_s = sending_ends_s + spec.drain_s
    while (now_s := time.monotonic()) < min(deadline_s, quiet_until_s):
        datagram = sock.receive(timeout_s=min(deadline_s, quiet_until_s) - now_s)
        if datagram is None:
            continue
        header = decode_probe(datagram.data)
        for name, value in (
            ("t_s", datagram.t_s - knocked_s),
            (SESSION_CLOCK_COLUMN, datagram.t_s),
            ("seq", -1 if header is None else header.seq),
            ("payload_bytes", len(datagram.data)),
            ("server_tx_ns", 0 if header is None else header.client_tx_ns),
        ):
            rows[name].append(value)
        quiet_until_s = max(sending_ends_s, time.monotonic()) + spec.drain_s
    return rows


def downlink_summary(samples: pd.DataFrame, *, sent_packets: int) -> dict[str, MetricValue]:
    ours = samples[samples["seq"] >= 0] if len(samples) else samples
    n_received = int(ours["seq"].nunique()) if len(ours) else 0
    return {
        "dl_sent_count": MetricValue(value=float(sent_packets)),
        "dl_received_count": MetricValue(value=float(n_received)),
        "dl_loss_pct": MetricValue(value=_loss_pct(sent_packets, n_received), n_samples=sent_packets),
        "dl_duplicates_count": MetricValue(value=float(len(ours) - n_received)),
        "dl_goodput_kbps": MetricValue(
            value=goodput_kbps(samples["t_s"], samples["payload_bytes"]) if len(samples) else None
        ),
    }


# --- shared --------------------------------------------------------------------------------------------


def _loss_pct(sent: int, received: int) -> float | None:
    return 100.0 * max(0, sent - received) / sent if sent else None


def _percentile(values: np.ndarray, q: float) -> MetricValue:
    value = float(np.percentile(values, q)) if len(values) else None
    return MetricValue(value=value, n_samples=len(values))


def _fetch(server: ServerControl, session: SessionInfo, folder: Path) -> Path | None:
    return server.fetch_capture(session.session_id, folder / f"capture-server-{session.session_id}.pcap")


def _capture_figures(
    pcap: Path | None, session: SessionInfo, direction: Direction, counters: SessionCounters
) -> CaptureFigures | None:
    if pcap is None:
        return None
    toward_server = direction is Direction.UL
    return capture_figures(
        pcap,
        point="server",
        proto="udp",
        dport=session.port if toward_server else None,
        sport=None if toward_server else session.port,
        dropped_packets=counters.capture_dropped_packets,
    )


def _capture_off_reason(session: SessionInfo, spec: UdpStreamSpec) -> str | None:
    if not spec.is_captured:
        return "the run asked for no capture"
    return session.capture_off_reason
