"""report layer: the KPI table of one test as a small HTML fragment, with its CSS.

Columns: metric | value | unit | limit | outcome | reason. Every text is escaped (values, names and reasons
may come from plan files and module answers); each row carries the CSS class of its outcome.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from harness.kpi import Measurement, format_value
from harness.metrics import UNITS, Limit

CSS_CLASS_PREFIX = "miot-kpi-"
KPI_TABLE_CSS = """\
table.miot-kpi { border-collapse: collapse; font: 13px/1.4 system-ui, sans-serif; }
table.miot-kpi th, table.miot-kpi td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
table.miot-kpi td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.miot-kpi-pass td.outcome { background: #d9f2d9; }
tr.miot-kpi-marginal td.outcome { background: #fff0c2; }
tr.miot-kpi-fail td.outcome { background: #f8c8c8; font-weight: bold; }
tr.miot-kpi-missing td.outcome { background: #e8d0f0; font-weight: bold; }
tr.miot-kpi-unchecked td.outcome { background: #eeeeee; }
"""
_HEADINGS = ("metric", "value", "unit", "limit", "outcome", "reason")


def kpi_table_html(measurements: Sequence[Measurement]) -> str:
    head = "".join(f"<th>{h}</th>" for h in _HEADINGS)
    rows = "\n".join(_row(m) for m in measurements)
    return f'<table class="miot-kpi">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>'


def describe_limit(limit: Limit | None) -> str:
    """`x ≤ 4000; marginal above 3000`, or "—" without a limit."""
    if limit is None:
        return "—"
    bands = [
        f"marginal {words} {format_value(bound)}"
        for words, bound in (("below", limit.marginal_low), ("above", limit.marginal_high))
        if bound is not None
    ]
    if limit.low is None and limit.high is None:
        return "; ".join(bands)
    return "; ".join([limit.describe(), *bands])


def _row(m: Measurement) -> str:
    e = html.escape
    cells = (
        f"<td>{e(m.metric)}</td>",
        f'<td class="num">{e(format_value(m.value))}</td>',
        f"<td>{e(UNITS.get(m.unit, m.unit))}</td>",
        f"<td>{e(describe_limit(m.limit))}</td>",
        f'<td class="outcome">{e(str(m.outcome))}</td>',
        f"<td>{e(m.reason)}</td>",
    )
    css_class = e(CSS_CLASS_PREFIX + str(m.outcome))
    return f'<tr class="{css_class}">' + "".join(cells) + "</tr>"
