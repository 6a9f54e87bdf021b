"""Tests of harness.report.case_figures and the per-test readers of harness.report.figure_data: a case's
figures where its directory has the data, and the per-second goodput-vs-radio points of an uplink stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.report.case_figures import case_figures
from harness.report.figure_data import radio_goodput_points
from harness.results.samples import write_samples

from .runs import write_echo, write_power, write_series


def uplink_stream(test_dir: Path, *, with_radio: bool) -> None:
    """4 s of 10 datagrams/s of 100 bytes, the 3rd second's odd ones lost; RSRP -90 dBm then -110 dBm."""
    t_s = np.arange(40) * 0.1
    samples = pd.DataFrame(
        {
            "t_s": t_s,
            "seq": np.arange(40),
            "payload_bytes": np.full(40, 100),
            "is_lost": (np.floor(t_s).astype(int) == 2) & (np.arange(40) % 2 == 1),
        }
    )
    if with_radio:
        samples["rsrp_dbm"] = np.where(t_s < 2, -90.0, -110.0)
        samples["sinr_db"] = np.nan
    write_samples(test_dir, "udp_stream", samples)


def test_per_second_points_count_delivered_payload_and_leave_the_last_second_out(tmp_path: Path) -> None:
    uplink_stream(tmp_path, with_radio=True)

    points = radio_goodput_points(tmp_path)

    assert points is not None
    assert points["goodput_kbps"].tolist() == pytest.approx([8.0, 8.0, 4.0])  # 10 x 100 B x 8 bit / 1 s
    assert points["rsrp_dbm"].tolist() == [-90.0, -90.0, -110.0]
    assert points["sinr_db"].isna().all()


def test_no_points_without_radio_columns_or_without_a_stream(tmp_path: Path) -> None:
    assert radio_goodput_points(tmp_path) is None
    uplink_stream(tmp_path, with_radio=False)
    assert radio_goodput_points(tmp_path) is None


def test_a_case_gets_each_figure_it_has_data_for(tmp_path: Path) -> None:
    assert case_figures(tmp_path, name="empty@nb-a") == []
    write_echo(tmp_path, [900.0, 100.0, 110.0])
    write_series(tmp_path, "tcp_stream", [10.0, 12.0])
    uplink_stream(tmp_path, with_radio=True)
    write_power(tmp_path, with_segments=False)

    figures = case_figures(tmp_path, name="all@nb-a", lang="zh")

    assert [f.key for f in figures] == ["rtt-cdf", "goodput-series", "goodput-vs-rsrp", "current"]
    assert figures[0].title == "往返时延累积分布, all@nb-a"
