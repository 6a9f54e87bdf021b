"""Each case's state on disk while it runs (harness/pytest_plugin/case_state.py): case.json says `running`
inside the body and is replaced with the outcome and duration once the case ended, through pytest runs in
pytester (no module involved)."""

from __future__ import annotations

from datetime import timedelta

from harness.results.case_record import CaseState
from harness.results.run_reader import read_run

from .plan_tester import PlanTester

PROCEDURES = """
    import json
    import time

    import pytest

    def test_fixed(case, kpis, plan_run):
        state = json.loads((plan_run.run_dir.tests_path / case.test_id / "case.json").read_text())
        assert state["state"] == "running" and state["outcome"] is None
        time.sleep(0.2)
        kpis.record("rtt_p95_ms", 150.0 if case.module.id == "nb-b" else 50.0, n_samples=50)

    def test_skipping(case):
        pytest.skip("not today")

    @pytest.fixture
    def broken():
        raise RuntimeError("setup broke")

    def test_broken_setup(case, broken):
        pass
"""
CASES = """
    [[case]]
    id = "fixed"
    test = "test_fixed"
    rats = ["nbiot"]
    limits.rtt_p95_ms = { high = 100 }

    [[case]]
    id = "skipping"
    test = "test_skipping"
    modules = ["nb-a"]

    [[case]]
    id = "broken"
    test = "test_broken_setup"
    modules = ["nb-a"]
"""
# The body sleeps 0.2 s; setup and teardown of these cases take milliseconds, a loaded machine some more.
BODY_S = 0.2
DURATION_SLACK_S = 5.0


def test_every_case_ends_with_its_outcome_and_duration(plan_tester: PlanTester) -> None:
    plan_tester.write_tests(PROCEDURES)
    plan_tester.write_plan(CASES)

    result = plan_tester.run()

    result.assert_outcomes(passed=1, failed=1, skipped=1, errors=1)
    run = read_run(plan_tester.run_dir.path)
    assert not run.is_interrupted
    outcomes = {case.test_id: case.outcome for case in run.cases}
    assert outcomes == {
        "fixed@nb-a": "pass",
        "fixed@nb-b": "fail",
        "skipping@nb-a": "skipped",
        "broken@nb-a": "error",
    }
    assert {case.state for case in run.cases} == {CaseState.FINISHED}
    fixed = next(case for case in run.cases if case.test_id == "fixed@nb-b")
    assert (fixed.case_id, fixed.module_id, fixed.iteration) == ("fixed", "nb-b", 1)
    assert fixed.duration_s is not None
    assert BODY_S <= fixed.duration_s < BODY_S + DURATION_SLACK_S
    assert fixed.ended_utc is not None
    # duration_s is on the monotonic clock, the times on the wall clock: they agree to a few milliseconds
    clock_gap = fixed.ended_utc - fixed.started_utc - timedelta(seconds=fixed.duration_s)
    assert abs(clock_gap) < timedelta(seconds=0.1)
