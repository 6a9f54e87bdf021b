"""report layer: plots as PNG bytes for the HTML report.

matplotlib through `matplotlib.figure.Figure` and the Agg canvas directly, never pyplot: no global figure
registry, no GUI backend, safe in pytest-xdist workers and threads.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FIGURE_SIZE_IN = (6.4, 3.6)
FIGURE_DPI = 100  # 640 x 360 pixels
MARKED_PERCENTILES = (50, 95)


def rtt_cdf_png(rtt_ms: Iterable[float], *, title: str, reference_ms: float | None = None) -> bytes:
    """The empirical CDF of round-trip times (ms) with p50 and p95 marked and, when given, a vertical
    reference line (e.g. the link model's expected median). Values that are not finite (NaN for a lost
    probe) are left out and counted in the legend."""
    values = np.asarray(list(rtt_ms), dtype=float)
    finite = np.sort(values[np.isfinite(values)])
    if finite.size == 0:
        raise ValueError(f"rtt_cdf_png: no finite RTT to plot ({values.size} values given)")
    fraction = np.arange(1, finite.size + 1) / finite.size

    figure = Figure(figsize=FIGURE_SIZE_IN, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    left_out = values.size - finite.size
    label = f"n = {finite.size}" + (f" ({left_out} without RTT)" if left_out else "")
    axes.step(finite, fraction, where="post", label=label)
    for q in MARKED_PERCENTILES:
        at_ms = float(np.percentile(finite, q))
        axes.plot([at_ms], [q / 100], marker="o", linestyle="none", label=f"p{q} {at_ms:.4g} ms")
    if reference_ms is not None:
        axes.axvline(reference_ms, color="grey", linestyle="--", label=f"reference {reference_ms:.4g} ms")
    axes.set_title(title)
    axes.set_xlabel("RTT (ms)")
    axes.set_ylabel("fraction of probes ≤ RTT")
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
