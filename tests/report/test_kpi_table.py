"""Tests of harness.report.kpi_table: escaping, outcome classes, number formatting."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from harness.kpi import Measurement, Outcome, evaluate, missing
from harness.metrics import Limit, MetricValue
from harness.report.kpi_table import KPI_TABLE_CSS, describe_limit, kpi_table_html


class Cells(HTMLParser):
    """Rows of the table as (row class, [cell texts])."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str | None, list[str]]] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append((dict(attrs).get("class"), []))
        elif tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1][1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][1][-1] += data


def parse(html_text: str) -> list[tuple[str | None, list[str]]]:
    parser = Cells()
    parser.feed(html_text)
    return parser.rows


def test_table_has_header_and_one_row_per_measurement_with_outcome_class() -> None:
    measurements = [
        evaluate(
            "rtt_p95_ms", MetricValue(value=4123.456789, n_samples=40), Limit(high=4000, marginal_high=3000)
        ),
        evaluate("loss_pct", MetricValue(value=0.1 + 0.2), Limit(high=1)),
        missing("ul_goodput_mean_kbps", Limit(low=2000)),
    ]
    rows = parse(kpi_table_html(measurements))
    assert rows[0][1] == ["metric", "value", "unit", "limit", "outcome", "reason"]
    assert rows[1] == (
        "miot-kpi-fail",
        ["rtt_p95_ms", "4123.46", "ms", "x ≤ 4000; marginal above 3000", "fail", "above high 4000 ms"],
    )
    assert rows[2] == ("miot-kpi-pass", ["loss_pct", "0.3", "%", "x ≤ 1", "pass", "within limits"])
    assert rows[3][0] == "miot-kpi-missing"
    assert rows[3][1][1] == "—"


def test_every_outcome_class_has_css() -> None:
    for outcome in Outcome:
        assert f"tr.miot-kpi-{outcome}" in KPI_TABLE_CSS


def test_values_from_outside_are_escaped() -> None:
    hostile = Measurement(
        metric="rtt_mean_ms",
        value=1.0,
        unit="ms",
        n_samples=None,
        limit=None,
        outcome=Outcome.UNCHECKED,
        reason='<script>alert("x")</script> & "quoted"',
    )
    text = kpi_table_html([hostile])
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert parse(text)[1][1][5] == '<script>alert("x")</script> & "quoted"'


def test_no_long_floats_anywhere() -> None:
    m = evaluate("jitter_ms", MetricValue(value=2 / 3), Limit(low=1 / 3, high=10 / 3))
    text = kpi_table_html([m])
    assert not re.search(r"\d\.\d{7,}", text)
    assert "0.666667" in text


def test_describe_limit() -> None:
    assert describe_limit(None) == "—"
    assert describe_limit(Limit(low=99, marginal_low=99.5)) == "x ≥ 99; marginal below 99.5"
    assert describe_limit(Limit(marginal_high=5)) == "marginal above 5"
    assert describe_limit(Limit(low=1, high=2)) == "1 ≤ x ≤ 2"


def test_empty_table_is_still_a_table() -> None:
    rows = parse(kpi_table_html([]))
    assert len(rows) == 1
