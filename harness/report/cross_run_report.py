"""report layer: `miot report RUN_DIR... -o report.html`, the cross-run network-capability report (issue 7
item 2): load the runs (harness.report.run_set), aggregate them (harness.report.indicator_tables), draw
the figures (harness.report.figures.run_figures) and write one self-contained page
(harness.report.cross_run_page) whole, so a reader never sees half a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from harness.report.compare import CompareSettings, compare_runs
from harness.report.cross_run_page import report_page
from harness.report.figures import run_figures
from harness.report.fleet_rows import fleet_rows
from harness.report.indicator_tables import indicator_table
from harness.report.labels import Lang
from harness.report.run_set import load_runs
from harness.results.files import write_bytes_atomic


def write_cross_run_report(
    run_dirs: Sequence[Path], output: Path, *, lang: Lang, baseline_dirs: Sequence[Path] = ()
) -> Path:
    """Write the report of these runs to `output`, with their comparison against `baseline_dirs` when given
    (as `miot compare` makes it, default settings); UserError (one line) for a directory that is not a
    run."""
    run_set = load_runs(run_dirs)
    fleet = fleet_rows(run_set.runs)  # run-level friendliness figures (harness.report.fleet_rows)
    measurements = run_set.measurements if fleet.empty else pd.concat([run_set.measurements, fleet])
    table = indicator_table(measurements.reset_index(drop=True))
    figures = run_figures([run.path for run in run_set.runs], lang=lang)
    comparison = (
        compare_runs(list(baseline_dirs), list(run_dirs), CompareSettings()) if baseline_dirs else None
    )
    page = report_page(run_set.runs, table, figures, lang=lang, comparison=comparison)
    write_bytes_atomic(Path(output), page.encode("utf-8"))
    return Path(output)
