"""A module that hangs for good mid-case on a rig that may not reset it (reset = "none"): the case is an
ERROR saying it was not recovered, its rows stay as unchecked, the module's later case skips naming why,
and the run's other module goes on (harness.pytest_plugin.recovery)."""

from __future__ import annotations

import json

from .plan_tester import PlanTester

HANGS_FOR_GOOD = "virtual://bc660k?ce=0&attach_s=0&faults=no_response&no_response.at_s=4"
MODULES = f"""
    [[module]]
    id = "nb-hung"
    port = "{HANGS_FOR_GOOD}"
    rat = "nbiot"
    reset = {{ method = "none" }}
    [module.sim]
    operator = "00101"
    apn = "iot.test"

    [[module]]
    id = "nb-fine"
    port = "virtual://bc660k?ce=0&attach_s=0"
    rat = "nbiot"
    [module.sim]
    operator = "00101"
    apn = "iot.test"
"""
CASES = """
    [[case]]
    id = "first"
    test = "test_udp_echo"
    modules = ["nb-hung"]
    params = { probes = 12, interval_s = 0.5, timeout_s = 3.0 }
    limits.loss_pct = { high = 10, source = "test" }

    [[case]]
    id = "second"
    test = "test_udp_echo"
    params = { probes = 3, interval_s = 0.2, timeout_s = 3.0 }
    limits.loss_pct = { high = 10, source = "test" }
"""


def test_a_module_hung_for_good_errors_once_then_its_cases_skip(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(MODULES)
    plan_tester.write_plan(CASES)
    plan_tester.write_family("latency")

    result = plan_tester.run("--radio-every-s=0", "-rs")

    result.assert_outcomes(passed=1, errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            '*module nb-hung hung (no answer to AT after *); not recovered (*reset = "none"*); its later '
            "cases skip*",
            "*SKIPPED*module nb-hung bring-up failed: hung and not recovered*",
        ]
    )
    assert dict(plan_tester.run_record().outcome_counts) == {"error": 1, "skipped": 1, "pass": 1}
    rows = plan_tester.measurements()
    first = rows[rows["test_id"] == "first@nb-hung"]
    assert len(first) > 0
    assert set(first["outcome"]) == {"unchecked"}
    assert first["metric"].tolist() == ["loss_pct"]  # the limit's row stays, visibly not judged
    events = plan_tester.run_dir.events_jsonl.read_text().splitlines()
    assert [json.loads(e)["kind"] for e in events if '"module_fault"' in e] == ["hung"]
