"""junit.xml of a plan run carries each case's metrics as properties (harness/pytest_plugin/junit_report.py):
a small plan run in pytester, its junit.xml parsed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .plan_tester import PlanTester

PLAN = """
    [[case]]
    id = "echo"
    test = "test_recording"
    modules = ["nb-a"]
    limits.rtt_p95_ms = { high = 200, marginal_high = 100, source = "judgement" }
    limits.loss_pct = { high = 1 }
    limits.attach_time_s = { high = 60 }

    [[case]]
    id = "crash"
    test = "test_recording"
    modules = ["nb-b"]
    limits.rtt_p95_ms = { high = 200 }
"""

TESTS = """
    def test_recording(case, kpis):
        kpis.record("rtt_p95_ms", 150.25, n_samples=40)
        if case.id == "crash":
            raise RuntimeError("the module stopped answering")
        kpis.record("loss_pct", 2.5, n_samples=40)
        kpis.record("jitter_ms", 3.0)
"""


def properties_by_case(plan_tester: PlanTester) -> dict[str, dict[str, str]]:
    tree = ET.parse(plan_tester.run_dir.junit_xml)
    return {
        case.attrib["name"]: {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
        for case in tree.iter("testcase")
    }


def test_each_metric_is_four_properties_of_its_case(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    plan_tester.run().assert_outcomes(failed=2)

    cases = properties_by_case(plan_tester)
    echo = next(props for name, props in cases.items() if "echo@nb-a" in name)
    kpis = {name: value for name, value in echo.items() if name.startswith("miot_kpi.")}
    assert kpis == {
        "miot_kpi.rtt_p95_ms.value": "150.25",
        "miot_kpi.rtt_p95_ms.unit": "ms",
        "miot_kpi.rtt_p95_ms.outcome": "marginal",
        "miot_kpi.rtt_p95_ms.limit": "x ≤ 200; marginal above 100",
        "miot_kpi.loss_pct.value": "2.5",
        "miot_kpi.loss_pct.unit": "pct",
        "miot_kpi.loss_pct.outcome": "fail",
        "miot_kpi.loss_pct.limit": "x ≤ 1",
        "miot_kpi.jitter_ms.value": "3.0",
        "miot_kpi.jitter_ms.unit": "ms",
        "miot_kpi.jitter_ms.outcome": "unchecked",
        "miot_kpi.jitter_ms.limit": "—",
        "miot_kpi.attach_time_s.value": "",
        "miot_kpi.attach_time_s.unit": "s",
        "miot_kpi.attach_time_s.outcome": "missing",
        "miot_kpi.attach_time_s.limit": "x ≤ 60",
    }


def test_a_case_whose_body_failed_reports_its_metrics_as_failed(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    plan_tester.run("-k", "crash").assert_outcomes(failed=1)

    (crash,) = properties_by_case(plan_tester).values()
    assert crash["miot_kpi.rtt_p95_ms.value"] == "150.25"
    assert crash["miot_kpi.rtt_p95_ms.outcome"] == "fail"
