import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.report.pooled_samples import pooled_source, pooled_statistic, read_pool
from harness.results.samples import write_samples
from harness.traffic.latency_statistics import rtt_statistics


def write_echo(run_dir: Path, test_id: str, rtt_ms: list[float], *, engine: str = "udp_echo") -> None:
    test_dir = run_dir / "tests" / test_id
    test_dir.mkdir(parents=True)
    frame = pd.DataFrame(
        {
            "t_s": np.arange(len(rtt_ms) + 1, dtype=float),
            "is_warmup": [True] + [False] * len(rtt_ms),
            "rtt_ms": [123456.0, *rtt_ms],
        }
    )
    write_samples(test_dir, engine, frame)


@pytest.mark.parametrize(
    ("metric", "engines", "statistic"),
    [
        ("rtt_p95_ms", ("udp_echo", "host_echo"), "p95"),
        ("rtt_min_ms", ("udp_echo", "host_echo"), "min"),
        ("ping_rtt_p50_ms", ("ping",), "p50"),
        ("tcp_connect_time_p99_ms", ("tcp_connect",), "p99"),
    ],
)
def test_pooled_metrics_and_their_samples(metric: str, engines: tuple[str, ...], statistic: str) -> None:
    found = pooled_source(metric)
    assert found is not None
    assert (found[0].engines, found[1]) == (engines, statistic)


@pytest.mark.parametrize("metric", ["rtt_idle_p95_ms", "jitter_ms", "loss_pct", "ul_goodput_p10_kbps"])
def test_metrics_without_pooled_samples(metric: str) -> None:
    assert pooled_source(metric) is None


def test_pool_over_engines_without_warm_up_or_lost_probes(tmp_path: Path) -> None:
    write_echo(tmp_path, "a", [10.0, math.nan, 30.0])
    write_echo(tmp_path, "b", [20.0], engine="host_echo")
    found = pooled_source("rtt_p50_ms")
    assert found is not None
    pool = read_pool([(tmp_path, "a"), (tmp_path, "b")], found[0])
    assert pool is not None
    assert sorted(pool) == [10.0, 20.0, 30.0]
    assert read_pool([(tmp_path, "a"), (tmp_path, "absent")], found[0]) is None


def test_statistics_of_a_pool() -> None:
    pool = np.array([100.0, 200.0, 300.0, 400.0])
    assert pooled_statistic(pool, "p95") == pytest.approx(385.0)
    assert pooled_statistic(pool, "min") == 100.0
    assert pooled_statistic(pool, "max") == 400.0
    assert pooled_statistic(np.empty(0), "p50") is None


rtts = st.lists(st.floats(min_value=0.1, max_value=1e5, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=30, deadline=None)
@given(rtts, st.sampled_from(["min", "p50", "p95", "p99", "max"]))
def test_a_one_test_pool_gives_the_engines_own_figure(rtt_ms: list[float], statistic: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_echo(Path(folder), "echo", rtt_ms)
        found = pooled_source(f"rtt_{statistic}_ms")
        assert found is not None
        pool = read_pool([(Path(folder), "echo")], found[0])
    assert pool is not None
    own = rtt_statistics(rtt_ms)[f"rtt_{statistic}_ms"].value
    assert pooled_statistic(pool, statistic) == pytest.approx(own)


@settings(max_examples=30, deadline=None)
@given(st.lists(rtts, min_size=2, max_size=4), st.integers(min_value=1, max_value=99))
def test_a_pooled_percentile_lies_within_the_tests_extremes(tests: list[list[float]], q: int) -> None:
    pool = np.concatenate([np.asarray(t) for t in tests])
    value = pooled_statistic(pool, f"p{q}")
    assert value is not None
    assert min(min(t) for t in tests) <= value <= max(max(t) for t in tests)
