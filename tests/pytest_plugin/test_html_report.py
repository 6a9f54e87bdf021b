"""What the pytest-html report and the JUnit file show for plan cases (harness/pytest_plugin/html_report.py
and the output paths the plugin sets), through pytest runs in pytester."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from .plan_tester import PlanTester

PLAN = """
    [[case]]
    id = "good"
    test = "test_fixed"
    modules = ["nb-a"]
    params = { rtt_ms = 50.0 }
    limits.rtt_p95_ms = { high = 200 }

    [[case]]
    id = "bad"
    test = "test_fixed"
    modules = ["cat-a"]
    params = { rtt_ms = 500.0 }
    limits.rtt_p95_ms = { high = 200 }
"""

TESTS = """
    def test_fixed(case, kpis):
        kpis.record("rtt_p95_ms", case.spec["rtt_ms"], n_samples=50)
"""


def report_tests(report: Path) -> dict[str, list[dict[str, Any]]]:
    """The per-test entries pytest-html 4 keeps as JSON in the report's data container, by node id."""
    blob = re.search(r'data-jsonblob="([^"]*)"', report.read_text(encoding="utf-8"))
    assert blob is not None, f"{report} has no pytest-html data container"
    tests: dict[str, list[dict[str, Any]]] = json.loads(html.unescape(blob[1]))["tests"]
    return tests


def table_row(tests: dict[str, list[dict[str, Any]]], case_id: str) -> list[str]:
    (entry,) = tests[f"test_procedures.py::test_fixed[{case_id}]"]
    row: list[str] = entry["resultsTableRow"]
    return row


def test_report_html_lands_in_the_run_directory_with_module_and_outcome_columns(
    plan_tester: PlanTester,
) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    plan_tester.run().assert_outcomes(passed=1, failed=1)

    report = plan_tester.run_dir.report_html
    text = report.read_text(encoding="utf-8")
    header = text[text.index('<thead id="results-table-head">') : text.index("</thead>")]
    assert "<th>Module</th>" in header
    assert ">KPI outcome</th>" in header
    tests = report_tests(report)
    good, bad = table_row(tests, "good@nb-a"), table_row(tests, "bad@cat-a")
    assert "<td>nb-a</td>" in good
    assert '<td class="miot-pass">pass</td>' in good
    assert "<td>cat-a</td>" in bad
    assert '<td class="miot-fail">fail</td>' in bad
    # the columns sit where the header put them: after Result and Test
    assert good.index("<td>nb-a</td>") == 2


def test_the_kpi_table_is_an_extra_of_each_case(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)
    plan_tester.run()

    (entry,) = report_tests(plan_tester.run_dir.report_html)["test_procedures.py::test_fixed[bad@cat-a]"]
    contents = [extra["content"] for extra in entry["extras"]]
    assert any("rtt_p95_ms" in content and "above high 200 ms" in content for content in contents)


def test_junit_xml_lands_in_the_run_directory(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)
    plan_tester.run()

    cases = {
        case.get("name"): case for case in ET.parse(plan_tester.run_dir.junit_xml).getroot().iter("testcase")
    }
    assert set(cases) == {"test_fixed[good@nb-a]", "test_fixed[bad@cat-a]"}
    failure = cases["test_fixed[bad@cat-a]"].find("failure")
    assert failure is not None
    assert "rtt_p95_ms = 500 ms: fail" in (failure.get("message") or "") + (failure.text or "")
    assert cases["test_fixed[good@nb-a]"].find("failure") is None


def test_output_paths_given_by_the_user_win(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)
    report = plan_tester.pytester.path / "elsewhere" / "report.html"
    junit = plan_tester.pytester.path / "elsewhere" / "junit.xml"

    plan_tester.run(f"--html={report}", f"--junitxml={junit}")

    assert report.is_file()
    assert junit.is_file()
    assert not plan_tester.run_dir.report_html.exists()
    assert not plan_tester.run_dir.junit_xml.exists()


def test_a_plan_run_works_without_pytest_html(plan_tester: PlanTester) -> None:
    """`-p no:html` is how a user drops the report (e.g. to save time in CI); the run must still work."""
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    result = plan_tester.run("-p", "no:html")

    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1, failed=1)
    assert not plan_tester.run_dir.report_html.exists()
    assert plan_tester.run_dir.junit_xml.is_file()


def test_a_plan_run_works_without_junitxml(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    result = plan_tester.run("-p", "no:junitxml")

    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1, failed=1)
    assert plan_tester.run_dir.report_html.is_file()


def test_each_case_shows_the_plots_it_has_data_for_as_images_with_ids(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests("""
        import pandas as pd

        def test_fixed(case, kpis, evidence):
            kpis.record("rtt_p95_ms", case.spec["rtt_ms"], n_samples=50)
            if case.module.id == "nb-a":
                echo = {"t_s": [0.0, 1.0, 2.0], "rtt_ms": [900.0, 50.0, 60.0]}
                evidence.write_samples("udp_echo", pd.DataFrame(echo).assign(is_warmup=[True, False, False]))
                series = {"t_s": [0.0, 1.0], "goodput_kbps": [5.0, 6.0]}
                evidence.write_samples("iperf3", pd.DataFrame(series))
    """)
    plan_tester.run().assert_outcomes(passed=1, failed=1)

    tests = report_tests(plan_tester.run_dir.report_html)
    (good,) = tests["test_procedures.py::test_fixed[good@nb-a]"]
    (bad,) = tests["test_procedures.py::test_fixed[bad@cat-a]"]
    images = [re.findall(r'<img id="([^"]+)"', extra["content"]) for extra in good["extras"]]
    assert [ids for ids in images if ids] == [["good-nb-a-rtt-cdf"], ["good-nb-a-goodput-series"]]
    assert all(extra["format_type"] == "html" for extra in good["extras"])
    assert 'src="data:image/png;base64,iVBORw0KGgo' in "".join(extra["content"] for extra in good["extras"])
    assert "<img" not in "".join(extra["content"] for extra in bad["extras"])
