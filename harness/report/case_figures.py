"""report layer: the figures of one test case, for its entry in the per-run pytest-html report
(harness.pytest_plugin.html_report): the same plots as the cross-run report (harness.report.figures), from
this test's directory only, each where the test has the data:

  rtt-cdf                     its udp_echo RTTs
  rtt-under-load              its latency-under-load probes over time, by load phase
  goodput-series              its per-second goodput
  goodput-vs-rsrp, -vs-sinr   per second of an uplink UDP stream, goodput against the radio joined on it
  current                     its current trace, state bands and test events
"""

from __future__ import annotations

from pathlib import Path

from harness.report.current_plot import current_trace_png
from harness.report.figure_data import (
    echo_rtts_ms,
    goodput_series_of,
    load_latency_of,
    power_of,
    radio_goodput_points,
)
from harness.report.figures import ReportFigure, html_key
from harness.report.labels import Lang, label
from harness.report.load_latency_plot import rtt_under_load_png
from harness.report.plots import rtt_cdf_png
from harness.report.throughput_plots import RADIO_FIGURES, goodput_series_png, goodput_vs_radio_png


def case_figures(test_dir: Path, *, name: str, lang: Lang = "en") -> list[ReportFigure]:
    """The figures of the test in `test_dir`; `name` (its test id) ends each title."""
    figures = []
    rtts = echo_rtts_ms(test_dir)
    if rtts is not None:
        title = f"{label('rtt_cdf', lang)}, {name}"
        figures.append(
            ReportFigure(key="rtt-cdf", title=title, png=rtt_cdf_png(rtts, title=title, lang=lang))
        )
    probes = load_latency_of(test_dir)
    if probes is not None and probes["rtt_ms"].notna().any():
        title = f"{label('rtt_under_load', lang)}, {name}"
        png = rtt_under_load_png(probes, title=title, lang=lang)
        figures.append(ReportFigure(key="rtt-under-load", title=title, png=png))
    series = goodput_series_of(test_dir)
    if series is not None:
        title = f"{label('goodput_series', lang)}, {name}"
        png = goodput_series_png({name: series}, title=title, lang=lang)
        figures.append(ReportFigure(key="goodput-series", title=title, png=png))
    figures += _radio_figures(test_dir, name=name, lang=lang)
    power = power_of(test_dir)
    if power is not None:
        title = f"{label('current_trace', lang)}, {name}"
        png = current_trace_png(
            power.trace, title=title, segments=power.segments, markers=power.markers, lang=lang
        )
        figures.append(ReportFigure(key="current", title=title, png=png))
    return figures


def _radio_figures(test_dir: Path, *, name: str, lang: Lang) -> list[ReportFigure]:
    points = radio_goodput_points(test_dir)
    if points is None:
        return []
    figures = []
    for axis, word in RADIO_FIGURES:
        if points[axis].notna().any():
            title = f"{label(word, lang)}, {name}"
            png = goodput_vs_radio_png(points, x=axis, title=title, lang=lang)
            figures.append(ReportFigure(key=html_key(word), title=title, png=png))
    return figures
