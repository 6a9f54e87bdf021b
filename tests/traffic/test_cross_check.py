"""The endpoint-vs-capture comparison: agreement within 1 %, a flag above it or on capture drops, a missing
figure (never a pass) without a capture; capture figures of one flow read from a pcap."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap

from harness.probe import ProbeHeader, encode_probe
from harness.traffic.cross_check import (
    ALL_FIGURES,
    CaptureFigures,
    CrossCheck,
    EndpointFigures,
    capture_figures,
)
from harness.traffic.direction import Direction


def check(
    *,
    endpoint_bytes: int,
    seen_bytes: int,
    packets: tuple[int, int] = (10, 10),
    goodput_kbps: tuple[float, float] = (1.0, 1.0),
    dropped: int = 0,
    compared: tuple[str, ...] = ALL_FIGURES,
) -> CrossCheck:
    return CrossCheck(
        direction=Direction.UL,
        endpoint="server udp sink",
        endpoint_figures=EndpointFigures(
            payload_bytes=endpoint_bytes, packets=packets[0], goodput_kbps=goodput_kbps[0]
        ),
        capture=CaptureFigures(
            point="server",
            packets=packets[1],
            payload_bytes=seen_bytes,
            goodput_kbps=goodput_kbps[1],
            dropped_packets=dropped,
        ),
        compared=compared,
    )


def test_figures_within_one_percent_agree() -> None:
    agreed = check(endpoint_bytes=100_000, seen_bytes=100_900)
    assert agreed.difference_pct == pytest.approx(0.9)
    assert not agreed.is_flagged
    assert agreed.metric_values()["ul_capture_difference_pct"].value == pytest.approx(0.9)


def test_more_than_one_percent_apart_is_flagged_with_both_figures() -> None:
    apart = check(endpoint_bytes=100_000, seen_bytes=98_900)
    assert apart.is_flagged
    assert "payload_bytes 100000 vs 98900 (1.10 %)" in (apart.flag_reason or "")


def test_packets_and_goodput_count_as_much_as_bytes() -> None:
    assert check(endpoint_bytes=1000, seen_bytes=1000, packets=(100, 98)).is_flagged
    assert check(endpoint_bytes=1000, seen_bytes=1000, goodput_kbps=(100.0, 102.0)).is_flagged


def test_only_the_compared_figures_count() -> None:
    rate_only = check(
        endpoint_bytes=1000, seen_bytes=1100, goodput_kbps=(100.0, 100.5), compared=("goodput_kbps",)
    )
    assert rate_only.differences_pct() == {"goodput_kbps": pytest.approx(0.5)}
    assert not rate_only.is_flagged


def test_a_capture_that_dropped_packets_flags_even_when_the_figures_agree() -> None:
    dropped = check(endpoint_bytes=1000, seen_bytes=1000, dropped=1)
    assert dropped.difference_pct == 0.0
    assert dropped.flag_reason == "the capture at server dropped 1 packet(s)"


def test_nothing_sent_and_nothing_seen_agree_but_something_seen_is_infinitely_apart() -> None:
    assert check(endpoint_bytes=0, seen_bytes=0, packets=(0, 0)).difference_pct == 0.0
    assert math.isinf(check(endpoint_bytes=0, seen_bytes=10, packets=(0, 1)).difference_pct or 0.0)


def test_without_a_capture_the_kpis_are_missing_and_nothing_is_flagged() -> None:
    off = CrossCheck(
        direction=Direction.DL,
        endpoint="iperf3 receiver",
        endpoint_figures=EndpointFigures(payload_bytes=1000, packets=None, goodput_kbps=8.0),
        capture=None,
        capture_off_reason="packet capture needs root or CAP_NET_RAW",
    )
    values = off.metric_values()
    assert set(values) == {"dl_capture_difference_pct", "dl_capture_goodput_kbps", "dl_capture_dropped_count"}
    assert all(value.value is None for value in values.values())
    assert not off.is_flagged


@given(
    endpoint=st.integers(min_value=1, max_value=10**9),
    seen=st.integers(min_value=0, max_value=10**9),
)
def test_flagged_exactly_when_more_than_the_tolerance_apart(endpoint: int, seen: int) -> None:
    compared = check(endpoint_bytes=endpoint, seen_bytes=seen)
    assert compared.is_flagged == (
        abs(seen - endpoint) * 100 > endpoint * compared.tolerance_pct * (1 + 1e-12)
    )


def test_capture_figures_count_one_flow_of_one_direction(tmp_path: Path) -> None:
    def datagram(sport: int, dport: int, seq: int, size: int) -> Ether:
        payload = encode_probe(ProbeHeader(seq=seq, client_tx_ns=0), size)
        return Ether() / IP(src="127.0.0.1", dst="127.0.0.1") / UDP(sport=sport, dport=dport) / payload

    packets = [datagram(40000, 5000, seq, 100) for seq in range(5)]
    packets += [datagram(5000, 40000, seq, 300) for seq in range(3)]  # the other way
    packets += [datagram(40000, 6000, 0, 700)]  # another session
    for index, packet in enumerate(packets):
        packet.time = 1000.0 + index * 0.1
    pcap = tmp_path / "flows.pcap"
    wrpcap(str(pcap), packets)
    inbound = capture_figures(pcap, point="server", proto="udp", dport=5000, dropped_packets=2)
    assert (inbound.packets, inbound.payload_bytes, inbound.dropped_packets) == (5, 500, 2)
    assert inbound.goodput_kbps == pytest.approx(4 * 100 * 8 / 1000 / 0.4)
    outbound = capture_figures(pcap, point="server", proto="udp", sport=5000)
    assert (outbound.packets, outbound.payload_bytes) == (3, 900)
    assert capture_figures(pcap, point="server", proto="tcp", dport=5000).packets == 0
