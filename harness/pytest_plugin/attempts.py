"""glue layer: how a plan case runs, once or, for a radio-flaky case, again after a failure (issue 8 item 5).

A case with `retries = N` in the plan runs up to N more times while it fails (the module's own failure:
KPIs out of limits or a body error; never a rig error, which recovery reports, nor a skip). Every attempt
is kept: attempt k > 1 is its own test id, `<test id>=retry<k-1>`, with its own directory, case.json,
at.log, samples and measurements.csv rows, so a failed attempt's evidence stays beside the one that
passed. The failed attempts are reported as RERUN; a case that passed only on a retry is FLAKY, counted so
in run.json and case.json: never a silent pass. A case that fails every attempt fails.

pytest's own protocol (setup, call, teardown, one report each) runs each attempt; only the reporting is
decided here, after the attempt, so the reports of a failed attempt can be marked before anyone sees them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from _pytest.runner import runtestprotocol

from harness.pytest_plugin import case_state, workers
from harness.pytest_plugin.cases import CASE_ARG, CaseRun
from harness.pytest_plugin.html_report import OUTCOME_PROPERTY
from harness.pytest_plugin.plan_run import PlanRun
from harness.pytest_plugin.recovery import is_infrastructure_error

RERUN = "rerun"
FLAKY = "flaky"
_RETRY_SUFFIX = "=retry"


def attempt_test_id(test_id: str, attempt: int) -> str:
    """`echo@nb-a` for the first attempt, `echo@nb-a=retry1` for the second, and so on."""
    return test_id if attempt == 1 else f"{test_id}{_RETRY_SUFFIX}{attempt - 1}"


def run_case(item: pytest.Item, nextitem: pytest.Item | None, run: PlanRun, case: CaseRun) -> None:
    """Run the case's attempts and log their reports (the work of pytest_runtest_protocol)."""
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    attempts = case.case.retries + 1
    for attempt in range(1, attempts + 1):
        this_try = replace(case, test_id=attempt_test_id(case.test_id, attempt))
        is_last_try = attempt == attempts
        _begin_attempt(item, this_try)
        with case_state.recorded(item, run, this_try):
            # an attempt that may be retried tears down the test alone: the module and session fixtures
            # stay up for the next attempt (teardown_exact keeps what its argument's chain shares)
            upto = nextitem if is_last_try else item.parent
            reports = runtestprotocol(item, nextitem=upto, log=False)  # type: ignore[arg-type]
            is_retried = not is_last_try and _is_retryable(reports)
            if is_retried:
                _mark(reports, RERUN)
                case_state.note_outcome(item, RERUN)
            elif attempt > 1 and not any(r.failed for r in reports):
                _mark(reports, FLAKY)
                case_state.note_outcome(item, FLAKY)
        for report in reports:
            # a retried attempt's teardown is not logged: junit.xml and the progress lines end a test at
            # its teardown, and the test goes on
            if not (is_retried and report.when == "teardown"):
                item.ihook.pytest_runtest_logreport(report=report)
        if not is_retried:
            if not is_last_try:
                item.session._setupstate.teardown_exact(nextitem)  # what the last try's teardown would do
            break
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


def teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    """How the terminal shows an attempt that will be retried, and a case that passed only on a retry."""
    if report.outcome == RERUN:
        return RERUN, "R", "RERUN"
    if report.when == "call" and (OUTCOME_PROPERTY, FLAKY) in report.user_properties:
        return FLAKY, "K", "FLAKY"
    return None


def _begin_attempt(item: pytest.Item, this_try: CaseRun) -> None:
    """A fresh start for the next attempt: its own case (test id), and nothing left of the last one's."""
    item.callspec.params[CASE_ARG] = this_try  # type: ignore[attr-defined]  # a parametrised plan item
    item.stash = pytest.Stash()
    item.user_properties = []


def _is_retryable(reports: list[pytest.TestReport]) -> bool:
    """Only the module's own failure of the test body: not a setup error, a skip or a rig fault."""
    return any(r.when == "call" and r.failed and not is_infrastructure_error(r) for r in reports)


def _mark(reports: list[pytest.TestReport], outcome: str) -> None:
    for report in reports:
        properties = [(k, v) for k, v in report.user_properties if k != workers.COUNTED_PROPERTY]
        if outcome == RERUN:
            if report.failed:
                report.outcome = RERUN  # type: ignore[assignment]  # neither passed nor failed: retried
        elif report.when == "call":
            properties = [(k, v) for k, v in properties if k != OUTCOME_PROPERTY]
            properties += [(OUTCOME_PROPERTY, FLAKY), (workers.COUNTED_PROPERTY, FLAKY)]
        elif report.when == "teardown":  # what junit.xml shows of the test
            properties += [(OUTCOME_PROPERTY, FLAKY)]
        report.user_properties = properties
