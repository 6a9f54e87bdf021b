"""KPIs judged after the test body (harness/pytest_plugin/verdicts.py): outcomes, failure messages and the
measurements.csv rows, through pytest runs in pytester with fixed recorded values (no module involved)."""

from __future__ import annotations

import pytest

from harness.results import COLUMNS

from .plan_tester import RUN_ID, PlanTester

# One case per outcome, all on nb-a; the test function records what its case id asks for.
CASES = """
    [[case]]
    id = "{case_id}"
    test = "test_recording"
    modules = ["nb-a"]
    limits.rtt_p95_ms = {{ high = 200, marginal_high = 100, source = "judgement" }}
    limits.loss_pct = {{ high = 1 }}
    limits.attach_time_s = {{ low = 0, high = 60 }}
"""

RECORDING_TEST = """
    import pytest

    VALUES = {
        "pass": {"rtt_p95_ms": (50.0, 40), "loss_pct": (0.0, 40), "attach_time_s": (3.0, None)},
        "marginal": {"rtt_p95_ms": (150.0, 40), "loss_pct": (0.0, 40), "attach_time_s": (3.0, None)},
        "violated": {"rtt_p95_ms": (500.0, 40), "loss_pct": (5.0, 40)},
        "missing": {"rtt_p95_ms": (50.0, 40), "loss_pct": (0.0, 40)},
        "unchecked": {"rtt_p95_ms": (500.0, 5), "loss_pct": (0.0, 5), "attach_time_s": (3.0, None)},
        "crash": {"rtt_p95_ms": (50.0, 40)},
        "skip": {},
        "extra": {"rtt_p95_ms": (50.0, 40), "loss_pct": (0.0, 40), "attach_time_s": (3.0, None),
                  "rsrp_dbm": (-100.0, None)},
    }


    def test_recording(case, kpis):
        for metric, (value, n_samples) in VALUES[case.id].items():
            kpis.record(metric, value, n_samples=n_samples)
        if case.id == "crash":
            raise RuntimeError("the module stopped answering")
        if case.id == "skip":
            pytest.skip("no coverage at this site")
"""


def run_case(plan_tester: PlanTester, case_id: str) -> pytest.RunResult:
    plan_tester.write_plan(CASES.format(case_id=case_id))
    plan_tester.write_tests(RECORDING_TEST)
    return plan_tester.run()


def outcomes_by_metric(plan_tester: PlanTester) -> dict[str, str]:
    rows = plan_tester.measurements()
    return dict(zip(rows["metric"], rows["outcome"].astype(str), strict=True))


def test_within_limits_passes(plan_tester: PlanTester) -> None:
    run_case(plan_tester, "pass").assert_outcomes(passed=1)

    assert outcomes_by_metric(plan_tester) == {
        "rtt_p95_ms": "pass",
        "loss_pct": "pass",
        "attach_time_s": "pass",
    }


def test_marginal_passes_with_outcome_marginal(plan_tester: PlanTester) -> None:
    run_case(plan_tester, "marginal").assert_outcomes(passed=1)

    assert outcomes_by_metric(plan_tester)["rtt_p95_ms"] == "marginal"
    assert plan_tester.run_record().outcome_counts == {"marginal": 1}


def test_a_failure_lists_every_violated_metric_at_once(plan_tester: PlanTester) -> None:
    result = run_case(plan_tester, "violated")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "KPI limits not met:",
            "rtt_p95_ms = 500 ms: fail (above high 200 ms)",
            "loss_pct = 5 %: fail (above high 1 %)",
            "attach_time_s = —: missing (declared in the plan but not recorded)",
        ],
        consecutive=True,
    )
    # pytrace=False: the verdict is the message, not a traceback into the plugin
    assert "harness/pytest_plugin" not in result.stdout.str()
    assert outcomes_by_metric(plan_tester) == {
        "rtt_p95_ms": "fail",
        "loss_pct": "fail",
        "attach_time_s": "missing",
    }


def test_a_limit_never_recorded_fails_as_missing(plan_tester: PlanTester) -> None:
    result = run_case(plan_tester, "missing")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*attach_time_s = —: missing (declared in the plan but not recorded)*"])
    rows = plan_tester.measurements().set_index("metric")
    assert rows.loc["attach_time_s", "outcome"] == "missing"
    assert rows.loc[["attach_time_s"], "value"].isna().all()
    assert plan_tester.run_record().outcome_counts == {"missing": 1}


def test_a_percentile_of_too_few_samples_is_unchecked_and_passes(plan_tester: PlanTester) -> None:
    # 500 ms is above `high`, but a p95 of 5 samples cannot be judged (indicators.md §5 (J): p95 needs 20)
    run_case(plan_tester, "unchecked").assert_outcomes(passed=1)

    outcomes = outcomes_by_metric(plan_tester)
    assert outcomes["rtt_p95_ms"] == "unchecked"
    assert outcomes["attach_time_s"] == "pass"
    assert plan_tester.run_record().outcome_counts == {"unchecked": 1}


def test_a_metric_without_a_limit_is_written_but_does_not_judge_the_case(plan_tester: PlanTester) -> None:
    run_case(plan_tester, "extra").assert_outcomes(passed=1)

    rows = plan_tester.measurements().set_index("metric")
    assert rows.loc["rsrp_dbm", "value"] == -100.0
    assert rows.loc["rsrp_dbm", "outcome"] == "unchecked"
    assert plan_tester.run_record().outcome_counts == {"pass": 1}


def test_a_failing_body_still_writes_what_it_recorded(plan_tester: PlanTester) -> None:
    result = run_case(plan_tester, "crash")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: the module stopped answering*"])
    rows = plan_tester.measurements().set_index("metric")
    assert rows.loc["rtt_p95_ms", "value"] == 50.0
    assert set(rows.index) == {"rtt_p95_ms", "loss_pct", "attach_time_s"}
    assert plan_tester.run_record().outcome_counts == {"fail": 1}


def test_a_skip_in_the_body_counts_as_skipped_and_judges_nothing(plan_tester: PlanTester) -> None:
    run_case(plan_tester, "skip").assert_outcomes(skipped=1)

    assert plan_tester.run_record().outcome_counts == {"skipped": 1}
    csv = plan_tester.run_dir.measurements_csv
    assert not csv.exists() or plan_tester.measurements().empty


def test_the_recorded_rows_of_a_failing_body_have_outcome_fail(plan_tester: PlanTester) -> None:
    # A value recorded before the body failed must not read as a pass when measurements.csv is aggregated.
    run_case(plan_tester, "crash")

    rows = plan_tester.measurements().set_index("metric")
    assert rows.loc["rtt_p95_ms", "outcome"] == "fail"


def test_measurement_rows_carry_the_case_and_module(plan_tester: PlanTester) -> None:
    plan_tester.write_plan("""
        [[case]]
        id = "fixed"
        test = "test_fixed"
        rats = ["nbiot"]
        repeat = 2
        limits.rtt_p95_ms = { low = 1, high = 200, marginal_low = 2, marginal_high = 100 }
    """)
    plan_tester.write_tests("""
        def test_fixed(case, kpis):
            kpis.record("rtt_p95_ms", 50.0, n_samples=20)
    """)

    plan_tester.run().assert_outcomes(passed=4)

    rows = plan_tester.measurements()
    assert tuple(rows.columns) == COLUMNS
    assert rows["test_id"].tolist() == ["fixed@nb-a", "fixed@nb-a+2", "fixed@nb-b", "fixed@nb-b+2"]
    assert rows["iteration"].tolist() == [1, 2, 1, 2]
    assert rows["module_id"].tolist() == ["nb-a", "nb-a", "nb-b", "nb-b"]
    assert set(rows["run_id"]) == {RUN_ID}
    assert set(rows["case_id"]) == {"fixed"}
    assert set(rows["rat"]) == {"nbiot"}
    # the operator comes from the module's SIM, which only nb-a declares
    assert rows["operator"].tolist()[:2] == ["00101", "00101"]
    assert rows["operator"].isna().tolist()[2:] == [True, True]
    first = rows.iloc[0]
    assert (first["metric"], first["value"], first["unit"]) == ("rtt_p95_ms", 50.0, "ms")
    limits = (first["low"], first["high"], first["marginal_low"], first["marginal_high"])
    assert limits == (1.0, 200.0, 2.0, 100.0)
    assert rows["recorded_utc"].notna().all()
