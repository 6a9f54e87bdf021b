"""Tests of harness.report.coverage_map: sites placed by longitude and latitude, drawn with no tiles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.collections import PathCollection

from harness.report.canvas import FIGURE_DPI
from harness.report.coverage_map import MAP_SIZE_IN, SitePoint, coverage_map_figure, coverage_map_png

from .png import png_pixels, png_size

SITES = [
    SitePoint(name="north", lat_deg=31.30, lon_deg=121.40, rsrp_dbm=-85.0, classes=("nbiot excellent",)),
    SitePoint(name="south", lat_deg=31.10, lon_deg=121.45, rsrp_dbm=-118.0, classes=("nbiot poor",)),
    SitePoint(name="east", lat_deg=31.20, lon_deg=121.60),
]


def test_the_map_is_a_png_of_its_size() -> None:
    data = coverage_map_png(SITES, title="Sites by RSRP")
    assert png_size(data) == (round(MAP_SIZE_IN[0] * FIGURE_DPI), round(MAP_SIZE_IN[1] * FIGURE_DPI))


def test_sites_sit_at_their_longitude_and_latitude_coloured_by_rsrp() -> None:
    figure = coverage_map_figure(SITES, title="t")
    axes = figure.axes[0]
    dots = [c for c in axes.collections if isinstance(c, PathCollection)]
    placed = np.vstack([c.get_offsets() for c in dots])
    assert sorted(map(tuple, placed.tolist())) == sorted((s.lon_deg, s.lat_deg) for s in SITES)
    with_rsrp = dots[0]
    assert list(with_rsrp.get_array()) == [-85.0, -118.0]
    # east of and north of read as they should: x grows with longitude, y with latitude
    figure.canvas.draw()
    pixel = {s.name: axes.transData.transform((s.lon_deg, s.lat_deg)) for s in SITES}
    assert pixel["east"][0] > pixel["south"][0] > pixel["north"][0]
    assert pixel["north"][1] > pixel["east"][1] > pixel["south"][1]


def test_one_degree_east_is_drawn_cos_latitude_as_long_as_one_degree_north() -> None:
    figure = coverage_map_figure(SITES, title="t")
    axes = figure.axes[0]
    figure.canvas.draw()
    origin = axes.transData.transform((121.5, 31.2))
    east = axes.transData.transform((121.51, 31.2)) - origin
    north = axes.transData.transform((121.5, 31.21)) - origin
    assert east[0] / north[1] == pytest.approx(math.cos(math.radians(31.2)), rel=0.01)


def test_the_dots_are_drawn_where_the_sites_are() -> None:
    figure = coverage_map_figure(SITES[:1], title="t")
    axes = figure.axes[0]
    figure.canvas.draw()
    x, y = axes.transData.transform((SITES[0].lon_deg, SITES[0].lat_deg))
    pixels = png_pixels(coverage_map_png(SITES[:1], title="t"))
    row, column = round(pixels.shape[0] - y), round(x)
    assert pixels[row, column, :3].mean() < 0.8  # a coloured dot, not the white background
    assert pixels[row + 25, column - 25, :3].mean() > 0.85  # background (or a light grid line) further off
