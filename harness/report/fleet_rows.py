"""report layer: the run-level network-friendliness figures of each run (harness.results.fleet_friendliness:
reports in step across modules, first-retry delays alike) as rows of the cross-run report's measurements,
so they land in the "network friendliness" indicator group next to the per-case ones.

A run-level figure belongs to no case, so no plan case can set its limit; the limits are indicators.md
§3.1's (J): `report_offset_spread_pct` ≥ 50, `first_retry_delay_cv_pct` > 10 (≥ 10 here: a limit's
boundary belongs to the better side). A row appears only where its figure exists (≥ 20 reports, ≥ 2 first
retries): a run without reports or retries says nothing about them. The row's module is `fleet`, its test
`run`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd

from harness.kpi import evaluate
from harness.metrics import Limit
from harness.report.run_set import LoadedRun, with_dimensions
from harness.results import MeasurementContext, tabulate_measurements
from harness.results.fleet_friendliness import run_friendliness

FLEET_MODULE = "fleet"
FLEET_TEST = "run"
FLEET_LIMITS: Mapping[str, Limit] = {
    "report_offset_spread_pct": Limit(low=50.0, source="indicators.md §3.1 (J), GSMA TS.34 [R25]"),
    "first_retry_delay_cv_pct": Limit(low=10.0, source="indicators.md §3.1 (J), GSMA TS.34 [R25]"),
}


def fleet_rows(runs: Sequence[LoadedRun]) -> pd.DataFrame:
    """The run-level friendliness rows of these runs, with the report's dimensions (run_set)."""
    frames = [frame for run in runs if not (frame := _run_rows(run)).empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _run_rows(run: LoadedRun) -> pd.DataFrame:
    test_dirs = sorted(p for p in (run.path / "tests").glob("*") if p.is_dir())
    figures = run_friendliness(test_dirs)
    measurements = [
        evaluate(metric, value, FLEET_LIMITS.get(metric))
        for metric, value in figures.items()
        if value.value is not None
    ]
    if not measurements:
        return pd.DataFrame()
    context = MeasurementContext(
        run_id=run.run_id,
        test_id=FLEET_TEST,
        case_id=FLEET_TEST,
        iteration=1,
        module_id=FLEET_MODULE,
        rat=_rat(run),
    )
    stamp = run.record.ended_utc or datetime.now(UTC)
    rows = pd.DataFrame(tabulate_measurements(context, measurements, recorded_utc=stamp))
    return with_dimensions(rows, run.record, run.path)


def _rat(run: LoadedRun) -> str:
    rats = sorted({m.rat for m in run.record.modules})
    return rats[0] if len(rats) == 1 else "mixed"
