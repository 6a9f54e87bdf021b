"""glue layer: KPIs are judged after the test body, all of them, and every violation is reported at once.

The test records values through the `kpis` fixture; once the body has run (or failed) the declared limits
decide each value's outcome (harness.kpi), the rows go to measurements.csv at once (a killed run keeps them)
and a violation fails the test with one line per metric. A limit the test never recorded is `missing`, which
fails too: a number the plan asked for may not silently vanish (STYLE 7).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from harness.kpi import KpiRecorder, Measurement, Outcome, case_outcome, describe_violations, violations
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.plan_run import PlanRun
from harness.results import MeasurementContext, tabulate_measurements


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    outcome: Outcome
    measurements: tuple[Measurement, ...]
    error: str | None = None  # the rig stopped the case (harness.pytest_plugin.recovery): not judged


KPIS = pytest.StashKey[KpiRecorder]()
VERDICT = pytest.StashKey[Verdict]()


def judge(
    item: pytest.Item, run: PlanRun, case: CaseRun, *, body_failed: bool, error: str | None = None
) -> Verdict:
    """Evaluate what the test recorded against the case's limits and write the rows. With `error` (the rig
    stopped the case) the values are kept as `unchecked`: measured before the fault, judged neither way."""
    recorder = item.stash.setdefault(KPIS, KpiRecorder(case.case.limits))
    measurements = recorder.evaluate_all()
    if error is not None:
        measurements = tuple(
            replace(m, outcome=Outcome.UNCHECKED, reason=f"not judged: infrastructure error ({error})")
            for m in measurements
        )
    elif body_failed:
        # A value recorded before the body failed must not read as a pass when measurements.csv is
        # aggregated: the whole case failed, and so does each of its rows.
        measurements = tuple(
            replace(m, outcome=Outcome.FAIL, reason=f"the test body failed ({m.reason})")
            for m in measurements
        )
    outcome = Outcome.FAIL if body_failed else case_outcome(measurements)
    context = MeasurementContext(
        run_id=run.run_dir.run_id,
        test_id=case.test_id,
        case_id=case.case.id,
        iteration=case.iteration,
        module_id=case.module.id,
        rat=str(case.module.rat),
        operator=case.operator_of_rows,
    )
    run.measurements.append(tabulate_measurements(context, measurements))
    verdict = Verdict(outcome=outcome, measurements=measurements, error=error)
    item.stash[VERDICT] = verdict
    return verdict


def is_failing(item: pytest.Item, case: CaseRun) -> bool:
    """Whether what the test recorded so far violates the case's limits (judge() is what records it)."""
    recorder = item.stash.setdefault(KPIS, KpiRecorder(case.case.limits))
    return bool(violations(recorder.evaluate_all()))


def failure_message(verdict: Verdict) -> str | None:
    """The test failure text when KPIs were violated, or None."""
    if not violations(verdict.measurements):
        return None
    return "KPI limits not met:\n" + describe_violations(verdict.measurements)
