"""report layer: the figures of the cross-run report, built from run directories.

`run_figures(run_dirs, lang=...)` reads what each figure needs from the run files (DESIGN "What a run
writes") and returns the figures in the order the report shows them, each as PNG bytes with a stable key
(the report's HTML ids and the browser test use the key). A figure with no data in the given runs is left
out, not drawn empty:

  rtt-cdf-<module>            udp_echo RTTs of the module's tests, pooled across runs
  goodput-series-<module>     per-second goodput of each of its throughput tests, one line per test
  goodput-vs-rsrp, -vs-sinr   each throughput test's whole-run goodput against its median RSRP / SINR
  current-<run>-<test>        each test's current trace with its state bands and test events
  coverage-map                the runs' sites (run.json) coloured by median RSRP, with coverage classes
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.report.coverage_map import SitePoint, coverage_map_png
from harness.report.current_plot import current_trace_png
from harness.report.drawing_pool import draw_all
from harness.report.figure_data import POWER_FILE, echo_rtts_ms, goodput_series_of, power_of
from harness.report.labels import Lang, label
from harness.report.plots import rtt_cdf_png
from harness.report.site_coverage import site_points
from harness.report.throughput_plots import RADIO_FIGURES, RadioAxis, goodput_series_png, goodput_vs_radio_png
from harness.results.measurements import read_measurements

GOODPUT_METRIC = re.compile(r"^(ul|dl)_goodput_kbps$")
RADIO_MEDIANS: dict[RadioAxis, str] = {"rsrp_dbm": "rsrp_p50_dbm", "sinr_db": "sinr_p50_db"}
_NOT_KEY = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFigure:
    key: str  # stable, [a-z0-9-]: used as the figure's HTML id
    title: str
    png: bytes

    def img_html(self, *, html_id: str | None = None) -> str:
        """An <img> with the PNG embedded (a report stays one file), its id the key unless given."""
        data = base64.b64encode(self.png).decode("ascii")
        title = html.escape(self.title)
        source = f"data:image/png;base64,{data}"
        return f'<img id="{html_id or self.key}" alt="{title}" title="{title}" src="{source}">'


def html_key(*parts: str) -> str:
    """A stable key from identifiers (module, run and test ids): lowercase, [a-z0-9-]."""
    return "-".join(_NOT_KEY.sub("-", part.lower()).strip("-") for part in parts)


def run_figures(run_dirs: Sequence[Path], *, lang: Lang) -> list[ReportFigure]:
    """Every figure the given runs have data for."""
    tests = _tests(run_dirs)
    return [
        *rtt_cdf_figures(tests, lang=lang),
        *goodput_series_figures(tests, lang=lang),
        *goodput_radio_figures(run_dirs, lang=lang),
        *current_figures(tests, lang=lang),
        *coverage_map_figures(run_dirs, lang=lang),
    ]


def rtt_cdf_figures(tests: pd.DataFrame, *, lang: Lang) -> list[ReportFigure]:
    """One RTT CDF per module, pooling the udp_echo samples (warm-up probes left out) of all its tests."""
    figures = []
    for module_id, rows in tests.groupby("module_id", sort=True):
        tests_rtts = [rtts for test_dir in rows["test_dir"] if (rtts := echo_rtts_ms(test_dir)) is not None]
        if tests_rtts:
            title = f"{label('rtt_cdf', lang)}, {module_id}"
            png = rtt_cdf_png(np.concatenate(tests_rtts), title=title, lang=lang)
            figures.append(ReportFigure(key=html_key("rtt-cdf", str(module_id)), title=title, png=png))
    return figures


def goodput_series_figures(tests: pd.DataFrame, *, lang: Lang) -> list[ReportFigure]:
    """Per module, the per-second goodput of each throughput test (named by run when there are several)."""
    is_many_runs = tests["run_id"].nunique() > 1
    figures = []
    for module_id, rows in tests.groupby("module_id", sort=True):
        series = {}
        for run_id, test_id, test_dir in zip(rows["run_id"], rows["test_id"], rows["test_dir"], strict=True):
            found = goodput_series_of(test_dir)
            if found is not None:
                series[f"{run_id} {test_id}" if is_many_runs else test_id] = found
        if series:
            title = f"{label('goodput_series', lang)}, {module_id}"
            png = goodput_series_png(series, title=title, lang=lang)
            figures.append(ReportFigure(key=html_key("goodput-series", str(module_id)), title=title, png=png))
    return figures


def goodput_radio_figures(run_dirs: Sequence[Path], *, lang: Lang) -> list[ReportFigure]:
    """Whole-run goodput of each throughput test against its median RSRP and SINR (radio.parquet's KPIs),
    one colour per module and direction."""
    points = goodput_radio_points(run_dirs)
    figures = []
    for axis, name in RADIO_FIGURES:
        if (points[axis].notna() & points["goodput_kbps"].notna()).any():
            title = label(name, lang)
            png = goodput_vs_radio_png(points, x=axis, title=title, lang=lang)
            figures.append(ReportFigure(key=html_key(name), title=title, png=png))
    return figures


def goodput_radio_points(run_dirs: Sequence[Path]) -> pd.DataFrame:
    """One row per throughput test and direction: group ("<module> ul"), goodput_kbps, rsrp_dbm, sinr_db."""
    frames = []
    for run_dir in run_dirs:
        frame = _measurements(run_dir)
        if frame is None:
            continue
        goodput = frame[frame["metric"].str.fullmatch(GOODPUT_METRIC.pattern)]
        radio = (
            frame[frame["metric"].isin(list(RADIO_MEDIANS.values()))]
            .pivot_table(index="test_id", columns="metric", values="value")
            .reindex(columns=list(RADIO_MEDIANS.values()))
            .set_axis(list(RADIO_MEDIANS), axis=1)
        )
        joined = goodput.join(radio, on="test_id")
        group = joined["module_id"].astype(str) + " " + joined["metric"].str[:2]
        frames.append(
            pd.DataFrame({"group": group, "goodput_kbps": pd.to_numeric(joined["value"])}).join(
                joined[list(RADIO_MEDIANS)].apply(pd.to_numeric)
            )
        )
    columns = ["group", "goodput_kbps", *RADIO_MEDIANS]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrentTraceJob:
    """What a worker needs to draw one test's current trace (drawing_pool.draw_all)."""

    test_dir: Path
    title: str
    lang: Lang


def current_figures(tests: pd.DataFrame, *, lang: Lang) -> list[ReportFigure]:
    """One current trace per test with a power.parquet, drawn side by side (drawing_pool): one per run and
    power test, they are most of a many-run report's time."""
    keys, jobs = [], []
    for run_id, test_id, test_dir in zip(tests["run_id"], tests["test_id"], tests["test_dir"], strict=True):
        if (test_dir / POWER_FILE).exists():
            keys.append(html_key("current", run_id, test_id))
            jobs.append(
                CurrentTraceJob(
                    test_dir=test_dir, title=f"{label('current_trace', lang)}, {test_id}", lang=lang
                )
            )
    pngs = draw_all(draw_current_trace, jobs)
    return [
        ReportFigure(key=key, title=job.title, png=png)
        for key, job, png in zip(keys, jobs, pngs, strict=True)
        if png is not None
    ]


def draw_current_trace(job: CurrentTraceJob) -> bytes | None:
    """The PNG of the job's current trace; None when its trace has no rows."""
    power = power_of(job.test_dir)
    if power is None:
        return None
    return current_trace_png(
        power.trace, title=job.title, segments=power.segments, markers=power.markers, lang=job.lang
    )


def coverage_map_figures(run_dirs: Sequence[Path], *, lang: Lang) -> list[ReportFigure]:
    sites: list[SitePoint] = site_points(run_dirs)
    if not sites:
        return []
    title = label("coverage_map", lang)
    return [
        ReportFigure(key="coverage-map", title=title, png=coverage_map_png(sites, title=title, lang=lang))
    ]


def _tests(run_dirs: Sequence[Path]) -> pd.DataFrame:
    """run_id, test_id, module_id, test_dir of every test with KPIs in the runs' measurements.csv."""
    frames = []
    for run_dir in run_dirs:
        frame = _measurements(run_dir)
        if frame is not None:
            pairs = frame[["test_id", "module_id"]].drop_duplicates()
            test_dirs = [run_dir / "tests" / test_id for test_id in pairs["test_id"]]
            frames.append(pairs.assign(run_id=run_dir.name, test_dir=test_dirs))
    columns = ["test_id", "module_id", "run_id", "test_dir"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _measurements(run_dir: Path) -> pd.DataFrame | None:
    path = run_dir / "measurements.csv"
    return read_measurements(path) if path.exists() else None
