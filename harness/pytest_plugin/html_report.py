"""glue layer: what the pytest-html report shows for a plan case.

Per case: its module and KPI outcome (pass, marginal, fail, unchecked, missing) as columns, and as extras
notes about its evidence (capture off, or packets dropped), the KPI table and the case's figures where it
has their data (harness.report.case_figures: RTT CDF, goodput per second, goodput vs RSRP/SINR, current
trace with state bands). The figures come from harness.report; this module only hands them to pytest-html,
each as an HTML extra holding an <img> with its PNG embedded and the id `<test id>-<figure key>` (made
[a-z0-9-]): all of a case's plots show at once, not one at a time in pytest-html's media viewer, and a
browser test finds each by id.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.pytest_plugin.verdicts import Verdict
from harness.rat import Rat

MODULE_PROPERTY = "miot_module"
OUTCOME_PROPERTY = "miot_outcome"
CAPTURE_PROPERTY = "miot_capture"
# set by harness.pytest_plugin.radio_sampling: the case's coverage class, and why its radio was not sampled
COVERAGE_PROPERTY = "miot_coverage"
RADIO_PROPERTY = "miot_radio"


def add_columns(cells: list[str]) -> None:
    cells.insert(2, "<th>Module</th>")
    cells.insert(3, "<th>KPI outcome</th>")
    cells.insert(4, "<th>Coverage</th>")


def fill_columns(report: pytest.TestReport, cells: list[str]) -> None:
    properties = dict(getattr(report, "user_properties", ()))
    module = html.escape(str(properties.get(MODULE_PROPERTY, "")))
    outcome = html.escape(str(properties.get(OUTCOME_PROPERTY, "")))
    coverage = html.escape(str(properties.get(COVERAGE_PROPERTY, "")))
    cells.insert(2, f"<td>{module}</td>")
    cells.insert(3, f'<td class="miot-{outcome}">{outcome}</td>')
    cells.insert(4, f"<td>{coverage}</td>")


def radio_notes(report: pytest.TestReport) -> list[str]:
    """What the case's report says about its radio readings (sampling off, and why)."""
    return [str(value) for name, value in getattr(report, "user_properties", ()) if name == RADIO_PROPERTY]


def coverage_property(verdict: Verdict, rat: Rat) -> tuple[str, str]:
    """The case's coverage class for the Coverage column (empty without radio KPIs)."""
    # Imported here, as in extras_for: harness.report loads matplotlib
    from harness.report.coverage_summary import coverage_label

    return COVERAGE_PROPERTY, coverage_label(rat, verdict.measurements) or ""


def extras_for(
    verdict: Verdict, test_dir: Path, title: str, notes: Sequence[str] = (), *, rat: Rat | None = None
) -> list[Any]:
    """pytest-html extras: notes about the evidence (a capture that was off or dropped packets, radio not
    sampled), the coverage of the test point, the KPI table, and the case's figures."""
    # Imported here: matplotlib and pytest-html load only when a plan case has something to show.
    from pytest_html import extras

    from harness.report import KPI_TABLE_CSS, kpi_table_html
    from harness.report.case_figures import case_figures
    from harness.report.coverage_summary import coverage_html
    from harness.report.figures import html_key

    found: list[Any] = [extras.html(_notes_html(notes))] if notes else []
    coverage = None if rat is None else coverage_html(rat, verdict.measurements)
    if coverage is not None:
        found.append(extras.html(coverage))
    found.append(extras.html(f"<style>{KPI_TABLE_CSS}</style>{kpi_table_html(verdict.measurements)}"))
    for figure in case_figures(test_dir, name=title):
        found.append(extras.html(f"<figure>{figure.img_html(html_id=html_key(title, figure.key))}</figure>"))
    return found


def _notes_html(notes: Sequence[str]) -> str:
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f'<ul class="miot-notes">{items}</ul>'
