"""The latency statistics every latency engine reports: names, order of the statistics, lost samples left
out, RFC 3550 jitter."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.metrics import parse_metric_name
from harness.traffic.latency_statistics import jitter_ms, loss_pct, rtt_statistics

rtts = st.lists(
    st.one_of(st.floats(min_value=0.0, max_value=1e6), st.just(math.nan)), min_size=0, max_size=50
)


@given(rtts)
def test_statistics_are_ordered_and_count_only_what_came_back(values: list[float]) -> None:
    summary = rtt_statistics(values, quantity="rtt_idle")
    received = [v for v in values if not math.isnan(v)]
    assert all(value.n_samples == len(received) for value in summary.values())
    ordered = [summary[f"rtt_idle_{s}_ms"].value for s in ("min", "p50", "p95", "p99", "max")]
    if not received:
        assert ordered == [None] * 5
        return
    assert ordered[0] == min(received)
    assert ordered[-1] == max(received)
    numbers = [value for value in ordered if value is not None]
    assert len(numbers) == 5
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(numbers))


def test_every_name_is_a_metric_name_with_its_unit() -> None:
    for quantity in ("rtt", "rtt_idle", "ping_rtt"):
        for name in rtt_statistics([1.0], quantity=quantity):
            parsed = parse_metric_name(name)
            assert (parsed.quantity, parsed.unit) == (quantity, "ms")


def test_percentiles_interpolate_between_order_statistics() -> None:
    summary = rtt_statistics([10.0, 20.0, 30.0, 40.0])
    assert summary["rtt_p50_ms"].value == 25.0
    assert summary["rtt_p95_ms"].value == pytest.approx(38.5)


@given(st.floats(min_value=0, max_value=1e6), st.integers(min_value=2, max_value=40))
def test_a_constant_transit_has_no_jitter(transit_ms: float, count: int) -> None:
    assert jitter_ms([transit_ms] * count).value == 0.0


def test_jitter_follows_rfc3550_a8() -> None:
    # D = 16 then 0: J = 16/16 = 1, then 1 + (0 - 1)/16
    assert jitter_ms([100.0, 116.0, 116.0]).value == pytest.approx(1 - 1 / 16)
    assert jitter_ms([100.0, np.nan, 116.0]).value == pytest.approx(1.0)  # a lost one is skipped
    assert jitter_ms([100.0]).value is None


def test_loss_counts_what_did_not_come_back() -> None:
    assert loss_pct(sent=4, received=3).value == 25.0
    assert loss_pct(sent=4, received=3).n_samples == 4
    assert loss_pct(sent=0, received=0).value is None
