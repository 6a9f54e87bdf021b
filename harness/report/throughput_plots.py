"""report layer: throughput plots as PNG bytes: per-second goodput over time (the series of
harness.traffic.goodput_series and iperf3's receiver intervals, indicators.md §5.3), and goodput against the
radio (RSRP or SINR) a test point saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from harness.report.canvas import add_legend, from_zero, label_axes, new_axes, png_of
from harness.report.fonts import text_font
from harness.report.labels import Lang, label

RadioAxis = Literal["rsrp_dbm", "sinr_db"]
# each radio axis with the label key of its figure's title
RADIO_FIGURES: tuple[tuple[RadioAxis, str], ...] = (
    ("rsrp_dbm", "goodput_vs_rsrp"),
    ("sinr_db", "goodput_vs_sinr"),
)
GOODPUT_COLUMN = "goodput_kbps"
GROUP_COLUMN = "group"


def goodput_series_png(series: Mapping[str, pd.DataFrame], *, title: str, lang: Lang = "en") -> bytes:
    """One line per named series (rows `t_s`, `goodput_kbps`), each from its own first bin: the tests'
    clocks differ, so time is counted from the start of each."""
    drawn = {name: frame for name, frame in series.items() if frame[GOODPUT_COLUMN].notna().any()}
    if not drawn:
        raise ValueError(f"goodput_series_png: no goodput to plot ({len(series)} series given)")
    figure, axes = new_axes()
    font = text_font(lang)
    highest = 0.0
    for name, frame in drawn.items():
        ordered = frame.sort_values("t_s")
        t_s = ordered["t_s"].to_numpy(dtype=float) - float(ordered["t_s"].iloc[0])
        kbps = ordered[GOODPUT_COLUMN].to_numpy(dtype=float)
        # each value holds for its bin: the last one is drawn to its bin's end, not as a lone point
        bin_s = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1.0
        axes.step(np.append(t_s, t_s[-1] + bin_s), np.append(kbps, kbps[-1]), where="post", label=name)
        highest = max(highest, float(np.nanmax(kbps)))
    label_axes(axes, font, title=title, xlabel=label("time_s", lang), ylabel=label("goodput_kbps", lang))
    from_zero(axes, highest)
    add_legend(axes, font, entries=len(drawn))
    return png_of(figure)


def goodput_vs_radio_png(points: pd.DataFrame, *, x: RadioAxis, title: str, lang: Lang = "en") -> bytes:
    """A scatter of `goodput_kbps` against the `x` column, one colour per `group` (e.g. module and
    direction); rows without either figure are left out."""
    known = points.dropna(subset=[x, GOODPUT_COLUMN])
    if known.empty:
        raise ValueError(f"goodput_vs_radio_png: no row has both {x} and {GOODPUT_COLUMN}")
    figure, axes = new_axes()
    font = text_font(lang)
    groups = known.groupby(GROUP_COLUMN, sort=True) if GROUP_COLUMN in known else [("", known)]
    for name, rows in groups:
        axes.scatter(
            rows[x].to_numpy(dtype=float),
            rows[GOODPUT_COLUMN].to_numpy(dtype=float),
            s=18,
            alpha=0.8,
            label=str(name) or None,
        )
    label_axes(axes, font, title=title, xlabel=label(x, lang), ylabel=label("goodput_kbps", lang))
    from_zero(axes, float(known[GOODPUT_COLUMN].max()))
    if GROUP_COLUMN in known:
        add_legend(axes, font, entries=int(np.unique(known[GROUP_COLUMN].astype(str)).size))
    return png_of(figure)
