"""The run-level friendliness figures in the cross-run report: two modules' transcripts reporting in step
give a failing `report_offset_spread_pct` row (module `fleet`) in the "network friendliness" group, with
indicators.md's limit; a run without reports shows no such row."""

from __future__ import annotations

from pathlib import Path

from harness.report.fleet_rows import FLEET_MODULE, fleet_rows
from harness.report.labels import label
from harness.report.run_set import load_runs
from tests.report.runs import write_kpis, write_site
from tests.report.test_cross_run_report import write_report

INTERVAL_S = 30.0


def write_reports(test_dir: Path, *, opened: str, first_s: float, count: int) -> None:
    """A transcript whose module sends `count` reports every INTERVAL_S from `first_s` (session time)."""
    lines = [
        "# miot-harness AT transcript; port virtual://bc660k",
        f"# session opened {opened}; t = seconds since then (monotonic)",
    ]
    for i in range(count):
        t_s = first_s + i * INTERVAL_S
        lines += [f"+{t_s:.3f}s > AT+QISEND=0,50", f"+{t_s + 0.01:.3f}s < OK"]
    (test_dir / "at.log").write_text("\n".join(lines) + "\n", encoding="utf-8")


def in_step_run(root: Path) -> Path:
    run_dir = root / "run-in-step"
    write_site(run_dir, "lab-sh", None, None)
    # sessions opened 2 s and 7 s after a grid point: each module reports on the grid, both in step
    modules = (("nb-a", "2026-11-26T00:00:02.000Z", 28.0), ("nb-b", "2026-11-26T00:00:07.000Z", 23.0))
    for module_id, opened, first_s in modules:
        test_dir = write_kpis(run_dir, f"reports@{module_id}", module_id, {"rtt_p95_ms": 900.0})
        write_reports(test_dir, opened=opened, first_s=first_s, count=10)
    return run_dir


def test_reports_in_step_fail_the_run_level_offset_spread(tmp_path: Path) -> None:
    run_set = load_runs([in_step_run(tmp_path)])
    rows = fleet_rows(run_set.runs).set_index("metric")
    assert rows.loc["report_offset_spread_pct", "value"] == 0.0
    assert rows.loc["report_offset_spread_pct", "low"] == 50.0
    assert rows.loc["report_offset_spread_pct", "outcome"] == "fail"
    assert rows.loc["report_offset_spread_pct", "module_id"] == FLEET_MODULE
    assert "first_retry_delay_cv_pct" not in rows.index  # nothing was retried


def test_the_report_shows_them_in_the_network_friendliness_group(tmp_path: Path) -> None:
    page, reader = write_report([in_step_run(tmp_path)], tmp_path / "report.html")
    assert label("family_friendliness", "en") in page
    table = reader.tables["miot-family-friendliness"]
    row = next(r for r in table[1:] if "report_offset_spread_pct" in r)
    assert row[0] == FLEET_MODULE
    assert "x ≥ 50" in row
    assert row[-3] == "1"


def test_a_run_without_reports_has_no_fleet_rows(tmp_path: Path) -> None:
    run_dir = tmp_path / "run-quiet"
    write_site(run_dir, "lab-sh", None, None)
    write_kpis(run_dir, "echo@nb-a", "nb-a", {"rtt_p95_ms": 900.0})
    assert fleet_rows(load_runs([run_dir]).runs).empty
