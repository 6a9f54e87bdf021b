"""The raw values behind a metric (harness/report/metric_samples.py), read back from samples files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.report.metric_samples import metric_samples, row_statistic, share_pct
from harness.results import write_samples

ECHO = pd.DataFrame(
    {
        "t_s": [0.0, 1.0, 2.0, 3.0, 4.0],
        "is_warmup": [True, False, False, False, False],
        "rtt_ms": [900.0, 100.0, np.nan, 120.0, 110.0],
    }
)


@pytest.mark.parametrize("engine", ["udp_echo", "host_echo"])
def test_echo_round_trips_leave_out_the_warmup_and_the_lost(tmp_path: Path, engine: str) -> None:
    write_samples(tmp_path, engine, ECHO)

    rtt = metric_samples(tmp_path, "rtt_p95_ms")
    loss = metric_samples(tmp_path, "loss_pct")

    assert rtt is not None
    assert loss is not None
    assert (rtt.values.tolist(), rtt.is_proportion, rtt.engine) == ([100.0, 120.0, 110.0], False, engine)
    assert (loss.values.tolist(), loss.is_proportion) == ([0.0, 1.0, 0.0, 0.0], True)
    assert share_pct(loss.values[np.newaxis, :]).tolist() == [25.0]


def test_metrics_no_sample_backs_get_none(tmp_path: Path) -> None:
    write_samples(tmp_path, "udp_echo", ECHO)

    assert metric_samples(tmp_path, "jitter_ms") is None  # depends on arrival order, not a sample statistic
    assert metric_samples(tmp_path, "rtt_idle_p50_ms") is None  # first_packet's, another engine
    assert metric_samples(tmp_path, "ul_goodput_kbps") is None  # whole-flow goodput, no statistic
    assert metric_samples(tmp_path / "elsewhere", "rtt_p50_ms") is None


def test_row_statistics_are_the_engines_numpy_ones() -> None:
    rows = np.array([[1.0, 2.0, 3.0, 10.0], [4.0, 4.0, 4.0, 4.0]])

    p95 = row_statistic("rtt_p95_ms")
    mean = row_statistic("ul_goodput_mean_kbps")

    assert p95 is not None
    assert mean is not None
    assert p95(rows).tolist() == [np.percentile(rows[0], 95), 4.0]
    assert mean(rows).tolist() == [4.0, 4.0]
    assert row_statistic("attach_time_s") is None
