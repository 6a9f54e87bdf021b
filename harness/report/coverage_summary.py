"""report layer: the coverage of one test point, from its radio KPIs (harness.coverage): the class of its
medians, the table it comes from (a report must name it, indicators.md §2.3), the medians and CE level, and
the share of readings per class. Text for the report's Coverage column, and a small HTML fragment.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from harness.coverage import CE_LEVEL_METRIC, MEDIANS, TABLES, case_coverage_class, class_metric
from harness.kpi import Measurement, format_value
from harness.rat import Rat

_FIGURES = (
    (MEDIANS["rsrp_dbm"], "RSRP", "dBm"),
    (MEDIANS["sinr_db"], "SINR", "dB"),
    (MEDIANS["rsrq_db"], "RSRQ", "dB"),
    (CE_LEVEL_METRIC, "CE level", ""),
)


def coverage_label(rat: Rat, measurements: Sequence[Measurement]) -> str | None:
    """`good (indicators.md §2.1 …)`, `unknown (…)` without RSRP and SINR, None without radio KPIs."""
    values = {m.metric: m.value for m in measurements}
    if MEDIANS["rsrp_dbm"] not in values:
        return None
    name = case_coverage_class(rat, values)
    return f"{name or 'unknown'} ({TABLES[rat].source})"


def coverage_html(rat: Rat, measurements: Sequence[Measurement]) -> str | None:
    """One paragraph: the class, the medians it comes from, and the share of readings per class."""
    label = coverage_label(rat, measurements)
    if label is None:
        return None
    values = {m.metric: m.value for m in measurements}
    medians = ", ".join(
        f"{name} {format_value(values.get(metric))}{' ' + unit if unit else ''}"
        for metric, name, unit in _FIGURES
    )
    shares = ", ".join(
        f"{name} {format_value(values.get(class_metric(name)))} %" for name in TABLES[rat].names
    )
    text = f"Coverage: {label}; medians: {medians}; readings per class: {shares}"
    return f'<p class="miot-coverage">{html.escape(text)}</p>'
