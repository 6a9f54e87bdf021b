"""Retries of radio-flaky cases (harness/pytest_plugin/attempts.py), through pytest runs in pytester: each
attempt kept under its own test id, a pass on a retry reported FLAKY (terminal, run.json, case.json,
junit.xml), a case failing every attempt failed, and a skip or setup error never retried."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.pytest_plugin.attempts import attempt_test_id

from .plan_tester import PlanTester

# The test records the loss its case's script gives for each attempt (a file counts the attempts).
FLAKY_TEST = """
    import json, pathlib, pytest

    LOSS = {"flaky": [50.0, 0.0], "broken": [50.0, 40.0, 30.0], "steady": [0.0], "skip": [], "crash": []}


    def test_lossy(case, kpis, tmp_path_factory):
        counter = pathlib.Path(str(tmp_path_factory.getbasetemp())) / f"attempts-{case.id}"
        attempt = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(attempt))
        if case.id == "skip":
            pytest.skip("no coverage at this site")
        if case.id == "crash":
            raise RuntimeError("the module answered ERROR")
        kpis.record("loss_pct", LOSS[case.id][attempt - 1], n_samples=20)
"""
CASE = """
    [[case]]
    id = "{case_id}"
    test = "test_lossy"
    modules = ["nb-a"]
    retries = {retries}
    limits.loss_pct = {{ high = 1, source = "test" }}
"""


def run(plan_tester: PlanTester, *cases: tuple[str, int]) -> pytest.RunResult:
    plan_tester.write_plan("".join(CASE.format(case_id=c, retries=r) for c, r in cases))
    plan_tester.write_tests(FLAKY_TEST)
    return plan_tester.run("-v")


def case_outcomes(plan_tester: PlanTester) -> dict[str, str]:
    tests = plan_tester.run_dir.tests_path
    return {p.parent.name: json.loads(p.read_text())["outcome"] for p in tests.glob("*/case.json")}


def test_attempt_test_ids() -> None:
    assert attempt_test_id("echo@nb-a", 1) == "echo@nb-a"
    assert attempt_test_id("echo@nb-a+2", 3) == "echo@nb-a+2=retry2"


def test_a_pass_on_a_retry_is_flaky_and_keeps_the_failed_attempt(plan_tester: PlanTester) -> None:
    result = run(plan_tester, ("flaky", 2))

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*test_lossy[[]flaky@nb-a[]] RERUN*",
            "*test_lossy[[]flaky@nb-a[]] FLAKY*",
            "*= 1 rerun, 1 flaky in *",
        ]
    )
    assert dict(plan_tester.run_record().outcome_counts) == {"flaky": 1}
    assert case_outcomes(plan_tester) == {"flaky@nb-a": "rerun", "flaky@nb-a=retry1": "flaky"}
    rows = plan_tester.measurements()
    assert rows[["test_id", "value", "outcome"]].astype(str).values.tolist() == [
        ["flaky@nb-a", "50.0", "fail"],
        ["flaky@nb-a=retry1", "0.0", "pass"],
    ]


def test_junit_shows_one_test_with_its_flaky_outcome(plan_tester: PlanTester) -> None:
    run(plan_tester, ("flaky", 1))
    cases = ET.parse(Path(plan_tester.run_dir.junit_xml)).getroot().iter("testcase")
    [testcase] = list(cases)
    assert testcase.find("failure") is None
    properties = {p.get("name"): p.get("value") for p in testcase.iter("property")}
    assert properties["miot_outcome"] == "flaky"


def test_a_case_failing_every_attempt_fails_with_each_attempt_kept(plan_tester: PlanTester) -> None:
    result = run(plan_tester, ("broken", 2), ("steady", 2))

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    assert result.parseoutcomes()["rerun"] == 2
    assert dict(plan_tester.run_record().outcome_counts) == {"fail": 1, "pass": 1}
    assert case_outcomes(plan_tester) == {
        "broken@nb-a": "rerun",
        "broken@nb-a=retry1": "rerun",
        "broken@nb-a=retry2": "fail",
        "steady@nb-a": "pass",
    }


def test_skips_and_crashes_of_the_body_are_retried_only_when_they_fail(plan_tester: PlanTester) -> None:
    """A skip is no failure: never retried. A body that raises is the module's failure: retried."""
    result = run(plan_tester, ("skip", 2), ("crash", 1))

    result.assert_outcomes(skipped=1, failed=1)
    assert result.parseoutcomes()["rerun"] == 1
    assert case_outcomes(plan_tester) == {
        "skip@nb-a": "skipped",
        "crash@nb-a": "rerun",
        "crash@nb-a=retry1": "fail",
    }


def test_retries_are_checked_in_the_plan(plan_tester: PlanTester) -> None:
    result = run(plan_tester, ("flaky", 11))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*case[[]0[]].retries: expected an integer >= 0 and <= 10, got 11*"])
