"""Goodput arithmetic shared by the throughput engines: the whole-flow rate, the per-second series from a
receiver's rows (no IP lengths: payload only) and its mean, peak and p10."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.metrics import parse_metric_name
from harness.traffic.direction import Direction
from harness.traffic.goodput_series import goodput_kbps, goodput_series, series_summary


def received(arrivals_s: list[float], payload_bytes: int = 125) -> pd.DataFrame:
    return pd.DataFrame({"t_s": arrivals_s, "payload_bytes": [payload_bytes] * len(arrivals_s)})


def test_the_series_bins_whole_seconds_from_the_first_arrival_and_leaves_the_last_part_out() -> None:
    # 10 datagrams of 125 B a second (10 kbit/s) from t = 5.3 s for 3.5 s; the fourth second is part-filled
    rows = received([5.3 + k / 10 for k in range(35)])
    series = goodput_series(rows)
    assert list(series.columns) == ["t_s", "packets", "payload_bytes", "goodput_kbps"]
    assert series["t_s"].tolist() == pytest.approx([5.3, 6.3, 7.3])
    assert series["packets"].tolist() == [10, 10, 10]
    assert series["goodput_kbps"].tolist() == pytest.approx([10.0, 10.0, 10.0])


def test_a_gap_is_a_zero_bin_not_a_missing_one() -> None:
    series = goodput_series(received([0.0, 0.5, 2.5, 3.0]))
    assert series["goodput_kbps"].tolist() == pytest.approx([2.0, 0.0, 1.0])


def test_no_whole_second_gives_an_empty_series_and_no_statistics() -> None:
    series = goodput_series(received([0.0, 0.4]))
    assert series.empty
    summary = series_summary(Direction.DL, series["goodput_kbps"].to_numpy(dtype=float))
    assert {name: metric.value for name, metric in summary.items()} == {
        "dl_goodput_mean_kbps": None,
        "dl_goodput_max_kbps": None,
        "dl_goodput_p10_kbps": None,
    }
    assert all(metric.n_samples == 0 for metric in summary.values())


def test_statistics_are_named_for_a_plan_and_count_their_bins() -> None:
    summary = series_summary(Direction.UL, np.array([10.0, 20.0, 30.0, 40.0]))
    assert all(parse_metric_name(name).direction == "ul" for name in summary)
    assert summary["ul_goodput_mean_kbps"].value == 25.0
    assert summary["ul_goodput_max_kbps"].value == 40.0
    assert summary["ul_goodput_p10_kbps"].value == pytest.approx(13.0)
    assert summary["ul_goodput_max_kbps"].n_samples == 4


def test_whole_flow_goodput_counts_the_gaps_between_packets() -> None:
    rows = received([0.0, 0.1, 0.2, 0.3, 0.4])  # 4 datagrams after the first in 0.4 s
    assert goodput_kbps(rows["t_s"], rows["payload_bytes"]) == pytest.approx(4 * 125 * 8 / 1000 / 0.4)
    assert goodput_kbps(rows["t_s"][:1], rows["payload_bytes"][:1]) is None


@given(
    rate_pps=st.integers(min_value=2, max_value=200),
    seconds=st.integers(min_value=2, max_value=20),
    start_s=st.floats(min_value=0, max_value=1000),
)
def test_a_steady_flow_has_its_rate_in_every_bin_within_one_packet(
    rate_pps: int, seconds: int, start_s: float
) -> None:
    payload_bytes = 100
    arrivals = [start_s + k / rate_pps for k in range(rate_pps * seconds + 1)]
    rate_kbps = rate_pps * payload_bytes * 8 / 1000
    one_packet_kbps = payload_bytes * 8 / 1000
    bins = goodput_series(received(arrivals, payload_bytes))["goodput_kbps"].to_numpy(dtype=float)
    assert len(bins) in (seconds - 1, seconds)  # float edges may push the last arrival out of a bin
    assert np.all(np.abs(bins - rate_kbps) <= one_packet_kbps + 1e-9)
    summary = series_summary(Direction.UL, bins)
    assert summary["ul_goodput_p10_kbps"].value is not None
    assert summary["ul_goodput_max_kbps"].value is not None
    assert summary["ul_goodput_p10_kbps"].value <= summary["ul_goodput_max_kbps"].value
