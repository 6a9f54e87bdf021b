"""The cross-run report (`miot report`) opened in headless Chromium (tests/browser.py): it renders with no
console errors, and every figure run_figures gives for its runs is on the page, by key, and loads."""

from __future__ import annotations

from pathlib import Path

from browser import check_page, needs_browser

from harness.cli import main
from harness.report.figures import run_figures
from tests.report.lab_runs import lab_runs

from .runs import write_kpis, write_power, write_series, write_site


@needs_browser
def test_the_cross_run_report_renders_with_every_figure(tmp_path: Path) -> None:
    runs = lab_runs(tmp_path / "lab")
    # a run with the data the lab runs lack: a goodput series with radio medians, and a current trace
    extra = tmp_path / "run-x"
    ul = write_kpis(
        extra, "ul@nb-x", "nb-x", {"ul_goodput_kbps": 20.0, "rsrp_p50_dbm": -101.0, "sinr_p50_db": 4.0}
    )
    write_series(ul, "udp_stream_per_s", [19.0, 21.0, 20.0])
    write_power(write_kpis(extra, "psm@nb-x", "nb-x", {"sleep_current_ua": 3.0}))
    write_site(extra, "lab-x", 30.0, 120.0)
    report = tmp_path / "report.html"
    assert main(["report", *map(str, [*runs, extra]), "-o", str(report)]) == 0

    page = check_page(report, wait_for="img[id]")

    keys = [figure.key for figure in run_figures([*runs, extra], lang="en")]
    kinds = ("rtt-cdf", "goodput-series", "goodput-vs-rsrp", "goodput-vs-sinr", "current", "coverage-map")
    assert all(any(key.startswith(kind) for key in keys) for kind in kinds), keys
    assert page.console_errors == []
    assert page.images == dict.fromkeys(keys, True)
