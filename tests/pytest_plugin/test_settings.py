"""The plugin's settings (harness/pytest_plugin/settings.py): when a run is a plan run, and which plan wins
(STYLE 9: command line > environment > ini > default), through pytest runs in pytester."""

from __future__ import annotations

import pytest

from .plan_tester import PlanTester

TIERS = ("option", "env", "ini", "default")
PLAN_OF_TIER = {
    "option": "plans/option.toml",
    "env": "plans/env.toml",
    "ini": "plans/ini.toml",
    "default": "testplans/smoke.toml",  # settings.DEFAULT_PLAN
}
PROCEDURES = """
    def test_fixed(case):
        pass
"""


def test_a_plain_run_is_untouched(pytester: pytest.Pytester) -> None:
    """No --plan, no MIOT_PLAN, no testplans/: the plugin stays out of the way and writes nothing."""
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    assert not (pytester.path / "results").exists()
    assert "miot:" not in result.stdout.str()


def test_pointing_pytest_at_testplans_makes_a_plan_run(plan_tester: PlanTester) -> None:
    pytester = plan_tester.pytester
    pytester.makeini("[pytest]\n")
    plan_tester.plan_path = pytester.path / PLAN_OF_TIER["default"]
    plan_tester.write_plan('[[case]]\nid = "fixed"\ntest = "test_fixed"\nmodules = ["nb-a"]\n')
    plan_tester.tests_path = pytester.path / "testplans" / "test_procedures.py"
    plan_tester.write_tests(PROCEDURES)

    result = pytester.runpytest("testplans", f"--rig={plan_tester.rig_path}", "--results=results")

    result.assert_outcomes(passed=1)
    assert (pytester.path / "results" / "latest" / "measurements.csv").is_file()


@pytest.mark.parametrize("winner", TIERS)
def test_the_plan_setting_follows_one_precedence_order(
    plan_tester: PlanTester, monkeypatch: pytest.MonkeyPatch, winner: str
) -> None:
    """Every tier from `winner` down is set; the plan of `winner` is the one that runs. Paths are relative
    to the rootdir (the ini file's directory)."""
    pytester = plan_tester.pytester
    for tier, relative in PLAN_OF_TIER.items():
        plan_tester.plan_path = pytester.path / relative
        plan_tester.write_plan(f'[[case]]\nid = "from-{tier}"\ntest = "test_fixed"\nmodules = ["nb-a"]\n')
    plan_tester.tests_path = pytester.path / "testplans" / "test_procedures.py"
    plan_tester.write_tests(PROCEDURES)
    active = TIERS[TIERS.index(winner) :]
    pytester.makeini("[pytest]\n" + (f"miot_plan = {PLAN_OF_TIER['ini']}\n" if "ini" in active else ""))
    if "env" in active:
        monkeypatch.setenv("MIOT_PLAN", PLAN_OF_TIER["env"])
    option = [f"--plan={PLAN_OF_TIER['option']}"] if "option" in active else []

    result = pytester.runpytest(
        "testplans", *option, f"--rig={plan_tester.rig_path}", "--results=results", "-v"
    )

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*test_fixed[[]from-{winner}@nb-a[]] PASSED*"])


def test_results_and_run_id_come_from_the_environment_too(
    plan_tester: PlanTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_tester.write_plan('[[case]]\nid = "fixed"\ntest = "test_fixed"\nmodules = ["nb-a"]\n')
    plan_tester.write_tests(PROCEDURES)
    monkeypatch.setenv("MIOT_RESULTS", "env-results")
    monkeypatch.setenv("MIOT_RUN_ID", "env-run")

    result = plan_tester.pytester.runpytest(
        str(plan_tester.tests_path), f"--rig={plan_tester.rig_path}", f"--plan={plan_tester.plan_path}"
    )

    result.assert_outcomes(passed=1)
    assert (plan_tester.pytester.path / "env-results" / "env-run" / "run.json").is_file()


@pytest.mark.parametrize("is_rig_given", [False, True])
def test_a_plans_own_rig_is_used_when_no_rig_is_set(
    plan_tester: PlanTester, monkeypatch: pytest.MonkeyPatch, is_rig_given: bool
) -> None:
    """`[plan] rig` sits just above the default: any rig set (here MIOT_RIG) still wins over it."""
    pytester = plan_tester.pytester
    plan_tester.rig_path = pytester.path / "rigs" / "own.toml"
    plan_tester.write_rig('[[module]]\nid = "own-a"\nport = "virtual://bc660k"\nrat = "nbiot"\n')
    plan_tester.rig_path = pytester.path / "set.toml"
    plan_tester.write_rig('[[module]]\nid = "set-a"\nport = "virtual://bc660k"\nrat = "nbiot"\n')
    plan_tester.write_plan('rig = "rigs/own.toml"\n\n[[case]]\nid = "fixed"\ntest = "test_fixed"\n')
    plan_tester.write_tests(PROCEDURES)
    if is_rig_given:
        monkeypatch.setenv("MIOT_RIG", str(plan_tester.rig_path))

    result = pytester.runpytest(
        str(plan_tester.tests_path), f"--plan={plan_tester.plan_path}", "--results=results", "--collect-only"
    )

    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines([f"*test_fixed[[]fixed@{'set-a' if is_rig_given else 'own-a'}[]]*"])
