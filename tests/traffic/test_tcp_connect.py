"""The TCP connect engine over virtual BC660K (AT+QIOPEN "TCP") and ML307R (AT+MIPOPEN "TCP") modules
against a LocalServer's TCP sink on loopback.

Expected connect times, stated: connected (the RRC connection kept up by a long inactivity timer), a connect
is one round trip of the link, 2 x DELAY_MS with no jitter and a fast air; from idle (inactivity timer
shorter than the interval) it adds RRC_SETUP_MS. The upper slack covers the module's and the AT exchange's
own time on a loaded machine."""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator

import pandas as pd
import pytest

from harness.dialects import ConnectOptions, ModemLink, connect
from harness.metrics import parse_metric_name
from harness.server import LocalServer
from harness.traffic.tcp_connect import TcpConnectSpec, connect_samples, run_tcp_connect, summarize

MODELS = pytest.mark.parametrize("model", ["bc660k", "ml307r"])
DELAY_MS = 60
RRC_SETUP_MS = 250
SLACK_MS = 400
WAIT_S = 10.0


def url(model: str, **overrides: float) -> str:
    options = {"attach_s": 0, "delay_ms": DELAY_MS, "jitter_ms": 0, "rrc_setup_ms": RRC_SETUP_MS}
    options |= {"loss_pct": 0, "ul_kbps": 10000, "dl_kbps": 10000, "inactivity_s": 30} | overrides
    return f"virtual://{model}?" + "&".join(f"{name}={value:g}" for name, value in options.items())


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def links() -> Iterator[list[ModemLink]]:
    opened: list[ModemLink] = []
    yield opened
    for link in opened:
        link.close()


def open_modem(links: list[ModemLink], address: str) -> ModemLink:
    link = connect(address, ConnectOptions(default_timeout_s=WAIT_S))
    links.append(link)
    return link


@MODELS
def test_connected_connects_take_one_round_trip(
    model: str, server: LocalServer, links: list[ModemLink]
) -> None:
    link = open_modem(links, url(model))
    result = run_tcp_connect(link.modem, server, TcpConnectSpec(connects=4, interval_s=0.05, timeout_s=5))
    times_ms = result.samples["connect_ms"]
    assert times_ms.notna().all(), result.samples["failure"].tolist()
    assert (times_ms >= 2 * DELAY_MS).all()
    assert (times_ms <= 2 * DELAY_MS + SLACK_MS).all()
    assert result.summary["connect_success_pct"].value == 100.0
    assert result.summary["tcp_connect_time_p50_ms"].value == pytest.approx(times_ms.median())
    assert result.summary["tcp_connect_time_max_ms"].n_samples == 4
    assert result.counters.connections == 4  # the server saw every connect the module reported
    assert list(result.samples.columns[:1]) == ["t_s"]


def test_connects_from_idle_add_the_rrc_setup(server: LocalServer, links: list[ModemLink]) -> None:
    link = open_modem(links, url("bc660k", inactivity_s=0.1))
    result = run_tcp_connect(link.modem, server, TcpConnectSpec(connects=2, interval_s=0.4, timeout_s=5))
    low_ms = 2 * DELAY_MS + RRC_SETUP_MS
    assert result.samples["connect_ms"].between(low_ms, low_ms + SLACK_MS).all(), result.samples


@MODELS
def test_refused_connects_count_as_failures(model: str, links: list[ModemLink]) -> None:
    link = open_modem(links, url(model, delay_ms=5, rrc_setup_ms=0))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    spec = TcpConnectSpec(connects=2, interval_s=0, timeout_s=5)
    samples = connect_samples(link.modem, ("127.0.0.1", closed_port), spec)
    assert samples["connect_ms"].isna().all()
    assert samples["failure"].str.contains("refused|connect failed").all()
    summary = summarize(samples)
    assert summary["connect_success_pct"].value == 0.0
    assert summary["tcp_connect_time_p50_ms"].value is None


def test_summary_names_are_metric_names_and_failures_lower_the_success() -> None:
    samples = pd.DataFrame({"t_s": [0.0, 1.0, 2.0, 3.0], "connect_ms": [100.0, math.nan, 300.0, 200.0]})
    summary = summarize(samples)
    for name in summary:
        parse_metric_name(name)
    assert summary["connect_success_pct"].value == 75.0
    assert summary["connect_success_pct"].n_samples == 4
    assert summary["tcp_connect_time_p50_ms"].value == 200.0
    assert summary["tcp_connect_time_min_ms"].value == 100.0
