"""glue layer: network-friendliness KPIs of a case (harness.results.friendliness), recorded after its body
when the case's limits ask for them and the procedure did not record them itself. They are read from the
case's own evidence (at.log, server captures) as any run leaves it, so every procedure gets them, and a case
without such a limit pays nothing.
"""

from __future__ import annotations

import pytest

from harness.errors import HarnessError
from harness.kpi import KpiRecorder
from harness.metrics import MetricValue
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.plan_run import PlanRun
from harness.pytest_plugin.verdicts import KPIS
from harness.results.case_friendliness import case_friendliness
from harness.results.friendliness import CASE_METRICS


def record_asked(item: pytest.Item, run: PlanRun, case: CaseRun) -> None:
    """Record each friendliness metric the case limits and nothing recorded yet; `missing` (None) when its
    evidence cannot be read."""
    recorder = item.stash.setdefault(KPIS, KpiRecorder(case.case.limits))
    asked = [m for m in case.case.limits if m in CASE_METRICS and m not in recorder.recorded]
    if not asked:
        return
    try:
        figures = case_friendliness(run.run_dir.test_dir(case.test_id))
    except (HarnessError, OSError):
        figures = {}  # an unreadable transcript is no figure: every asked metric shows as missing
    recorder.record_all({m: figures.get(m, MetricValue(value=None)) for m in asked})
