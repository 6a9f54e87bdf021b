"""Tests of harness.report.throughput_plots: goodput over time and against the radio, as real PNGs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.report.throughput_plots import goodput_series_png, goodput_vs_radio_png

from .png import png_pixels, png_size


def series(start_s: float, kbps: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"t_s": start_s + np.arange(len(kbps)), "goodput_kbps": kbps})


def test_series_of_several_tests_on_their_own_clocks_draw_one_640_by_360_png() -> None:
    data = goodput_series_png(
        {"nb-ul@nb-a": series(1e6, [20.0, 21.5, 19.8]), "nb-dl@nb-a": series(3.0, [60.0, 58.0])},
        title="Goodput per second, nb-a",
    )
    assert png_size(data) == (640, 360)
    assert png_pixels(data).std() > 0.01


def test_a_series_without_goodput_is_left_out_and_none_at_all_is_an_error() -> None:
    empty = series(0.0, [np.nan, np.nan])
    assert png_size(goodput_series_png({"a": empty, "b": series(0.0, [5.0])}, title="t")) == (640, 360)
    with pytest.raises(ValueError, match="no goodput"):
        goodput_series_png({"a": empty}, title="t")


def test_scatter_against_rsrp_and_sinr_leaves_out_rows_without_the_figure() -> None:
    points = pd.DataFrame(
        {
            "group": ["nb-a ul", "nb-a ul", "cat-a dl"],
            "goodput_kbps": [20.0, 12.0, 300.0],
            "rsrp_dbm": [-95.0, -118.0, np.nan],
            "sinr_db": [np.nan, np.nan, np.nan],
        }
    )
    assert png_size(goodput_vs_radio_png(points, x="rsrp_dbm", title="vs RSRP")) == (640, 360)
    with pytest.raises(ValueError, match="sinr_db"):
        goodput_vs_radio_png(points, x="sinr_db", title="vs SINR")
