"""report layer: the sites of a set of runs for the coverage map: each run's site (run.json) with the
median RSRP of the tests run there and, per RAT, the coverage class of their median RSRP and SINR
(harness.coverage, indicators.md §2). Runs at one site (same name and position) are pooled; a run without
a site, or whose site has no position, is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from harness.coverage import MEDIANS, coverage_class
from harness.rat import Rat
from harness.report.coverage_map import SitePoint
from harness.results import read_measurements, read_run_record

RSRP_METRIC, SINR_METRIC = MEDIANS["rsrp_dbm"], MEDIANS["sinr_db"]


def site_points(run_dirs: Sequence[Path]) -> list[SitePoint]:
    """The sites of the runs, in name order."""
    radio: dict[tuple[str, float, float], list[pd.DataFrame]] = {}
    for run_dir in run_dirs:
        if not (run_dir / "run.json").exists():
            continue
        site = read_run_record(run_dir / "run.json").site
        if site is None or site.lat_deg is None or site.lon_deg is None:
            continue
        radio.setdefault((site.name, site.lat_deg, site.lon_deg), []).append(_radio_medians(run_dir))
    return [
        _site_point(name, lat, lon, pd.concat(frames, ignore_index=True))
        for (name, lat, lon), frames in sorted(radio.items())
    ]


def _radio_medians(run_dir: Path) -> pd.DataFrame:
    """rat, metric, value of the run's radio median KPIs (empty without measurements.csv)."""
    path = run_dir / "measurements.csv"
    if not path.exists():
        return pd.DataFrame(columns=["rat", "metric", "value"])
    frame = read_measurements(path)
    return frame.loc[frame["metric"].isin([RSRP_METRIC, SINR_METRIC]), ["rat", "metric", "value"]]


def _site_point(name: str, lat_deg: float, lon_deg: float, medians: pd.DataFrame) -> SitePoint:
    rsrp = pd.to_numeric(medians.loc[medians["metric"] == RSRP_METRIC, "value"]).dropna()
    classes = []
    for rat, rows in medians.groupby("rat", sort=True):
        by_metric = rows.groupby("metric")["value"].median()
        found = coverage_class(Rat(str(rat)), _value(by_metric, RSRP_METRIC), _value(by_metric, SINR_METRIC))
        if found is not None:
            classes.append(f"{rat} {found}")
    return SitePoint(
        name=name,
        lat_deg=lat_deg,
        lon_deg=lon_deg,
        rsrp_dbm=float(rsrp.median()) if len(rsrp) else None,
        classes=tuple(classes),
    )


def _value(medians: pd.Series, metric: str) -> float | None:
    value = medians.get(metric)
    return None if value is None or pd.isna(value) else float(value)
