"""The udp_echo engine against an in-memory module socket with a known delay and loss pattern."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

import pandas as pd
import pytest

from harness.dialects.modem import Datagram, Identity, ModuleSocket, RadioSnapshot, Registration, SimState
from harness.probe import decode_probe, stamp_reflection
from harness.traffic import UdpEchoSpec, run_udp_echo, summarize

DELAY_S = 0.02


@dataclass
class LoopbackSocket:
    """Reflects every probe after DELAY_S, except the sequence numbers in `drop`."""

    drop: frozenset[int] = frozenset()
    pending: deque[tuple[float, bytes]] = field(default_factory=deque)
    sends: list[float] = field(default_factory=list)
    closed: bool = False

    def send(self, payload: bytes) -> float:
        now = time.monotonic()
        self.sends.append(now)
        header = decode_probe(payload)
        assert header is not None
        if header.seq not in self.drop:
            echo = stamp_reflection(payload, server_rx_ns=time.time_ns(), server_tx_ns=time.time_ns())
            self.pending.append((now + DELAY_S, echo))
        return now

    def receive(self, timeout_s: float) -> Datagram | None:
        deadline = time.monotonic() + timeout_s
        if not self.pending or self.pending[0][0] > deadline:
            time.sleep(max(0.0, deadline - time.monotonic()))
            return None
        due, data = self.pending.popleft()
        time.sleep(max(0.0, due - time.monotonic()))
        return Datagram(data=data, t_s=due)

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeModem:
    sock: LoopbackSocket
    capabilities: frozenset[str] = frozenset({"udp_socket"})

    def open_udp(self, host: str, port: int) -> ModuleSocket:
        return self.sock

    def identity(self) -> Identity:
        raise NotImplementedError

    def sim(self) -> SimState:
        raise NotImplementedError

    def set_radio(self, on: bool) -> None:
        raise NotImplementedError

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration:
        raise NotImplementedError

    def registration(self) -> Registration:
        raise NotImplementedError

    def radio_snapshot(self) -> RadioSnapshot:
        raise NotImplementedError


def test_every_probe_gets_a_sample_and_rtts_match_the_delay() -> None:
    sock = LoopbackSocket()
    spec = UdpEchoSpec(probes=5, payload_bytes=48, interval_s=0.01, timeout_s=1.0, warmup_probes=1)
    result = run_udp_echo(FakeModem(sock), ("127.0.0.1", 9), spec)
    samples = result.samples
    assert list(samples.columns[:1]) == ["t_s"]
    assert len(samples) == 6
    assert samples["seq"].tolist() == list(range(6))
    assert samples["is_warmup"].tolist() == [True] + [False] * 5
    assert not samples["is_lost"].any()
    assert samples["rtt_ms"].between(DELAY_S * 1000 - 1, DELAY_S * 1000 + 1).all()
    assert sock.closed
    assert result.summary["loss_pct"].value == 0.0
    assert result.summary["rtt_p50_ms"].n_samples == 5


def test_probes_are_paced_not_stop_and_wait() -> None:
    sock = LoopbackSocket()
    spec = UdpEchoSpec(probes=4, payload_bytes=48, interval_s=0.05, timeout_s=1.0, warmup_probes=0)
    run_udp_echo(FakeModem(sock), ("127.0.0.1", 9), spec)
    gaps = [b - a for a, b in zip(sock.sends, sock.sends[1:], strict=False)]
    assert all(0.045 <= gap <= 0.08 for gap in gaps), gaps


def test_lost_probes_are_samples_too_and_count_in_loss() -> None:
    sock = LoopbackSocket(drop=frozenset({2, 4}))
    spec = UdpEchoSpec(probes=4, payload_bytes=48, interval_s=0.01, timeout_s=0.2, warmup_probes=1)
    result = run_udp_echo(FakeModem(sock), ("127.0.0.1", 9), spec)
    lost = result.samples.set_index("seq")["is_lost"]
    assert lost.to_dict() == {0: False, 1: False, 2: True, 3: False, 4: True}
    assert math.isnan(result.samples.set_index("seq")["rtt_ms"][2])
    assert result.summary["loss_pct"].value == pytest.approx(50.0)
    assert result.summary["rtt_max_ms"].n_samples == 2


def test_summary_statistics_over_measured_probes_only() -> None:
    samples = pd.DataFrame(
        {
            "is_warmup": [True, False, False, False, False],
            "rtt_ms": [5000.0, 100.0, 200.0, float("nan"), 400.0],
            "received_s": [5.0, 1.1, 2.2, float("nan"), 4.4],
        }
    )
    summary = summarize(samples)
    # RFC 3550 A.8 over the round trips in arrival order: |200-100|/16, then + (|400-200| - 6.25)/16
    assert summary["jitter_ms"].value == pytest.approx(6.25 + (200 - 6.25) / 16)
    assert summary["rtt_min_ms"].value == 100.0
    assert summary["rtt_max_ms"].value == 400.0
    assert summary["rtt_p50_ms"].value == 200.0
    assert summary["loss_pct"].value == pytest.approx(25.0)
    assert summary["loss_pct"].n_samples == 4


def test_all_lost_gives_no_rtt_values_but_full_loss() -> None:
    nan = float("nan")
    samples = pd.DataFrame({"is_warmup": [False, False], "rtt_ms": [nan, nan], "received_s": [nan, nan]})
    summary = summarize(samples)
    assert summary["rtt_p95_ms"].value is None
    assert summary["loss_pct"].value == 100.0
