"""glue layer: one plan run across pytest-xdist workers, one worker per module (issue 8 item 3).

`miot run --parallel` runs pytest with `-n <modules> --dist loadgroup`, and every case carries its module's
`xdist_group`, so all cases of a module run on one worker, in plan order, over one bring-up, while other
modules run on other workers. The controller creates the run directory and alone writes run.json; it hands
the directory to each worker (`pytest_configure_node`), which loads the same rig and plan and writes its
cases' files, measurements rows (measurements.csv takes appends from many processes) and events there.

What run.json needs from a worker travels on the test reports, which xdist sends to the controller: a
module's identity on the report of the test that brought it up, and each case's counted outcome. The same
path serves a run without xdist, where the reports never leave the process: one way, not two.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.kpi import Outcome
from harness.pytest_plugin import settings
from harness.pytest_plugin.plan_run import PlanRun, load_inputs
from harness.pytest_plugin.verdicts import Verdict
from harness.results import ModuleRecord, RunDirectory
from harness.results.run_record import decode_module_record, encode_module_record

RUN_DIR_INPUT = "miot_run_dir"
MODULE_RECORD_PROPERTY = "miot_module_record"
COUNTED_PROPERTY = "miot_counted"
MODULE_RECORD = pytest.StashKey[ModuleRecord]()


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def node_input(run: PlanRun) -> dict[str, str]:
    """What a worker needs to join the run (xdist's workerinput is JSON-like)."""
    return {RUN_DIR_INPUT: str(run.run_dir.path)}


def join_plan_run(config: pytest.Config) -> PlanRun | None:
    """The controller's run, seen from a worker; None on a worker of a run that is not a plan run."""
    workerinput: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]  # set by xdist
    if RUN_DIR_INPUT not in workerinput:
        return None
    rig, plan = load_inputs(config)
    run_dir = RunDirectory.open(workerinput[RUN_DIR_INPUT])
    return PlanRun(
        rig=rig,
        plan=plan,
        run_dir=run_dir,
        checkout=config.rootpath,
        is_worker=True,
        identifiers=settings.identifier_mode(config),
    )


def carry_module_record(report: pytest.TestReport, record: ModuleRecord) -> None:
    report.user_properties.append((MODULE_RECORD_PROPERTY, json.dumps(encode_module_record(record))))


def carry_count(report: pytest.TestReport, outcome: str) -> None:
    report.user_properties.append((COUNTED_PROPERTY, outcome))


def counted_outcome(report: pytest.TestReport, verdict: Verdict | None) -> str | None:
    """What run.json counts for this report: a case's KPI outcome once its body ran, `skipped` or `error`
    for one that never got there, None for the reports that count nothing."""
    if report.when == "call":
        if verdict is not None:
            return "error" if verdict.error is not None else str(verdict.outcome)
        return "skipped" if report.skipped else str(Outcome.FAIL)
    if report.when == "setup" and not report.passed:
        return "skipped" if report.skipped else "error"
    return None


class RunTally:
    """Registered on the process that writes run.json (the controller, or the only process): takes the
    module identities and counted outcomes the reports carry."""

    def __init__(self, run: PlanRun) -> None:
        self.run = run

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == MODULE_RECORD_PROPERTY:
                where = f"the report of {report.nodeid}"
                self.run.add_module(decode_module_record(json.loads(str(value)), where))
            elif name == COUNTED_PROPERTY:
                self.run.count(str(value))
