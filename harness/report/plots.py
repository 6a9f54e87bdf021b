"""report layer: plots as PNG bytes for the HTML reports: the RTT CDF here; throughput, current and the
coverage map in their own modules beside it (throughput_plots, current_plot, coverage_map), all on
harness.report.canvas (Figure and the Agg canvas, never pyplot).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from harness.report.canvas import FIGURE_DPI, FIGURE_SIZE_IN, add_legend, label_axes, new_axes, png_of
from harness.report.fonts import text_font
from harness.report.labels import Lang, label

__all__ = ["FIGURE_DPI", "FIGURE_SIZE_IN", "MARKED_PERCENTILES", "rtt_cdf_png"]

MARKED_PERCENTILES = (50, 95)


def rtt_cdf_png(
    rtt_ms: Iterable[float] | np.ndarray, *, title: str, reference_ms: float | None = None, lang: Lang = "en"
) -> bytes:
    """The empirical CDF of round-trip times (ms) with p50 and p95 marked and, when given, a vertical
    reference line (e.g. the link model's expected median). Values that are not finite (NaN for a lost
    probe) are left out and counted in the legend."""
    # an array as it is: list() of a pooled array of millions would make a Python float of each
    values = np.asarray(rtt_ms if isinstance(rtt_ms, np.ndarray) else list(rtt_ms), dtype=float)
    finite = np.sort(values[np.isfinite(values)])
    if finite.size == 0:
        raise ValueError(f"rtt_cdf_png: no finite RTT to plot ({values.size} values given)")
    fraction = np.arange(1, finite.size + 1) / finite.size

    figure, axes = new_axes()
    font = text_font(lang)
    left_out = values.size - finite.size
    label_text = f"n = {finite.size}" + (f" ({left_out} {label('without_rtt', lang)})" if left_out else "")
    axes.step(finite, fraction, where="post", label=label_text)
    for q in MARKED_PERCENTILES:
        at_ms = float(np.percentile(finite, q))
        axes.plot([at_ms], [q / 100], marker="o", linestyle="none", label=f"p{q} {at_ms:.4g} ms")
    if reference_ms is not None:
        axes.axvline(
            reference_ms,
            color="grey",
            linestyle="--",
            label=f"{label('reference', lang)} {reference_ms:.4g} ms",
        )
    label_axes(
        axes, font, title=title, xlabel=label("rtt_ms", lang), ylabel=label("fraction_of_probes", lang)
    )
    axes.set_ylim(0, 1.02)
    add_legend(
        axes, font, entries=1 + len(MARKED_PERCENTILES) + (reference_ms is not None), loc="lower right"
    )
    return png_of(figure)
