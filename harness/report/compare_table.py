"""report layer: a Comparison (harness.report.compare) as a text table for the terminal and as HTML.

Columns: case | module | metric | baseline | current | change | CI | test | p | verdict. The first lines say
how the numbers were made (runs, bootstrap resamples and seed, confidence, significance level), so a
table pasted into a ticket can be reproduced. `comparison_table_html` is the fragment the cross-run report
includes; `comparison_page_html` wraps it into a self-contained page (`miot compare -o FILE.html`). Every
text is escaped: case ids, module ids and metric names come from plan and rig files.
"""

from __future__ import annotations

import html

from harness.kpi import format_value, with_unit
from harness.metrics import UNITS
from harness.report.compare import Comparison, ComparisonRow, Verdict

HEADINGS = ("case", "module", "metric", "baseline", "current", "change", "CI", "test", "p", "verdict")
COMPARE_TABLE_CSS = """\
table.miot-compare { border-collapse: collapse; font: 13px/1.4 system-ui, sans-serif; }
table.miot-compare th, table.miot-compare td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
tr.miot-compare-regression td.verdict { background: #f8c8c8; font-weight: bold; }
tr.miot-compare-improvement td.verdict { background: #d9f2d9; }
tr.miot-compare-missing td.verdict, tr.miot-compare-not-testable td.verdict { background: #eeeeee; }
"""


def describe_settings(comparison: Comparison, *, baseline_runs: int, current_runs: int) -> str:
    s = comparison.settings
    return (
        f"{baseline_runs} baseline run(s) vs {current_runs} current run(s); change = current - baseline; "
        f"{s.confidence:.0%} CI by percentile bootstrap, {s.resamples} resamples, seed {s.seed}; "
        f"significant when p < {s.alpha:g}"
    )


def row_cells(row: ComparisonRow) -> tuple[str, ...]:
    """The texts of one row, in HEADINGS order."""
    return (
        row.key.case_id,
        row.key.module_id,
        row.key.metric,
        with_unit(row.baseline, row.unit),
        with_unit(row.current, row.unit),
        _change(row),
        _interval(row),
        _test(row),
        "—" if row.test is None else f"{row.test.p_value:.3g}",
        _verdict(row),
    )


def comparison_table_text(comparison: Comparison) -> str:
    """A plain table, columns padded to their widest cell."""
    lines = [HEADINGS, *(row_cells(row) for row in comparison.rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADINGS))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def verdict_line(comparison: Comparison) -> str:
    """The last line: the metrics that regressed, or that none did."""
    if comparison.regressions:
        named = ", ".join(
            f"{row.key.metric} ({row.key.case_id}@{row.key.module_id})" for row in comparison.regressions
        )
        return f"regression beyond tolerance: {named}"
    return f"no significant regression beyond tolerance ({len(comparison.rows)} metric(s) compared)"


def comparison_table_html(comparison: Comparison) -> str:
    """The table as an HTML fragment; each row carries the CSS class of its verdict."""
    head = "".join(f"<th>{h}</th>" for h in HEADINGS)
    rows = "\n".join(_html_row(row) for row in comparison.rows)
    return (
        f'<table class="miot-compare">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>'
    )


def comparison_page_html(comparison: Comparison, *, title: str, settings_text: str) -> str:
    """A self-contained page: the settings, the table and the verdict line; no external resources."""
    e = html.escape
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{COMPARE_TABLE_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n<p>{e(settings_text)}</p>\n{comparison_table_html(comparison)}\n"
        f'<p class="miot-compare-verdict">{e(verdict_line(comparison))}</p>\n</body>\n</html>\n'
    )


def _html_row(row: ComparisonRow) -> str:
    cells = row_cells(row)
    css = html.escape("miot-compare-" + row.verdict.value.replace(" ", "-").replace("(", "").replace(")", ""))
    body = "".join(
        f'<td class="{name}">{html.escape(cell)}</td>'
        if name == "verdict"
        else f"<td>{html.escape(cell)}</td>"
        for name, cell in zip(HEADINGS, cells, strict=True)
    )
    return f'<tr class="{css}">{body}</tr>'


def _signed(value: float) -> str:
    text = format_value(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _change_label(unit: str) -> str:
    """The unit of a difference: percentage points for a share in percent, else the metric's unit."""
    return "pp" if unit == "pct" else UNITS[unit]


def _change(row: ComparisonRow) -> str:
    change = row.change
    if change is None:
        return "—"
    label = _change_label(row.unit)
    relative = row.change_pct
    shown = f"{_signed(change)}{' ' + label if label else ''}"
    return shown if relative is None else f"{shown} ({_signed(round(relative, 1))} %)"


def _interval(row: ComparisonRow) -> str:
    if row.ci is None:
        return "—"
    label = _change_label(row.unit)
    return f"[{_signed(row.ci[0])}, {_signed(row.ci[1])}]{' ' + label if label else ''}"


def _test(row: ComparisonRow) -> str:
    n = f"n={row.n_baseline} vs {row.n_current}"
    if row.test is None:
        return f"{row.basis}, {n}"
    return f"{row.test.name} on {row.basis}, {n}"


def _verdict(row: ComparisonRow) -> str:
    if row.verdict is Verdict.NOT_TESTABLE or row.verdict is Verdict.MISSING:
        return row.note or str(row.verdict)
    direction = "" if row.better is None else f", {row.better} is better"
    return f"{row.verdict} (tolerance {row.tolerance}{direction})"
