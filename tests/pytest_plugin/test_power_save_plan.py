"""The power-save procedure (testplans/test_power_save.py) run as a plan, in pytester: the case writes
power.parquet, its state segments and its KPIs, judged against the plan's limits; a network that refuses
PSM fails them."""

from __future__ import annotations

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas as pd
import pandas.core.arrays.arrow.extension_types

from harness.results import read_samples

from .plan_tester import PlanTester

RIG = """
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&attach_s=0&delay_ms=5&jitter_ms=0&rrc_setup_ms=50&timer_scale=0.1"
    rat = "nbiot"
    [module.sim]
    operator = "00101"

    [[power]]
    id = "rail"
    analyzer = "virtual"
    channels = { nb-a = 1 }
"""
PLAN = """
    [[case]]
    id = "psm"
    test = "test_power_save"
    params.active_time_s = 20
    params.periodic_tau_s = 600
    params.timer_scale = 0.1
    params.paging_cycle_s = 0.256
    params.inactivity_s = 0.3
    params.sleep_s = 10
    params.tolerance_s = 1.5
    params.off_s = 0.05
    params.event_timeout_s = 20
    params.attempt_timeout_s = 20
    limits.psm_granted_pct = { low = 100 }
    limits.psm_entry_delay_s = { low = -1, high = 1 }
    limits.sleep_current_ua = { high = 1.2 }
    limits.schedule_mismatch_count = { high = 0 }
"""


def test_the_power_save_plan_writes_trace_samples_and_kpis(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("power_save")

    result = plan_tester.run()

    result.assert_outcomes(passed=1)
    test_dir = plan_tester.run_dir.path / "tests" / "psm@nb-a"
    trace = pd.read_parquet(test_dir / "power.parquet")
    assert list(trace.columns[:2]) == ["t_s", "current_ua"]
    segments = read_samples(test_dir / "samples-power_save.parquet")
    assert {"connected", "idle", "psm"} <= set(segments["state"])
    rows = plan_tester.measurements().set_index(["case_id", "metric"])
    for metric in ("psm_granted_pct", "psm_entry_delay_s", "sleep_current_ua", "schedule_mismatch_count"):
        assert rows.loc[("psm", metric), "outcome"] == "pass", metric
    assert rows.loc[("psm", "charge_per_report_uc"), "value"] > 0
    assert rows.loc[("psm", "battery_life_estimate_years"), "value"] > 0


def test_a_network_refusing_psm_fails_the_limits(plan_tester: PlanTester) -> None:
    """psm=reject: nothing granted, so PSM is never entered: the grant fails, the PSM figures are missing."""
    plan_tester.write_rig(RIG.replace("attach_s=0", "psm=reject&attach_s=0"))
    plan_tester.write_plan(PLAN.replace("event_timeout_s = 20", "event_timeout_s = 3"))
    plan_tester.write_family("power_save")

    result = plan_tester.run()

    result.assert_outcomes(failed=1)
    rows = plan_tester.measurements().set_index(["case_id", "metric"])
    assert rows.loc[("psm", "psm_granted_pct"), "outcome"] == "fail"
    assert rows.loc[("psm", "psm_entry_delay_s"), "outcome"] == "missing"
    assert rows.loc[("psm", "sleep_current_ua"), "outcome"] == "missing"
