"""glue layer: live progress of a plan run (issue 7 item 5): as each case ends, one line

    miot: [12/32] echo.ce1@nb-ce1 passed in 48 s; 9 min 12 s elapsed, about 11 min left (...)

with the estimate of harness.pytest_plugin.progress_estimate saying how it was made, from the previous run
of the same plan in the results root (harness.results.case_durations) and this run's finished cases.

The lines come from the process that reports: pytest itself, or the pytest-xdist controller, which learns
the cases from its workers' collection and each case's end from the reports they send (a worker's own
output is never shown). They are written in pytest's report hooks through its terminal writer, on its
thread, between cases; there is no heartbeat while a case runs, because only a second thread could write
one and it would interleave with pytest's own output.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness.pytest_plugin.attempts import FLAKY, RERUN
from harness.pytest_plugin.html_report import OUTCOME_PROPERTY
from harness.pytest_plugin.plan_run import PlanRun
from harness.pytest_plugin.progress_estimate import CaseEnd, ProgressEstimate, progress_line
from harness.pytest_plugin.recovery import is_infrastructure_error
from harness.results.case_durations import case_durations, case_key, previous_run

PLUGIN_NAME = "miot-progress"
# the worst outcome of a case's phases (setup, call, teardown) is the case's
_SEVERITY = ("passed", "skipped", FLAKY, "failed", "error")


class ProgressLines:
    """Registered as a plugin on the reporting process of a plan run (harness.pytest_plugin's configure)."""

    def __init__(self, config: pytest.Config, run: PlanRun) -> None:
        self._config = config
        self._started_s = time.monotonic()
        plan = run.record.plan
        before = (
            None
            if plan is None
            else previous_run(run.run_dir.root, plan_path=plan.path, run_id=run.run_dir.run_id)
        )
        self._previous_s = {} if before is None else case_durations(before)
        self._estimate: ProgressEstimate | None = None
        self._workers = 0
        self._cases: dict[str, tuple[str, float]] = {}  # node id -> (outcome so far, seconds so far)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._start([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self._estimate is None:  # every worker collects the same cases
            self._start(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:
        self._workers += 1

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self._workers -= 1  # a worker that crashed and is replaced counts once

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.outcome == RERUN:  # the case goes on with its next attempt
            return
        outcome, duration_s = self._cases.get(report.nodeid, ("passed", 0.0))
        phase_outcome = _outcome_of(report)
        if _SEVERITY.index(phase_outcome) > _SEVERITY.index(outcome):
            outcome = phase_outcome
        self._cases[report.nodeid] = (outcome, duration_s + report.duration)
        if report.when == "teardown":
            del self._cases[report.nodeid]
            self._write(
                CaseEnd(
                    case_id=case_key(report.nodeid), outcome=outcome, duration_s=duration_s + report.duration
                )
            )

    def _start(self, node_ids: list[str]) -> None:
        self._estimate = ProgressEstimate([case_key(n) for n in node_ids], previous_s=self._previous_s)

    def _write(self, end: CaseEnd) -> None:
        reporter = self._config.pluginmanager.get_plugin("terminalreporter")
        if self._estimate is None or reporter is None:
            return
        self._estimate.finish(end.case_id, duration_s=end.duration_s, is_timed=end.outcome != "skipped")
        elapsed_s = time.monotonic() - self._started_s
        # ensure_newline ends a line only after a file's name; the xdist controller's result letters
        # have none before them, so the writer's column says whether a line is still open
        reporter.ensure_newline()
        if reporter._tw.width_of_current_line > 0:
            reporter.write("\n")
        reporter.write_line(
            progress_line(self._estimate, end, elapsed_s=elapsed_s, workers=max(self._workers, 1))
        )


def _outcome_of(report: pytest.TestReport) -> str:
    if (OUTCOME_PROPERTY, FLAKY) in report.user_properties:
        return FLAKY
    if report.skipped:
        return "skipped"
    if report.failed:
        return "failed" if report.when == "call" and not is_infrastructure_error(report) else "error"
    return "passed"


def start_progress(config: pytest.Config, run: PlanRun) -> None:
    """Show the lines on this process: call it on the reporting one, never on an xdist worker (its output
    goes nowhere)."""
    config.pluginmanager.register(ProgressLines(config, run), PLUGIN_NAME)
