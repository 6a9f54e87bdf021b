"""glue layer: a case stopped by the rig, not by the module under test (issue 8 item 4).

When a case body raises, the module is diagnosed (harness.dialects.module_health). A module that hung,
rebooted or vanished is brought back by the rig's reset method and up again (ModemPool.recover), the case is
reported as an **error** with what happened and what was done, its KPI rows stay on disk as `unchecked`
(measured, not judged), and the run goes on with the next case. A module that cannot be brought back is
latched broken: its later cases skip naming why. Any other failure is the module's result: **failed**.
"""

from __future__ import annotations

import pytest

from harness.errors import InfrastructureError
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.html_report import OUTCOME_PROPERTY
from harness.pytest_plugin.modems import ModemPool
from harness.pytest_plugin.plan_run import PlanRun

BODY_START_S = pytest.StashKey[float]()
ERROR_OUTCOME = "error"


def note_body_start(item: pytest.Item, case: CaseRun) -> None:
    """The module's session time as the body starts: a ready URC after it is this case's reboot."""
    pool = _pool_of(item)
    now_s = None if pool is None else pool.now_s(case.module.id)
    if now_s is not None:
        item.stash[BODY_START_S] = now_s


def infrastructure_error(
    item: pytest.Item, run: PlanRun, case: CaseRun, error: BaseException | None
) -> InfrastructureError | None:
    """The error to report when the rig failed the case, whether its body raised `error` or (None) its
    KPIs missed their limits; the module is recovered or latched broken by then. None: the module's own
    result."""
    pool, since_s = _pool_of(item), item.stash.get(BODY_START_S, None)
    if pool is None or since_s is None or isinstance(error, pytest.fail.Exception | KeyboardInterrupt):
        return None
    fault = pool.diagnose(case.module.id, error, since_s=since_s)
    if fault is None:
        return None
    done = pool.recover(case.module, fault, run.run_dir.test_dir(case.test_id) / "at.log")
    run.record_event(case.test_id, "module_fault", kind=str(fault.kind), detail=fault.detail, recovery=done)
    return InfrastructureError(f"module {case.module.id} {fault.describe()}; {done}")


def is_infrastructure_error(report: pytest.TestReport) -> bool:
    """A call report of a case the rig stopped (its outcome property says error)."""
    return (
        report.when == "call"
        and report.failed
        and (OUTCOME_PROPERTY, ERROR_OUTCOME) in report.user_properties
    )


def _pool_of(item: pytest.Item) -> ModemPool | None:
    pool = getattr(item, "funcargs", {}).get("modem_pool")
    return pool if isinstance(pool, ModemPool) else None
