"""Plan cases become test items (harness/pytest_plugin/cases.py), seen through pytest runs in pytester."""

from __future__ import annotations

import pytest

from .plan_tester import PlanTester

FIXED_TEST = """
    def test_fixed(case, kpis):
        kpis.record("rtt_p95_ms", 123.0, n_samples=50)
"""

SPEC_TESTS = """
    from dataclasses import dataclass, field

    import pytest


    @dataclass(frozen=True, slots=True, kw_only=True)
    class EchoSpec:
        probes: int = field(metadata={"min": 1})
        interval_s: float = 1.0


    @pytest.mark.procedure(spec=EchoSpec)
    def test_echo(case):
        assert isinstance(case.spec, EchoSpec)
        assert case.spec == EchoSpec(probes=5, interval_s=0.5)


    def test_raw(case):
        assert dict(case.spec) == {"anything": "goes"}
"""


def test_one_item_per_case_module_and_iteration(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"
        repeat = 2
    """)
    plan_tester.write_tests(FIXED_TEST)

    ids = plan_tester.collected_ids()

    assert ids == [
        "fixed@nb-a",
        "fixed@nb-a+2",
        "fixed@nb-b",
        "fixed@nb-b+2",
        "fixed@cat-a",
        "fixed@cat-a+2",
    ]


def test_iterations_reach_the_results(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"
        modules = ["nb-a"]
        repeat = 3
    """)
    plan_tester.write_tests(FIXED_TEST)

    plan_tester.run().assert_outcomes(passed=3)

    rows = plan_tester.measurements()
    assert rows["test_id"].tolist() == ["fixed@nb-a", "fixed@nb-a+2", "fixed@nb-a+3"]
    assert rows["iteration"].tolist() == [1, 2, 3]


def test_modules_and_rats_select_the_modules(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "by-id"
        test = "test_fixed"
        modules = ["nb-b"]

        [[case]]
        id = "by-rat"
        test = "test_fixed"
        rats = ["cat1"]

        [[case]]
        id = "by-both"
        test = "test_fixed"
        modules = ["nb-a", "cat-a"]
        rats = ["nbiot"]
    """)
    plan_tester.write_tests(FIXED_TEST)

    assert plan_tester.collected_ids() == ["by-id@nb-b", "by-rat@cat-a", "by-both@nb-a"]


@pytest.mark.parametrize(
    ("marker", "expected"),
    [("nbiot", ["fixed@nb-a", "fixed@nb-b"]), ("cat1", ["fixed@cat-a"]), ("not nbiot", ["fixed@cat-a"])],
)
def test_rat_markers_select_items_with_dash_m(
    plan_tester: PlanTester, marker: str, expected: list[str]
) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"
    """)
    plan_tester.write_tests(FIXED_TEST)

    # --strict-markers: the RAT markers are registered by the plugin, not merely tolerated
    assert plan_tester.collected_ids("--strict-markers", "-m", marker) == expected


def test_a_function_without_a_case_is_deselected_not_skipped(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"
        modules = ["nb-a"]
    """)
    plan_tester.write_tests(
        FIXED_TEST
        + """
    def test_no_case_in_this_plan(case):
        raise AssertionError("must not run")

    def test_plain():
        pass
    """
    )

    result = plan_tester.run()

    result.assert_outcomes(passed=2, deselected=1)
    assert "no-plan-case" not in result.stdout.str()


def test_a_case_naming_a_missing_test_is_a_usage_error(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"

        [[case]]
        id = "typo"
        test = "test_fixd"
    """)
    plan_tester.write_tests(FIXED_TEST)

    result = plan_tester.run()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.lines
    assert [line for line in errors if "case[" in line] == [
        f"ERROR: {plan_tester.plan_path}: case[1].test: no test function test_fixd was found"
    ]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_deselecting_with_dash_k_is_not_a_missing_test(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"
        modules = ["nb-a"]
    """)
    plan_tester.write_tests(FIXED_TEST + "\n    def test_plain():\n        pass\n")

    result = plan_tester.run("-k", "test_plain")

    result.assert_outcomes(passed=1, deselected=1)


def test_the_procedure_spec_reaches_the_test_as_case_spec(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "echo"
        test = "test_echo"
        modules = ["nb-a"]
        params = { probes = 5, interval_s = 0.5 }

        [[case]]
        id = "raw"
        test = "test_raw"
        modules = ["nb-a"]
        params = { anything = "goes" }
    """)
    plan_tester.write_tests(SPEC_TESTS)

    plan_tester.run().assert_outcomes(passed=2)


def test_bad_params_are_a_usage_error_naming_each_key(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "zero"
        test = "test_echo"
        params = { probes = 0 }

        [[case]]
        id = "typo"
        test = "test_echo"
        params = { probes = 5, intervall_s = 0.5 }
    """)
    plan_tester.write_tests(SPEC_TESTS)

    result = plan_tester.run()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stderr.str()
    plan = plan_tester.plan_path
    assert f"{plan}: case[0].params.probes: expected an integer >= 1, got 0 (an integer)" in output
    assert f"{plan}: case[1].params.intervall_s: unknown key (did you mean interval_s?)" in output
    assert "Traceback" not in output + result.stdout.str()
    result.assert_outcomes()  # nothing ran
