"""Tests of harness.report.current_plot: a current trace with state bands, short and long (envelope)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.power import Marker
from harness.report.current_plot import ENVELOPE_BINS, _envelope, current_trace_figure, current_trace_png

from .png import png_pixels, png_size

SEGMENTS = pd.DataFrame(
    {"t_s": [0.0, 2.0, 6.0], "state": ["connected", "idle", "psm"], "stop_s": [2.0, 6.0, 10.0]}
)


def trace(rows: int, duration_s: float = 10.0) -> pd.DataFrame:
    t_s = np.linspace(0.0, duration_s, rows, endpoint=False)
    current_ua = np.where(t_s < 2, 60_000.0, np.where(t_s < 6, 1_500.0, 0.0))  # 0 µA: below the log floor
    return pd.DataFrame({"t_s": t_s, "current_ua": current_ua})


@pytest.mark.parametrize("rows", [100, 20 * ENVELOPE_BINS])
def test_short_and_long_traces_draw_with_bands_and_markers(rows: int) -> None:
    markers = [Marker(t_s=0.1, label="report sent"), Marker(t_s=6.0, label="psm_entered")]
    data = current_trace_png(trace(rows), title="Current, psm@nb-a", segments=SEGMENTS, markers=markers)
    assert png_size(data) == (640, 360)
    assert png_pixels(data).std() > 0.01


def test_a_trace_without_segments_or_markers_still_draws_and_an_empty_one_is_an_error() -> None:
    assert png_size(current_trace_png(trace(50), title="t")) == (640, 360)
    with pytest.raises(ValueError, match="no rows"):
        current_trace_png(trace(0), title="t")


def test_the_envelope_keeps_a_one_sample_peak_and_the_mean() -> None:
    t_s = np.arange(10_000) * 1e-3
    current_ua = np.full(t_s.size, 5.0)
    current_ua[4321] = 200_000.0
    centre_s, low_ua, mean_ua, high_ua = _envelope(t_s, current_ua, 100)
    assert high_ua.max() == 200_000.0
    assert low_ua.min() == 5.0
    assert len(centre_s) == 100
    assert mean_ua.sum() * 100 == pytest.approx(current_ua.sum())


def test_a_trace_over_decades_is_drawn_on_a_log_axis_and_one_within_a_state_from_zero() -> None:
    assert current_trace_figure(trace(100), title="t").axes[0].get_yscale() == "log"
    flat = pd.DataFrame({"t_s": [0.0, 0.1, 0.2], "current_ua": [54_000.0, 54_300.0, 54_100.0]})
    axes = current_trace_figure(flat, title="t").axes[0]
    assert axes.get_yscale() == "linear"
    assert axes.get_ylim() == pytest.approx((0.0, 54_300.0 * 1.1))


def test_the_state_legend_has_known_states_in_a_fixed_order_then_the_others() -> None:
    segments = pd.DataFrame(
        {
            "t_s": [0.0, 2.0, 4.0, 6.0],
            "state": ["psm", "booting", "idle", "connected"],
            "stop_s": [2.0, 4.0, 6.0, 8.0],
        }
    )
    axes = current_trace_figure(trace(100), title="t", segments=segments, lang="zh").axes[0]
    _, labels = axes.get_legend_handles_labels()
    assert labels == ["连接态", "空闲态", "省电模式 (PSM)", "booting"]
