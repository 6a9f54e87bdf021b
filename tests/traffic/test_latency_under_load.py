"""harness.traffic.latency_under_load without a module: fake probe and load runs stand in for the engines,
so the phases, the one clock, the concurrency and the KPI arithmetic are checked exactly."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from harness.errors import HarnessError
from harness.metrics import MetricValue, parse_metric_name
from harness.report.indicator_families import family_of
from harness.report.metric_direction import better_direction
from harness.traffic.direction import Direction
from harness.traffic.latency_under_load import (
    LatencyUnderLoadSpec,
    increase,
    run_latency_under_load,
)
from harness.traffic.session_clock import with_session_clock
from harness.traffic.udp_echo import UdpEchoResult, UdpEchoSpec, summarize

SPEC = LatencyUnderLoadSpec(probes=4, interval_s=0.01, warmup_probes=1, settle_s=0.05, timeout_s=1.0)


class FakeLink:
    """Probes come back after `base_ms`, plus `queue_ms` while a load runs; the session clock is a counter
    that each probe run advances, so the phases follow each other on it."""

    def __init__(
        self, *, base_ms: float = 100.0, queue_ms: float = 900.0, lost_seq: int | None = None
    ) -> None:
        self.base_ms, self.queue_ms, self.lost_seq = base_ms, queue_ms, lost_seq
        self.loading: Direction | None = None
        self.clock_s = 50.0
        self.seen_loads: list[Direction | None] = []

    def probe(self, echo: UdpEchoSpec) -> UdpEchoResult:
        self.seen_loads.append(self.loading)
        rtt_ms = self.base_ms + (self.queue_ms if self.loading else 0.0)
        total = echo.warmup_probes + echo.probes
        sent_s = self.clock_s + np.arange(total) * echo.interval_s
        self.clock_s = float(sent_s[-1]) + 1.0
        rtts = np.full(total, rtt_ms)
        if self.lost_seq is not None:
            rtts[self.lost_seq] = np.nan
        samples = pd.DataFrame(
            {
                "t_s": np.arange(total) * echo.interval_s,
                "seq": np.arange(total),
                "is_warmup": np.arange(total) < echo.warmup_probes,
                "sent_s": sent_s,
                "rtt_ms": rtts,
            }
        )
        samples = with_session_clock(samples, sent_s)
        return UdpEchoResult(samples=samples, summary=summarize(samples.assign(received_s=sent_s)))

    def load(self, direction: Direction, duration_s: float) -> dict[str, MetricValue]:
        self.loading = direction
        time.sleep(duration_s)
        self.loading = None
        return {f"{direction.value}_goodput_kbps": MetricValue(value=42.0)}


def test_probes_run_once_idle_then_inside_each_load() -> None:
    link = FakeLink()

    result = run_latency_under_load(link.probe, link.load, SPEC)

    assert link.seen_loads == [None, Direction.UL, Direction.DL]
    assert result.samples["phase"].unique().tolist() == ["unloaded", "ul_loaded", "dl_loaded"]
    assert result.samples.columns[0] == "t_s"
    assert result.samples["t_s"].iloc[0] == 0.0
    assert result.samples["t_s"].is_monotonic_increasing
    assert (result.samples["t_s"] == result.samples["session_t_s"] - 50.0).all()


def test_loaded_probes_see_the_queue_and_the_warmup_is_left_out() -> None:
    link = FakeLink(base_ms=100.0, queue_ms=900.0, lost_seq=0)  # only the warm-up probe is lost

    summary = run_latency_under_load(link.probe, link.load, SPEC).summary

    assert summary["rtt_ul_loaded_p50_ms"].value == 1000.0
    assert summary["rtt_dl_increase_p95_ms"].value == 900.0
    assert summary["rtt_ul_increase_p50_ms"].n_samples == SPEC.probes
    assert summary["loss_ul_loaded_pct"].value == 0.0
    assert summary["rtt_unloaded_p50_ms"].value == 100.0
    assert summary["ul_load_goodput_kbps"].value == summary["dl_load_goodput_kbps"].value == 42.0


def test_a_lost_probe_counts_in_its_phase_loss() -> None:
    link = FakeLink(lost_seq=2)

    summary = run_latency_under_load(link.probe, link.load, SPEC).summary

    assert summary["loss_unloaded_pct"].value == 25.0
    assert summary["loss_unloaded_pct"].n_samples == SPEC.probes


def test_every_kpi_name_is_a_metric_name_in_the_latency_family_but_the_loads_goodput() -> None:
    link = FakeLink()
    for name in run_latency_under_load(link.probe, link.load, SPEC).summary:
        parse_metric_name(name)
        assert family_of(name) == ("throughput" if name.endswith("_load_goodput_kbps") else "latency"), name
        assert better_direction(name) is not None, name


def test_a_failing_load_is_raised_in_the_caller() -> None:
    def broken(direction: Direction, duration_s: float) -> dict[str, MetricValue]:
        raise RuntimeError(f"sink gone ({direction.value})")

    with pytest.raises(RuntimeError, match=r"sink gone \(ul\)"):
        run_latency_under_load(FakeLink().probe, broken, SPEC)


def test_a_load_that_ends_before_the_probes_is_an_error() -> None:
    def short(direction: Direction, duration_s: float) -> dict[str, MetricValue]:
        return {}

    with pytest.raises(HarnessError, match="the ul load ended before its probes began"):
        run_latency_under_load(FakeLink().probe, short, SPEC)


def test_the_load_outlasts_the_probes_sending() -> None:
    durations: list[float] = []

    def load(direction: Direction, duration_s: float) -> dict[str, MetricValue]:
        durations.append(duration_s)
        time.sleep(0.2)  # still loading when the probes start (settle_s = 0)
        return {}

    spec = LatencyUnderLoadSpec(
        probes=10, interval_s=0.5, warmup_probes=2, settle_s=0.0, loads=(Direction.DL,)
    )
    summary = run_latency_under_load(FakeLink().probe, load, spec).summary

    assert durations == [0.0 + 12 * 0.5]
    assert summary["dl_load_goodput_kbps"].value is None  # the load reported none: missing, not absent
    assert "rtt_ul_loaded_p50_ms" not in summary


@pytest.mark.parametrize(
    ("loaded", "unloaded", "expected"),
    [
        (MetricValue(value=300.0, n_samples=20), MetricValue(value=100.0, n_samples=19), (200.0, 19)),
        (MetricValue(value=None, n_samples=0), MetricValue(value=100.0, n_samples=19), (None, 0)),
        (MetricValue(value=50.0, n_samples=None), MetricValue(value=100.0, n_samples=None), (-50.0, None)),
    ],
)
def test_increase(
    loaded: MetricValue, unloaded: MetricValue, expected: tuple[float | None, int | None]
) -> None:
    result = increase(loaded, unloaded)
    assert (result.value, result.n_samples) == expected


def test_the_stream_and_iperf3_loads_offer_the_plan_rate() -> None:
    spec = LatencyUnderLoadSpec(ul_load_rate_kbps=250.0, dl_load_rate_kbps=500.0, load_payload_bytes=300)
    stream = spec.stream_spec(Direction.UL, 7.5)
    iperf3 = spec.iperf3_spec(Direction.DL, 0.2)
    assert (stream.rate_kbps, stream.payload_bytes, stream.duration_s, stream.is_captured) == (
        250.0,
        300,
        7.5,
        False,
    )
    assert (iperf3.rate_kbps, iperf3.payload_bytes, iperf3.transport.value) == (500.0, 300, "udp")
    assert iperf3.duration_s == 1.0  # iperf3's least
