"""One plan run's shared state (harness/pytest_plugin/plan_run.py): inputs checked before anything starts,
the run directory, run.json and results/latest, through pytest runs in pytester."""

from __future__ import annotations

import os

import pytest

from harness.results import file_sha256

from .plan_tester import RUN_ID, PlanTester

PROCEDURES = """
    def test_fixed(case, kpis):
        kpis.record("rtt_p95_ms", 150.0 if case.module.id == "nb-b" else 50.0, n_samples=50)
"""
CASE = """
    [[case]]
    id = "fixed"
    test = "test_fixed"
    rats = ["nbiot"]
    limits.rtt_p95_ms = { high = 200, marginal_high = 100 }
"""


def assert_usage_error(result: pytest.RunResult, *lines: str) -> None:
    """pytest stopped before running anything, with exactly these problem lines and no traceback."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    problems = [line.removeprefix("ERROR: ") for line in result.stderr.lines if line.strip()]
    assert problems == list(lines)


def test_a_missing_plan_file_is_a_usage_error(plan_tester: PlanTester) -> None:
    plan_tester.write_tests(PROCEDURES)

    result = plan_tester.run()

    assert_usage_error(result, f"{plan_tester.plan_path}: no such file")
    assert not plan_tester.results_path.exists()


def test_a_plan_with_an_unknown_field_is_a_usage_error(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(CASE + 'colour = "blue"\n')
    plan_tester.write_tests(PROCEDURES)

    result = plan_tester.run()

    known = "conditions, description, id, limits, modules, params, rats, repeat, retries, sweep, test"
    assert_usage_error(result, f"{plan_tester.plan_path}: case[0].colour: unknown key; known keys: {known}")
    assert not plan_tester.results_path.exists()


def test_a_rig_naming_a_device_that_does_not_exist_is_a_usage_error(plan_tester: PlanTester) -> None:
    absent = "/dev/ttyUSB-miot-absent"
    assert not os.path.exists(absent)
    plan_tester.write_rig(f'[[module]]\nid = "nb-a"\nport = "{absent}"\nrat = "nbiot"\n')
    plan_tester.write_plan(CASE)
    plan_tester.write_tests(PROCEDURES)

    result = plan_tester.run()

    assert_usage_error(result, f"{plan_tester.rig_path}: module[0].port: {absent} does not exist")
    assert not plan_tester.results_path.exists()


def test_a_plan_naming_a_module_the_rig_lacks_is_a_usage_error(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(CASE.replace('rats = ["nbiot"]', 'modules = ["nb-z"]'))
    plan_tester.write_tests(PROCEDURES)

    result = plan_tester.run()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = f"{plan_tester.plan_path}: case[0].modules[0]: rig {plan_tester.rig_path} has no module 'nb-z'"
    assert expected in result.stderr.str()


def test_run_json_says_what_ran_and_how_it_ended(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(CASE)
    plan_tester.write_tests(PROCEDURES)

    plan_tester.run().assert_outcomes(passed=2)

    record = plan_tester.run_record()
    assert dict(record.outcome_counts) == {"pass": 1, "marginal": 1}
    assert record.ended_utc is not None
    assert record.ended_utc >= record.started_utc
    assert record.plan is not None
    assert record.rig is not None
    assert record.plan.sha256 == file_sha256(plan_tester.plan_path)
    assert record.rig.sha256 == file_sha256(plan_tester.rig_path)
    # no test asked for a module, so none was brought up or recorded
    assert record.modules == ()


def test_results_latest_links_the_newest_run(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(CASE)
    plan_tester.write_tests(PROCEDURES)
    plan_tester.run()
    first = plan_tester.results_path / RUN_ID

    result = plan_tester.run(run_id="run-2")

    result.assert_outcomes(passed=2)
    latest = plan_tester.results_path / "latest"
    assert latest.is_symlink()
    assert os.readlink(latest) == "run-2"
    assert (first / "run.json").is_file()


def test_a_run_id_already_used_is_a_usage_error(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(CASE)
    plan_tester.write_tests(PROCEDURES)
    plan_tester.run()
    before = plan_tester.run_dir.measurements_csv.read_bytes()

    result = plan_tester.run()

    # STYLE 9: a bad setting is reported with its source named, one line, no traceback
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "INTERNALERROR" not in result.stderr.str()
    (problem,) = [line for line in result.stderr.lines if line.strip()]
    assert "--run-id" in problem
    assert RUN_ID in problem
    assert plan_tester.run_dir.measurements_csv.read_bytes() == before


def test_an_unsafe_run_id_is_a_usage_error(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(CASE)
    plan_tester.write_tests(PROCEDURES)

    result = plan_tester.run(run_id="../escape")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "INTERNALERROR" not in result.stderr.str()
    (problem,) = [line for line in result.stderr.lines if line.strip()]
    assert "--run-id" in problem
    assert "../escape" in problem
    assert not (plan_tester.pytester.path / "escape").exists()
