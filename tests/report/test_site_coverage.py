"""Tests of harness.report.site_coverage: the sites of runs for the coverage map, pooled by site, with the
median RSRP of their tests and the coverage class per RAT."""

from __future__ import annotations

from pathlib import Path

from harness.report.coverage_map import SitePoint
from harness.report.site_coverage import site_points

from .runs import write_kpis, write_site


def test_runs_at_one_site_are_pooled_and_classed_per_rat(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_site(first, "lab", 31.2, 121.5)
    write_kpis(first, "x@nb-a", "nb-a", {"rsrp_p50_dbm": -95.0, "sinr_p50_db": 12.0})
    write_site(second, "lab", 31.2, 121.5)
    write_kpis(second, "x@nb-a", "nb-a", {"rsrp_p50_dbm": -105.0, "sinr_p50_db": 12.0})
    write_kpis(second, "y@cat-a", "cat-a", {"rsrp_p50_dbm": -80.0}, rat="cat1")
    write_site(third, "basement", 31.1, 121.4)

    sites = site_points([first, second, third])

    assert sites == [
        SitePoint(name="basement", lat_deg=31.1, lon_deg=121.4),
        # NB-IoT median -100 dBm is "good" (indicators.md §2.1: >= -100), Cat-1 -80 dBm "excellent" (> -85)
        SitePoint(
            name="lab", lat_deg=31.2, lon_deg=121.5, rsrp_dbm=-95.0, classes=("cat1 excellent", "nbiot good")
        ),
    ]


def test_runs_without_a_site_position_or_run_json_are_left_out(tmp_path: Path) -> None:
    write_site(tmp_path / "a", "somewhere", None, None)
    (tmp_path / "b").mkdir()
    assert site_points([tmp_path / "a", tmp_path / "b"]) == []
