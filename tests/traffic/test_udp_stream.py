"""The module-driven UDP stream engine over virtual BC660K (Quectel QI sockets) and ML307R (OneMO MIP
sockets) modules against a LocalServer on loopback, with the link's rate, delay and loss set in the URL.

Tolerances, stated: a rate measured through the link is within RATE_TOLERANCE (3 %) of the link's payload
rate ul_kbps x B / (B + 28) (the virtual link counts IPv4 + UDP headers on the air, harness.virtual.link),
and a paced offer within 5 % of the asked rate: a link or pacer off by a header or one packet in 40 fails; a
1 s bin of the per-second series within one datagram of the rate (bins hold whole datagrams). A
paced run never sends more than the rate allows, and (on a loaded machine, late sends are not made up)
at least 80 % of it.
Known loss: 150 datagrams lost each with probability 20 % (seeded) give a loss within 10 points of 20 %
(more than three binomial standard deviations); endpoint and capture must agree exactly on it.
Capture needs root and tcpdump; without them the cross-check part says capture was off instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.capture import capture_problem
from harness.dialects import ConnectOptions, ModemLink, connect
from harness.metrics import parse_metric_name
from harness.server import LocalServer, ServerControl
from harness.traffic.cross_check import TOLERANCE_PCT
from harness.traffic.direction import Direction
from harness.traffic.udp_stream import UdpStreamSpec, run_udp_stream

from .pcap_surgery import ManglingServer, drop_last_records

MODELS = ("bc660k", "ml307r")
LINK_KBPS = 50.0
PAYLOAD_BYTES = 200
HEADER_BYTES = 28  # IPv4 + UDP, counted on the virtual air
RATE_TOLERANCE = 0.03
ONE_DATAGRAM_KBPS = PAYLOAD_BYTES * 8 / 1000  # a 1 s bin holds a whole number of datagrams
PACING_TOLERANCE = 0.05
WAIT_S = 10.0
CAPTURE_REASON = capture_problem()
needs_capture = pytest.mark.skipif(CAPTURE_REASON is not None, reason=f"capture: {CAPTURE_REASON}")


def url(model: str, **overrides: float) -> str:
    options = {"attach_s": 0, "delay_ms": 20, "jitter_ms": 0, "rrc_setup_ms": 0, "loss_pct": 0, "seed": 7}
    options |= {"ul_kbps": LINK_KBPS, "dl_kbps": LINK_KBPS} | overrides
    return f"virtual://{model}?" + "&".join(f"{name}={value:g}" for name, value in options.items())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    local = LocalServer(capture_dir=tmp_path / "server")
    (tmp_path / "server").mkdir()
    yield local
    local.close()


def open_modem(address: str) -> ModemLink:
    link = connect(address, ConnectOptions(default_timeout_s=WAIT_S))
    link.modem.attach(None, timeout_s=WAIT_S)
    return link


def link_payload_kbps(payload_bytes: int = PAYLOAD_BYTES) -> float:
    return LINK_KBPS * payload_bytes / (payload_bytes + HEADER_BYTES)


@pytest.mark.parametrize("model", MODELS)
def test_uplink_above_the_link_rate_measures_the_link_and_the_capture_agrees(
    model: str, server: LocalServer, tmp_path: Path
) -> None:
    spec = UdpStreamSpec(payload_bytes=PAYLOAD_BYTES, rate_kbps=2 * LINK_KBPS, packets=40, drain_s=1.0)
    link = open_modem(url(model))
    try:
        result = run_udp_stream(link.modem, server, spec, capture_dir=tmp_path)
    finally:
        link.close()
    summary = {name: metric.value for name, metric in result.summary.items()}
    assert all(parse_metric_name(name).direction == "ul" for name in summary)  # names a plan can limit
    assert result.samples.columns[0] == "t_s"
    assert result.samples["seq"].tolist() == list(range(40))
    assert summary["ul_sent_count"] == summary["ul_received_count"] == 40
    assert summary["ul_loss_pct"] == 0.0
    assert summary["ul_goodput_kbps"] == pytest.approx(link_payload_kbps(), rel=RATE_TOLERANCE)
    assert result.counters.received_bytes == 40 * PAYLOAD_BYTES
    # ~27 datagrams a second for ~1.5 s: one whole bin, the link's rate within one datagram
    assert result.series.columns[0] == "t_s"
    assert len(result.series) == 1
    assert summary["ul_goodput_mean_kbps"] == pytest.approx(link_payload_kbps(), abs=ONE_DATAGRAM_KBPS)
    assert summary["ul_goodput_max_kbps"] == summary["ul_goodput_mean_kbps"]
    check = result.cross_check
    if CAPTURE_REASON is not None:
        assert check.capture is None
        assert summary["ul_capture_difference_pct"] is None
        return
    assert check.capture is not None
    assert check.capture.packets == 40
    assert summary["ul_capture_difference_pct"] is not None
    assert summary["ul_capture_difference_pct"] <= TOLERANCE_PCT
    assert not result.is_flagged
    assert summary["ul_capture_goodput_kbps"] == pytest.approx(summary["ul_goodput_kbps"], rel=0.01)
    assert result.pcap is not None
    assert result.pcap.parent == tmp_path


def test_uplink_below_the_link_rate_is_paced_at_the_asked_rate(server: LocalServer) -> None:
    rate_kbps = 0.4 * LINK_KBPS
    spec = UdpStreamSpec(payload_bytes=100, rate_kbps=rate_kbps, duration_s=1.5, drain_s=1.0)
    link = open_modem(url("bc660k"))
    try:
        result = run_udp_stream(link.modem, server, spec)
    finally:
        link.close()
    # never more than the rate allows; fewer only by what a loaded machine's late sends cost
    allowed = 1.5 * rate_kbps * 1000 / 8 / 100
    assert 0.8 * allowed <= len(result.samples) <= allowed + 1
    assert result.summary["ul_offered_kbps"].value == pytest.approx(rate_kbps, rel=PACING_TOLERANCE)
    assert result.summary["ul_goodput_kbps"].value == pytest.approx(rate_kbps, rel=PACING_TOLERANCE)
    assert result.pcap is None  # no folder given: the pcap is not kept


def test_uplink_loss_is_the_link_loss_and_the_capture_sees_the_same(server: LocalServer) -> None:
    spec = UdpStreamSpec(payload_bytes=64, rate_kbps=4 * LINK_KBPS, packets=150, drain_s=1.0)
    link = open_modem(url("bc660k", loss_pct=20, ul_kbps=1000))
    try:
        result = run_udp_stream(link.modem, server, spec)
    finally:
        link.close()
    loss_pct = result.summary["ul_loss_pct"].value
    assert loss_pct is not None
    assert 10.0 <= loss_pct <= 30.0
    lost = int(result.samples["is_lost"].sum())
    assert loss_pct == pytest.approx(100 * lost / 150)
    assert result.counters.received_packets == 150 - lost
    if CAPTURE_REASON is None:
        assert result.cross_check.capture is not None
        assert result.cross_check.capture.packets == 150 - lost
        assert not result.is_flagged


@pytest.mark.parametrize("model", MODELS)
def test_downlink_reads_the_source_at_its_rate_without_loss(model: str, server: LocalServer) -> None:
    rate_kbps = 0.6 * LINK_KBPS
    spec = UdpStreamSpec(
        direction=Direction.DL, payload_bytes=PAYLOAD_BYTES, rate_kbps=rate_kbps, duration_s=2.0, drain_s=1.0
    )
    link = open_modem(url(model))
    try:
        result = run_udp_stream(link.modem, server, spec)
    finally:
        link.close()
    summary = {name: metric.value for name, metric in result.summary.items()}
    sent = result.counters.sent_packets
    assert sent == pytest.approx(2.0 * rate_kbps * 1000 / 8 / PAYLOAD_BYTES, abs=1.5)
    assert summary["dl_received_count"] == summary["dl_sent_count"] == sent
    assert sorted(result.samples["seq"]) == list(range(sent))
    assert summary["dl_loss_pct"] == 0.0
    assert summary["dl_goodput_kbps"] == pytest.approx(rate_kbps, rel=PACING_TOLERANCE)
    assert summary["dl_goodput_mean_kbps"] == pytest.approx(rate_kbps, abs=ONE_DATAGRAM_KBPS)
    assert result.series["goodput_kbps"].sum() * 1000 / 8 <= result.counters.sent_bytes
    if CAPTURE_REASON is None:
        assert result.cross_check.capture is not None
        assert result.cross_check.capture.packets == sent
        assert not result.is_flagged


def test_downlink_above_the_link_rate_measures_the_link(server: LocalServer) -> None:
    spec = UdpStreamSpec(
        direction=Direction.DL, payload_bytes=PAYLOAD_BYTES, rate_kbps=LINK_KBPS, duration_s=1.0, drain_s=1.0
    )
    link = open_modem(url("bc660k", dl_kbps=0.5 * LINK_KBPS))
    try:
        result = run_udp_stream(link.modem, server, spec)
    finally:
        link.close()
    # the source offers twice what the air carries: the air sets the pace (the module's queue may overflow)
    goodput = result.summary["dl_goodput_kbps"].value
    assert goodput == pytest.approx(0.5 * link_payload_kbps(), rel=RATE_TOLERANCE)


@needs_capture
def test_a_capture_that_disagrees_with_the_endpoint_flags_the_result(server: LocalServer) -> None:
    spec = UdpStreamSpec(payload_bytes=PAYLOAD_BYTES, rate_kbps=LINK_KBPS, packets=40, drain_s=1.0)
    link = open_modem(url("bc660k", ul_kbps=1000))
    lossy: ServerControl = ManglingServer(server, lambda pcap: drop_last_records(pcap, 2))  # type: ignore[assignment]
    try:
        result = run_udp_stream(link.modem, lossy, spec)
    finally:
        link.close()
    assert result.summary["ul_received_count"].value == 40  # the endpoint saw everything
    assert result.cross_check.capture is not None
    assert result.cross_check.capture.packets == 38
    assert result.summary["ul_capture_difference_pct"].value == pytest.approx(5.0)
    assert result.is_flagged
    assert "packets 40 vs 38 (5.00 %)" in (result.cross_check.flag_reason or "")


def test_without_capture_the_difference_is_missing_and_says_why(server: LocalServer) -> None:
    spec = UdpStreamSpec(payload_bytes=PAYLOAD_BYTES, rate_kbps=LINK_KBPS, packets=5, is_captured=False)
    link = open_modem(url("ml307r", ul_kbps=1000))
    try:
        result = run_udp_stream(link.modem, server, spec)
    finally:
        link.close()
    assert result.cross_check.capture is None
    assert result.cross_check.capture_off_reason == "the run asked for no capture"
    assert result.summary["ul_capture_difference_pct"].value is None
    assert not result.is_flagged
