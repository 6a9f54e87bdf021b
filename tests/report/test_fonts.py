"""Tests of harness.report.fonts: Chinese figures draw every glyph when a CJK font is installed."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from harness.power import Marker
from harness.report.coverage_map import SitePoint, coverage_map_png
from harness.report.current_plot import current_trace_png
from harness.report.fonts import BASE_FAMILY, CJK_FONT_PACKAGE, cjk_family, text_font
from harness.report.labels import LABELS, Lang
from harness.report.plots import rtt_cdf_png
from harness.report.throughput_plots import goodput_series_png, goodput_vs_radio_png

NO_CJK_REASON = f"no CJK font installed (Debian: {CJK_FONT_PACKAGE}; `make system-deps` installs it as root)"
needs_cjk_font = pytest.mark.skipif(cjk_family() is None, reason=NO_CJK_REASON)
POINTS = pd.DataFrame({"group": ["nb-a ul"], "goodput_kbps": [20.0], "rsrp_dbm": [-100.0], "sinr_db": [3.0]})
TRACE = pd.DataFrame({"t_s": np.arange(20) * 0.5, "current_ua": np.linspace(1.0, 1e5, 20)})
SEGMENTS = pd.DataFrame(
    {"t_s": [0.0, 3.0, 6.0], "state": ["connected", "idle", "psm"], "stop_s": [3.0, 6.0, 9.5]}
)


def every_plot(lang: Lang) -> dict[str, Callable[[], bytes]]:
    """Each plot, titled with every Chinese label so that every glyph of the table is drawn."""
    words = " ".join(texts[lang] for texts in LABELS.values())
    series = {"nb-ul@nb-a": pd.DataFrame({"t_s": [0.0, 1.0], "goodput_kbps": [20.0, 21.0]})}
    return {
        "rtt_cdf": lambda: rtt_cdf_png([1.0, 2.0, float("nan")], title=words, reference_ms=1.5, lang=lang),
        "goodput_series": lambda: goodput_series_png(series, title=words, lang=lang),
        "goodput_vs_rsrp": lambda: goodput_vs_radio_png(POINTS, x="rsrp_dbm", title=words, lang=lang),
        "current": lambda: current_trace_png(
            TRACE, title=words, segments=SEGMENTS, markers=[Marker(t_s=1.0, label="x")], lang=lang
        ),
        "coverage_map": lambda: coverage_map_png(
            [
                SitePoint(name="北区", lat_deg=31.2, lon_deg=121.5),
                SitePoint(name="s", lat_deg=31.3, lon_deg=121.4, rsrp_dbm=-90.0),
            ],
            title=words,
            lang=lang,
        ),
    }


@needs_cjk_font
@pytest.mark.parametrize("plot", sorted(every_plot("zh")))
def test_a_chinese_figure_draws_with_no_missing_glyph(plot: str) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        every_plot("zh")[plot]()
    missing = [str(w.message) for w in seen if "missing from font" in str(w.message)]
    assert missing == []


def test_without_a_cjk_font_the_default_font_would_miss_the_glyphs() -> None:
    """The check above can fail: DejaVu Sans alone draws Chinese as boxes, with the warning."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        figure_words = LABELS["rtt_cdf"]["zh"]
        rtt_cdf_png([1.0, 2.0], title=figure_words, lang="en")
    assert any("missing from font" in str(w.message) for w in seen)


@needs_cjk_font
def test_chinese_text_names_dejavu_first_then_the_cjk_family() -> None:
    assert text_font("zh").get_family() == [BASE_FAMILY, cjk_family()]
    assert text_font("en").get_family() == [BASE_FAMILY]
