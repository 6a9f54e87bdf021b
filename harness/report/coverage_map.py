"""report layer: a coverage map of test sites, drawn offline from their latitude and longitude (run.json
`site`): no map tiles, nothing fetched. Each site is a dot coloured by its median RSRP, named, with the
coverage class of each RAT measured there (harness.coverage, indicators.md §2) beside its name.

Projection: plate carrée with the x axis shortened by cos(latitude) at the sites' mean latitude, so
distances on the map are true to scale in both directions over the few kilometres to few hundred
kilometres a test campaign spans.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.report.canvas import add_legend, label_axes, new_axes, png_of
from harness.report.fonts import text_font
from harness.report.labels import Lang, label

MAP_SIZE_IN = (6.4, 4.8)
MIN_SPAN_DEG = 0.01  # about 1 km: a map of one site (or sites on one spot) still has a scale
RSRP_COLOURMAP = "viridis"  # perceptually even, readable in grey print
NO_RSRP_COLOUR = "lightgrey"


@dataclass(frozen=True, slots=True, kw_only=True)
class SitePoint:
    name: str
    lat_deg: float
    lon_deg: float
    rsrp_dbm: float | None = None
    classes: tuple[str, ...] = ()  # e.g. ("nbiot good", "cat1 medium")


def coverage_map_figure(sites: Sequence[SitePoint], *, title: str, lang: Lang = "en") -> Figure:
    """The map as a Figure: sites at (lon, lat) in data coordinates (tests read the positions back)."""
    if not sites:
        raise ValueError("coverage_map_figure: no site to draw")
    figure, axes = new_axes(size_in=MAP_SIZE_IN)
    font = text_font(lang)
    lon = np.array([s.lon_deg for s in sites])
    lat = np.array([s.lat_deg for s in sites])
    rsrp = np.array([math.nan if s.rsrp_dbm is None else s.rsrp_dbm for s in sites])
    known = ~np.isnan(rsrp)
    if known.any():
        dots = axes.scatter(
            lon[known], lat[known], c=rsrp[known], cmap=RSRP_COLOURMAP, s=60, edgecolors="black", zorder=3
        )
        bar = figure.colorbar(dots, ax=axes)
        bar.set_label(label("rsrp_dbm", lang), fontproperties=font)
    if (~known).any():
        axes.scatter(
            lon[~known],
            lat[~known],
            c=NO_RSRP_COLOUR,
            s=60,
            edgecolors="black",
            zorder=3,
            label=label("no_rsrp", lang),
        )
    for site in sites:
        text = site.name + (f"\n{', '.join(site.classes)}" if site.classes else "")
        axes.annotate(
            text, (site.lon_deg, site.lat_deg), xytext=(6, 4), textcoords="offset points", fontproperties=font
        )
    _frame(axes, lon, lat)
    xlabel, ylabel = label("longitude_deg", lang), label("latitude_deg", lang)
    label_axes(axes, font, title=title, xlabel=xlabel, ylabel=ylabel)
    add_legend(axes, font, entries=int((~known).any()))
    return figure


def coverage_map_png(sites: Sequence[SitePoint], *, title: str, lang: Lang = "en") -> bytes:
    return png_of(coverage_map_figure(sites, title=title, lang=lang))


def _frame(axes: Axes, lon: np.ndarray, lat: np.ndarray) -> None:
    """Limits with a margin around the sites, and the aspect that keeps distances to scale."""
    half_span = max(float(np.ptp(lon)), float(np.ptp(lat)), MIN_SPAN_DEG) * 0.6
    lon_mid, lat_mid = float(lon.min() + lon.max()) / 2, float(lat.min() + lat.max()) / 2
    axes.set_xlim(lon_mid - half_span, lon_mid + half_span)
    axes.set_ylim(lat_mid - half_span, lat_mid + half_span)
    axes.set_aspect(1 / math.cos(math.radians(lat_mid)), adjustable="box")
