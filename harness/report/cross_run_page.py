"""report layer: the cross-run report as one self-contained HTML page (issue 7 item 2).

Inline CSS, figures as data: URIs, no script and no external URL, so the file reads offline and can be
mailed as it is. Every text that comes from files (run ids, module names, plan paths, limits) is escaped.
Words come from harness.report.labels in the report's language; metric names, units and identifiers stay
as measurements.csv writes them.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from harness.kpi import format_value
from harness.metrics import UNITS
from harness.report.compare import Comparison
from harness.report.compare_table import COMPARE_TABLE_CSS, comparison_table_html, verdict_line
from harness.report.figures import ReportFigure
from harness.report.indicator_families import FAMILIES
from harness.report.kpi_table import KPI_TABLE_CSS
from harness.report.labels import Lang, label
from harness.report.run_set import GROUP_COLUMNS, LoadedRun

PAGE_CSS = (
    KPI_TABLE_CSS
    + """\
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table.miot-kpi td.count-0 { color: #bbb; }
table.miot-kpi td.num { white-space: nowrap; }
td.miot-outcome-fail { background: #f8c8c8; font-weight: bold; }
td.miot-outcome-marginal { background: #fff0c2; }
td.miot-outcome-missing { background: #e8d0f0; font-weight: bold; }
p.miot-note { max-width: 60em; color: #555; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""
)
_SHOWN_OUTCOMES = ("pass", "marginal", "fail", "unchecked", "missing")
_e = html.escape


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    text: str  # plain text, escaped when written
    css: str | None = None


def report_page(
    runs: Sequence[LoadedRun],
    table: pd.DataFrame,
    figures: Sequence[ReportFigure],
    *,
    lang: Lang,
    comparison: Comparison | None = None,
) -> str:
    """The page; with `comparison` (the runs against a baseline, `miot report --baseline`) its table too."""
    title = label("report_title", lang)
    body = [
        f"<h1>{_e(title)}</h1>",
        _runs_section(runs, lang),
        _tables_section(table, lang),
        *([] if comparison is None else [_comparison_section(comparison, lang)]),
        _figures_section(figures, lang),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>\n{PAGE_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _comparison_section(comparison: Comparison, lang: Lang) -> str:
    """The baseline comparison as `miot compare` prints it (its words, escaped there), and its verdict."""
    return "\n".join(
        [
            f'<h2 id="comparison">{_e(label("comparison", lang))}</h2>',
            f"<style>{COMPARE_TABLE_CSS}</style>",
            comparison_table_html(comparison),
            f'<p class="miot-note">{_e(verdict_line(comparison))}</p>',
        ]
    )


def _runs_section(runs: Sequence[LoadedRun], lang: Lang) -> str:
    starts = [r.record.started_utc for r in runs]
    ends = [r.record.ended_utc or r.record.started_utc for r in runs]
    period = f"{_utc(min(starts))} – {_utc(max(ends))} UTC" if runs else "—"
    heads = ("run_id", "started", "ended", "rig", "plan", "site", "modules")
    rows = [[Cell(text=c) for c in _run_cells(run, lang)] for run in runs]
    return f"<h2>{_e(label('runs', lang))}</h2>\n<p>{_e(label('period', lang))}: {_e(period)}</p>\n" + _table(
        heads, rows, lang, css_id="miot-runs"
    )


def _run_cells(run: LoadedRun, lang: Lang) -> list[str]:
    record = run.record
    modules = "; ".join(
        " ".join(x for x in (m.module_id, m.model, m.firmware, m.operator) if x) for m in record.modules
    )
    site = record.site
    where = "—" if site is None else site.name
    if site is not None and site.lat_deg is not None and site.lon_deg is not None:
        where += f" ({site.lat_deg:.5f}, {site.lon_deg:.5f})"
    return [
        run.run_id,
        _utc(record.started_utc),
        _utc(record.ended_utc) if record.ended_utc is not None else label("interrupted", lang),
        "—" if record.rig is None else f"{record.rig.path} (sha256 {record.rig.sha256[:12]})",
        "—" if record.plan is None else f"{record.plan.path} (sha256 {record.plan.sha256[:12]})",
        where,
        modules or "—",
    ]


def _tables_section(table: pd.DataFrame, lang: Lang) -> str:
    parts = [
        f"<h2>{_e(label('indicators', lang))}</h2>",
        f'<p class="miot-note">{_e(label("statistics_note", lang))}</p>',
    ]
    if table.empty:
        parts.append(f"<p>{_e(label('no_measurements', lang))}</p>")
    heads = (*GROUP_COLUMNS, "metric", "value", "unit", "statistic", "range", "limit", *_SHOWN_OUTCOMES)
    for family in FAMILIES:
        rows = table[table["family"] == family]
        if rows.empty:
            continue
        parts.append(f'<h3 id="family-{family}">{_e(label("family_" + family, lang))}</h3>')
        parts.append(
            _table(
                heads,
                [_indicator_cells(row, lang) for _, row in rows.iterrows()],
                lang,
                css_id=f"miot-family-{family}",
            )
        )
    return "\n".join(parts)


def _indicator_cells(row: pd.Series, lang: Lang) -> list[Cell]:
    """The cells of one indicator row; a non-zero outcome count carries its outcome's class."""
    cells = [
        *(Cell(text=str(row[c])) for c in GROUP_COLUMNS),
        Cell(text=str(row["metric"])),
        Cell(text=format_value(_number(row["value"])), css="num"),
        Cell(text=UNITS.get(str(row["unit"]), str(row["unit"]))),
        Cell(text=_statistic_text(row, lang)),
        Cell(text=_range_text(_number(row["min"]), _number(row["max"])), css="num"),
        Cell(text=str(row["limit"])),
    ]
    for outcome in _SHOWN_OUTCOMES:
        count = int(row[outcome])
        css = f"num miot-outcome-{outcome}" if count else "num count-0"
        cells.append(Cell(text=str(count), css=css))
    return cells


def _statistic_text(row: pd.Series, lang: Lang) -> str:
    if row["statistic"] == "pooled":
        statistic = str(row["metric"]).removesuffix("_" + str(row["unit"])).rsplit("_", 1)[-1]
        n, tests = int(row["n"]), int(row["n_tests"])
        return label("pooled_of", lang).format(statistic=statistic, n=n, tests=tests)
    n = int(row["n"])
    if n <= 1:
        return label("single_value" if n else "no_value", lang)
    return label("median_of", lang).format(n=n)


def _range_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "—"
    return format_value(low) if low == high else f"{format_value(low)} – {format_value(high)}"


def _figures_section(figures: Sequence[ReportFigure], lang: Lang) -> str:
    if not figures:
        return ""
    parts = [f"<h2>{_e(label('figures', lang))}</h2>"]
    for figure in figures:
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(
            f'<figure><img id="{_e(figure.key)}" alt="{_e(figure.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(figure.title)}</figcaption></figure>"
        )
    return "\n".join(parts)


def _table(heads: Sequence[str], rows: Sequence[Sequence[Cell]], lang: Lang, *, css_id: str) -> str:
    head = "".join(f"<th>{_e(label(h, lang))}</th>" for h in heads)
    body = "\n".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="miot-kpi" id="{css_id}">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def _td(cell: Cell) -> str:
    css = "" if cell.css is None else f' class="{_e(cell.css)}"'
    return f"<td{css}>{_e(cell.text)}</td>"


def _utc(moment: datetime) -> str:
    """To the second, for people; the run files keep the microseconds."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def _number(value: object) -> float | None:
    """A table cell as a number, None for NaN (no value)."""
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else None
