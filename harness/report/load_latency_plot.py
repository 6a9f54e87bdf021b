"""report layer: latency under load as a PNG (harness.traffic.latency_under_load): each probe's round trip
over time on the run's one clock, a colour per phase (unloaded, uplink loaded, downlink loaded) and the
loaded phases shaded, so the queueing delay a load adds is seen where it starts and how it grows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.report.canvas import add_legend, from_zero, label_axes, new_axes, png_of
from harness.report.fonts import text_font
from harness.report.labels import Lang, label

PHASE_COLUMN = "phase"
UNLOADED = "unloaded"


def rtt_under_load_png(samples: pd.DataFrame, *, title: str, lang: Lang = "en") -> bytes:
    """Round trips (`rtt_ms`) against `t_s`, one series per `phase` in the order the phases ran; lost
    probes (no RTT) are left out and counted in their phase's legend entry."""
    if not samples["rtt_ms"].notna().any():
        raise ValueError(f"rtt_under_load_png: no finite RTT to plot ({len(samples)} probes given)")
    figure, axes = new_axes()
    font = text_font(lang)
    phases = list(dict.fromkeys(samples[PHASE_COLUMN]))
    for phase in phases:
        rows = samples[samples[PHASE_COLUMN] == phase]
        t_s = rows["t_s"].to_numpy(dtype=float)
        rtt_ms = rows["rtt_ms"].to_numpy(dtype=float)
        lost = int(np.isnan(rtt_ms).sum())
        name = label(f"phase_{phase}", lang) + (f" ({lost} {label('without_rtt', lang)})" if lost else "")
        points = axes.plot(t_s, rtt_ms, marker="o", markersize=3, linestyle="none", label=name)
        if phase != UNLOADED:
            axes.axvspan(t_s.min(), t_s.max(), color=points[0].get_color(), alpha=0.12)
    label_axes(axes, font, title=title, xlabel=label("time_s", lang), ylabel=label("rtt_ms", lang))
    from_zero(axes, float(samples["rtt_ms"].max()))
    add_legend(axes, font, entries=len(phases), loc="upper right")
    return png_of(figure)
