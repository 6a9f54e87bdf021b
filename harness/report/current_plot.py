"""report layer: a module's current trace (power.parquet, harness.power.analyzer) with the states it went
through drawn as bands behind it (the power_save engine's segments: harness.power.report_budget
.segment_trace, written as samples-power_save.parquet on the trace's time base) and its test-event markers.

The current axis is logarithmic when the trace spans more than a factor LOG_SPAN: a module's current spans
five decades, from a PSM floor of 0.8-4 µA (BC660K, BC65 [S19]) to transmit peaks of 100-300 mA (nRF9160
[S17][S18]; cellular-iot.md §4.5), and a linear axis shows only the peaks. A trace within one state (a
few-fold span) reads better on a linear axis from 0.
A long trace is drawn as its envelope (min and max per pixel column) and mean, so a one-sample TX peak is
never lost to decimation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.power import CURRENT_COLUMN, TIME_COLUMN, Marker
from harness.report.canvas import (
    FIGURE_DPI,
    FIGURE_SIZE_IN,
    add_legend,
    from_zero,
    label_axes,
    new_axes,
    png_of,
)
from harness.report.fonts import text_font
from harness.report.labels import LABELS, Lang, label

ENVELOPE_BINS = int(FIGURE_SIZE_IN[0] * FIGURE_DPI)  # one bin per pixel column
LOG_SPAN = 100.0  # two decades
FLOOR_UA = 0.1  # a log axis cannot show 0 µA: lower readings are drawn here
STATE_COLOURS = {"connected": "tab:red", "idle": "tab:orange", "psm": "tab:green"}
OTHER_STATE_COLOUR = "tab:grey"


def current_trace_png(
    trace: pd.DataFrame,
    *,
    title: str,
    segments: pd.DataFrame | None = None,
    markers: Sequence[Marker] = (),
    lang: Lang = "en",
) -> bytes:
    """The trace (`t_s`, `current_ua`), with `segments` (rows `t_s`, `stop_s`, `state`) as bands and
    `markers` as thin vertical lines."""
    return png_of(current_trace_figure(trace, title=title, segments=segments, markers=markers, lang=lang))


def current_trace_figure(
    trace: pd.DataFrame,
    *,
    title: str,
    segments: pd.DataFrame | None = None,
    markers: Sequence[Marker] = (),
    lang: Lang = "en",
) -> Figure:
    """current_trace_png's figure, before it is drawn."""
    if trace.empty:
        raise ValueError("current_trace_png: the trace has no rows")
    figure, axes = new_axes()
    font = text_font(lang)
    t_s = trace[TIME_COLUMN].to_numpy(dtype=float)
    current_ua = np.maximum(trace[CURRENT_COLUMN].to_numpy(dtype=float), FLOOR_UA)
    if len(t_s) > 2 * ENVELOPE_BINS:
        centre_s, low_ua, mean_ua, high_ua = _envelope(t_s, current_ua, ENVELOPE_BINS)
        axes.fill_between(centre_s, low_ua, high_ua, color="tab:blue", alpha=0.3, linewidth=0)
        axes.plot(centre_s, mean_ua, color="tab:blue", linewidth=0.8)
    else:
        axes.step(t_s, current_ua, where="post", color="tab:blue", linewidth=0.8)
    shown = _draw_states(axes, segments, lang)
    for marker in markers:
        axes.axvline(marker.t_s, color="black", linewidth=0.5, alpha=0.4)
    if markers:
        axes.plot([], [], color="black", linewidth=0.5, alpha=0.4, label=label("marker", lang))
    if current_ua.max() > LOG_SPAN * current_ua.min():
        axes.set_yscale("log")
    else:
        from_zero(axes, float(current_ua.max()))
    label_axes(axes, font, title=title, xlabel=label("time_s", lang), ylabel=label("current_ua", lang))
    add_legend(axes, font, entries=shown + bool(markers), loc="upper right")
    return figure


def _draw_states(axes: Axes, segments: pd.DataFrame | None, lang: Lang) -> int:
    """Bands per segment, one legend entry per state; the number of entries."""
    if segments is None or segments.empty:
        return 0
    seen: set[str] = set()
    # known states first, in STATE_COLOURS order, so the legend reads the same in every figure
    rank = {name: i for i, name in enumerate(STATE_COLOURS)}
    ordered = segments.sort_values(
        "state", key=lambda s: s.map(lambda v: rank.get(str(v), len(rank))), kind="stable"
    )
    for start_s, stop_s, state in zip(ordered["t_s"], ordered["stop_s"], ordered["state"], strict=True):
        name = str(state)
        axes.axvspan(
            float(start_s),
            float(stop_s),
            color=STATE_COLOURS.get(name, OTHER_STATE_COLOUR),
            alpha=0.15,
            linewidth=0,
            label=None if name in seen else _state_word(name, lang),
        )
        seen.add(name)
    return len(seen)


def _state_word(state: str, lang: Lang) -> str:
    key = f"state_{state}"
    return label(key, lang) if key in LABELS else state


def _envelope(
    t_s: np.ndarray, current_ua: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per equal-time bin: its centre, min, mean and max current (empty bins left out)."""
    edges_s = np.linspace(t_s[0], t_s[-1], bins + 1)
    index = np.clip(np.searchsorted(edges_s, t_s, side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    low = np.full(bins, np.inf)
    high = np.full(bins, -np.inf)
    np.minimum.at(low, index, current_ua)
    np.maximum.at(high, index, current_ua)
    mean = np.bincount(index, weights=current_ua, minlength=bins) / np.maximum(counts, 1)
    kept = counts > 0
    centre = (edges_s[:-1] + edges_s[1:]) / 2
    return centre[kept], low[kept], mean[kept], high[kept]
