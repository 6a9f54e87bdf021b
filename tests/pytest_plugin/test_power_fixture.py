"""The `power` fixture (harness/pytest_plugin/fixtures.py): the case's module's current recorded into the
test's power.parquet, or a skip naming why the rig measures none."""

from __future__ import annotations

import pandas as pd

# Imported here, before any in-process run: pytester restores sys.modules after each run, and pyarrow refuses
# to register pandas' extension types a second time when read_parquet imports them again afterwards.
import pandas.core.arrays.arrow.extension_types

from .plan_tester import PlanTester

MODULE = """
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&attach_s=0"
    rat = "nbiot"
    [module.sim]
    operator = "00101"
"""
RAIL = """
    [[power]]
    id = "rail"
    analyzer = "virtual"
    channels = { nb-a = 3 }
    sample_rate_hz = 200
"""
ONE_CASE = """
    [[case]]
    id = "sleepy"
    test = "test_current"
"""


def test_the_module_current_goes_to_the_test_power_parquet(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(MODULE + RAIL)
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        import time

        def test_current(case, power):
            assert power.analyzer.identity.channel == 3
            for _ in range(2):
                with power.record() as recording:
                    time.sleep(0.2)
                assert len(recording.trace) >= 0.15 * 200
    """)

    plan_tester.run().assert_outcomes(passed=1)

    trace = pd.read_parquet(plan_tester.run_dir.tests_path / "sleepy@nb-a" / "power.parquet")
    assert list(trace.columns) == ["t_s", "current_ua", "voltage_v"]
    assert len(trace) >= 2 * 0.15 * 200
    assert trace["t_s"].is_monotonic_increasing
    assert (trace["current_ua"] > 0).all()


def test_a_module_without_an_analyzer_channel_skips_naming_why(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(MODULE)
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        def test_current(case, power):
            raise AssertionError("never reached")
    """)

    result = plan_tester.run("-rs")

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*module nb-a: the rig measures no current for it (no ??power?? channel)*"])
