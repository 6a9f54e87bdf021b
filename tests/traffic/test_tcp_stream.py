"""The TCP stream engine over virtual BC660K and ML307R modules against a LocalServer's TCP sink (uplink)
and TCP source (downlink) on loopback, the link's rate set in the URL.

Expected rate, stated: the virtual link carries a TCP segment of S payload bytes as S + 40 bytes on the
air (IPv4 + TCP headers: harness.virtual.link and tcp_segments), so full segments of 1460 bytes give a
payload rate of LINK_KBPS x 1460 / 1500. Measured goodput must be within RATE_TOLERANCE (10 %) of it: the
first and last segments, a partly filled last segment and the AT exchanges of a loaded machine move it by a
few percent, a rate off by a header or a stalled window by far more."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.dialects import ConnectOptions, ModemLink, connect
from harness.metrics import parse_metric_name
from harness.server import LocalServer
from harness.traffic.direction import Direction
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN
from harness.traffic.tcp_stream import TcpStreamSpec, run_tcp_stream

MODELS = pytest.mark.parametrize("model", ["bc660k", "ml307r"])
LINK_KBPS = 120.0
SEGMENT_BYTES = 1460
AIR_HEADER_BYTES = 40
RATE_TOLERANCE = 0.10
WAIT_S = 10.0


def url(model: str) -> str:
    options = {"attach_s": 0, "delay_ms": 20, "jitter_ms": 0, "rrc_setup_ms": 0, "loss_pct": 0}
    options |= {"ul_kbps": LINK_KBPS, "dl_kbps": LINK_KBPS, "inactivity_s": 30}
    return f"virtual://{model}?" + "&".join(f"{name}={value:g}" for name, value in options.items())


def link_payload_kbps() -> float:
    return LINK_KBPS * SEGMENT_BYTES / (SEGMENT_BYTES + AIR_HEADER_BYTES)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def modem_link(request: pytest.FixtureRequest) -> Iterator[ModemLink]:
    link = connect(url(request.param), ConnectOptions(default_timeout_s=WAIT_S))
    yield link
    link.close()


@pytest.mark.parametrize("modem_link", ["bc660k", "ml307r"], indirect=True)
def test_uplink_goodput_is_the_links_payload_rate(modem_link: ModemLink, server: LocalServer) -> None:
    spec = TcpStreamSpec(direction=Direction.UL, total_bytes=15 * SEGMENT_BYTES, interval_s=0.5, drain_s=2.0)
    before_s = modem_link.session.now_s()
    result = run_tcp_stream(modem_link.modem, server, spec)
    after_s = modem_link.session.now_s()
    assert result.summary["ul_received_bytes"].value == spec.total_bytes
    assert result.summary["ul_goodput_kbps"].value == pytest.approx(link_payload_kbps(), rel=RATE_TOLERANCE)
    series = result.samples
    assert list(series.columns) == ["t_s", SESSION_CLOCK_COLUMN, "packets", "payload_bytes", "goodput_kbps"]
    # each bin's end on the module's session clock (the sink's reads moved from its wall clock)
    ends_s = series[SESSION_CLOCK_COLUMN]
    assert ends_s.diff().dropna().tolist() == pytest.approx([spec.interval_s] * (len(series) - 1)), series
    assert before_s < ends_s.min() - spec.interval_s, (before_s, series)
    assert ends_s.max() < after_s, (series, after_s)
    assert len(series) >= 2  # about 1.5 s of stream in 0.5 s bins
    # a bin holds whole segments: within one segment of what the rate carries in it
    expected_bytes = link_payload_kbps() * 1000 / 8 * spec.interval_s
    assert (abs(series["payload_bytes"] - expected_bytes) <= SEGMENT_BYTES).all(), series
    for name in result.summary:
        parse_metric_name(name)


@pytest.mark.parametrize("modem_link", ["bc660k", "ml307r"], indirect=True)
def test_downlink_goodput_is_the_links_payload_rate(modem_link: ModemLink, server: LocalServer) -> None:
    """The source offers 1.5 times the link rate for 1 s; TCP's flow control holds the rest at the server
    until the link has carried it, then the source's close ends the run."""
    spec = TcpStreamSpec(
        direction=Direction.DL, rate_kbps=1.5 * LINK_KBPS, payload_bytes=1000, duration_s=1.0, timeout_s=30.0
    )
    result = run_tcp_stream(modem_link.modem, server, spec)
    assert result.summary["dl_received_bytes"].value == result.counters.sent_bytes > 0
    assert result.summary["dl_goodput_kbps"].value == pytest.approx(link_payload_kbps(), rel=RATE_TOLERANCE)
