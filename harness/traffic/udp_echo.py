"""traffic layer: the UDP echo latency engine, via="module" (run_udp_echo) or over any socket of that shape,
such as the host's on the module's data interface (run_udp_echo_on, via="host").

N probes (harness.probe layout) go through the module's own UDP socket to the reflector, paced at a fixed
interval without waiting for replies (irtt-style, so a 4 s RTT does not stretch the test to N x 4 s).
One sample per probe: its round trip, or lost. A probe's RTT runs from the moment the send command was
written to the module to the moment the harness learned of the echo (the +QIURC line of a direct-push
socket): what an application on the host sees, AT exchange included. With the reflector's stamps the
samples also carry one-way delays; they are exact only when the reflector shares the harness's clock
(loopback) or its offset is known.

A probe's instant on the session clock (harness.traffic.session_clock) is its `sent_s`: over a host socket
that is the socket's clock, so the caller gives it the module's session clock (HostUdpSocket(clock=...)).

The first `warmup_probes` are sent and recorded but left out of the summary: after idle the first packet
pays the RRC connection set-up (TS 36.331), which indicators.md §5.2 reports separately as rtt_idle_*.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.dialects.modem import Modem, ModuleSocket
from harness.metrics import MetricValue
from harness.probe import HEADER_BYTES, ProbeHeader, decode_probe, encode_probe
from harness.traffic.latency_statistics import jitter_ms, loss_pct, rtt_statistics
from harness.traffic.session_clock import with_session_clock


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpEchoSpec:
    """Plan parameters of the udp_echo procedure."""

    probes: int = field(default=20, metadata={"min": 1})
    payload_bytes: int = field(default=64, metadata={"min": HEADER_BYTES, "max": 1400})
    interval_s: float = field(default=1.0, metadata={"min": 0.01})
    timeout_s: float = field(default=30.0, metadata={"min": 0.1})
    warmup_probes: int = field(default=1, metadata={"min": 0})


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpEchoResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]


@dataclass(slots=True)
class _Probe:
    seq: int
    is_warmup: bool
    t_s: float
    sent_s: float
    client_tx_ns: int
    received_s: float = math.nan
    server_rx_ns: int = 0
    server_tx_ns: int = 0


def run_udp_echo(
    modem: Modem, server: tuple[str, int], spec: UdpEchoSpec, *, wall_ns: Callable[[], int] = time.time_ns
) -> UdpEchoResult:
    """Run the probes through the module's own UDP socket; one sample per probe plus the summary KPIs."""
    return run_udp_echo_on(modem.open_udp(*server), spec, wall_ns=wall_ns)


def run_udp_echo_on(
    sock: ModuleSocket, spec: UdpEchoSpec, *, wall_ns: Callable[[], int] = time.time_ns
) -> UdpEchoResult:
    """The same over a socket already open to the reflector (via="host": harness.traffic.host_socket);
    closes it."""
    try:
        probes = _exchange(sock, spec, wall_ns)
    finally:
        sock.close()
    samples = _samples(probes, spec)
    return UdpEchoResult(samples=samples, summary=summarize(samples))


def _exchange(sock: ModuleSocket, spec: UdpEchoSpec, wall_ns: Callable[[], int]) -> list[_Probe]:
    total = spec.warmup_probes + spec.probes
    probes: list[_Probe] = []
    start = time.monotonic()
    for seq in range(total):
        _collect_until(sock, probes, deadline=start + seq * spec.interval_s)
        client_tx_ns = wall_ns()
        payload = encode_probe(ProbeHeader(seq=seq, client_tx_ns=client_tx_ns), spec.payload_bytes)
        sent_s = sock.send(payload)
        probes.append(
            _Probe(
                seq=seq,
                is_warmup=seq < spec.warmup_probes,
                t_s=time.monotonic() - start,
                sent_s=sent_s,
                client_tx_ns=client_tx_ns,
            )
        )
    drain_deadline = time.monotonic() + spec.timeout_s
    while any(math.isnan(p.received_s) for p in probes) and time.monotonic() < drain_deadline:
        _collect_until(sock, probes, deadline=min(drain_deadline, time.monotonic() + 0.5))
    return probes


def _collect_until(sock: ModuleSocket, probes: list[_Probe], *, deadline: float) -> None:
    """Take echoes as they come until the deadline."""
    while (left_s := deadline - time.monotonic()) > 0:
        datagram = sock.receive(timeout_s=left_s)
        if datagram is None:
            return
        header = decode_probe(datagram.data)
        if header is None or not header.is_reflected or header.seq >= len(probes):
            continue  # not an echo of ours; the reflector never sends such a thing
        probe = probes[header.seq]
        if math.isnan(probe.received_s):  # a duplicate keeps the first arrival
            probe.received_s = datagram.t_s
            probe.server_rx_ns = header.server_rx_ns
            probe.server_tx_ns = header.server_tx_ns


def _samples(probes: list[_Probe], spec: UdpEchoSpec) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "t_s": [p.t_s for p in probes],
            "seq": np.array([p.seq for p in probes], dtype=np.int64),
            "is_warmup": [p.is_warmup for p in probes],
            "payload_bytes": np.full(len(probes), spec.payload_bytes, dtype=np.int64),
            "sent_s": [p.sent_s for p in probes],
            "received_s": [p.received_s for p in probes],
            "client_tx_ns": np.array([p.client_tx_ns for p in probes], dtype=np.int64),
            "server_rx_ns": np.array([p.server_rx_ns for p in probes], dtype=np.int64),
            "server_tx_ns": np.array([p.server_tx_ns for p in probes], dtype=np.int64),
        }
    )
    frame["is_lost"] = frame["received_s"].isna()
    frame["rtt_ms"] = (frame["received_s"] - frame["sent_s"]) * 1000.0
    # One-way legs from the wall-clock stamps; the downlink leg is what remains of the round trip once the
    # uplink leg and the reflector's own holding time are taken out.
    received = ~frame["is_lost"]
    uplink_ms = ((frame["server_rx_ns"] - frame["client_tx_ns"]) / 1e6).where(received)
    held_ms = ((frame["server_tx_ns"] - frame["server_rx_ns"]) / 1e6).where(received)
    frame["ul_delay_ms"] = uplink_ms
    frame["dl_delay_ms"] = frame["rtt_ms"] - uplink_ms - held_ms
    return with_session_clock(frame, frame["sent_s"])


def summarize(samples: pd.DataFrame) -> dict[str, MetricValue]:
    """rtt min/p50/p95/p99/max, jitter and loss over the measured (non-warm-up) probes
    (harness.traffic.latency_statistics); the jitter takes the round trips in the order they came back."""
    measured = samples[~samples["is_warmup"]]
    in_arrival_order = measured.sort_values("received_s")["rtt_ms"]
    return {
        **rtt_statistics(measured["rtt_ms"].to_numpy(dtype=float)),
        "jitter_ms": jitter_ms(in_arrival_order.to_numpy(dtype=float)),
        "loss_pct": loss_pct(sent=len(measured), received=int(measured["rtt_ms"].notna().sum())),
    }
