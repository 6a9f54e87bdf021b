"""Live progress of a plan run (harness/pytest_plugin/progress.py) as `miot run` shows it: one line as each
case ends, with its outcome and duration, the time elapsed and the estimate of the time left saying how it
was made; from the previous run of the same plan when the results root has one; "unknown" with nothing to
go by; and under pytest-xdist, the controller's lines, the estimate shared over its workers."""

from __future__ import annotations

import re

import pytest

from .plan_tester import PlanTester

RIG = """
    [[module]]
    id = "nb-a"
    port = "loop://"
    rat = "nbiot"
"""
PLAN = """
    [[case]]
    id = "first"
    test = "test_first"

    [[case]]
    id = "second"
    test = "test_second"

    [[case]]
    id = "third"
    test = "test_third"
"""
TESTS = """
    import time

    import pytest


    def test_first(case):
        time.sleep(0.2)


    def test_second(case):
        pytest.fail("on purpose")


    def test_third(case):
        pytest.skip("on purpose")
"""
LINE = re.compile(r"^miot: \[(\d+)/(\d+)\] (\S+) (\w+) in \d+ s; [\d a-z]+ elapsed, (.+)$")


def progress_lines(result: pytest.RunResult) -> list[tuple[str, str, str, str]]:
    """(count, case, outcome, estimate) of every progress line."""
    matches = [LINE.match(line) for line in result.outlines]
    return [(f"{m[1]}/{m[2]}", m[3], m[4], m[5]) for m in matches if m]


def test_a_line_per_case_with_its_outcome_and_the_time_left(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    result = plan_tester.run()

    result.assert_outcomes(passed=1, failed=1, skipped=1)
    lines = progress_lines(result)
    assert [line[:3] for line in lines] == [
        ("1/3", "first@nb-a", "passed"),
        ("2/3", "second@nb-a", "failed"),
        ("3/3", "third@nb-a", "skipped"),
    ], result.outlines
    assert lines[0][3] == "under 5 s left (mean of 1 finished, 0 s, for 2)", lines
    assert lines[1][3].endswith("(mean of 2 finished, 0 s, for 1)"), lines
    assert lines[2][3] == "all cases done"


def test_the_previous_run_of_the_plan_gives_each_case_its_time(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)
    plan_tester.run(run_id="run-0")

    result = plan_tester.run(run_id="run-1")

    assert progress_lines(result)[0][3] == "under 5 s left (previous run's times for 2)"


def test_with_nothing_to_go_by_the_time_left_is_unknown(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS.replace("time.sleep(0.2)", 'pytest.skip("a skip takes no time")'))

    result = plan_tester.run()

    first = progress_lines(result)[0]
    assert first[:3] == ("1/3", "first@nb-a", "skipped")
    assert first[3] == "time left unknown (no finished case nor previous run to go by for 2)"


def test_the_xdist_controller_prints_the_lines_over_its_workers(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    result = plan_tester.run("-n", "2")

    lines = progress_lines(result)
    assert [line[0] for line in lines] == ["1/3", "2/3", "3/3"], result.outlines
    assert "over 2 workers" in lines[0][3] or lines[0][3].startswith("time left unknown"), lines
    assert lines[-1][3] == "all cases done"
