"""Friendliness KPIs in a plan run (pytester): a case that limits them gets them from its own at.log after
the body, whatever its procedure; a module in a retry storm fails them, a compliant one passes; a case
that does not ask pays nothing."""

from __future__ import annotations

# Imported before any in-process run, as in test_access_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from .plan_tester import PlanTester

# The bring-up registers (reject.after=1); every attempt after it is refused with #17 and retried. Timers at
# 1/100: T3411 0.1 s, T3402 7.2 s, "an hour" 36 s.
PORT = "virtual://bc660k?ce=0&attach_s=0.05&timer_scale=0.01&reject=17&reject.after=1"
RIG = f"""
    [[module]]
    id = "nb-good"
    port = "{PORT}"
    rat = "nbiot"

    [[module]]
    id = "nb-storm"
    port = "{PORT}&backoff=storm"
    rat = "nbiot"
"""
PLAN = """
    [[case]]
    id = "attach"
    test = "test_attach"
    params = { cycles = 1, off_s = 0.05, attempt_timeout_s = 2.0 }
    limits.attach_attempts_per_hour_count = { high = 24, source = "indicators.md §5.1 (D)" }
    limits.retry_backoff_violation_count = { high = 0, source = "indicators.md §1.5 (P)" }

    [[case]]
    id = "plain"
    test = "test_attach"
    modules = ["nb-good"]
    params = { cycles = 1, off_s = 0.05, attempt_timeout_s = 0.5 }
"""


def test_a_retry_storm_fails_the_friendliness_limits_and_a_compliant_module_passes(
    plan_tester: PlanTester,
) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run()

    result.assert_outcomes(passed=2, failed=1)
    rows = plan_tester.measurements().set_index(["case_id", "module_id", "metric"])
    assert rows.loc[("attach", "nb-good", "attach_attempts_per_hour_count"), "outcome"] == "pass"
    assert rows.loc[("attach", "nb-good", "retry_backoff_violation_count"), "value"] == 0
    assert rows.loc[("attach", "nb-storm", "attach_attempts_per_hour_count"), "outcome"] == "fail"
    assert rows.loc[("attach", "nb-storm", "retry_backoff_violation_count"), "outcome"] == "fail"
    plain = plan_tester.measurements().query("case_id == 'plain'")
    assert "attach_attempts_per_hour_count" not in set(plain["metric"])
