"""glue layer: what junit.xml carries for a plan case: each of its metrics as properties (issue 7 item 4).

Four properties per metric, named `miot_kpi.<metric>.<field>`: `value` (full precision, empty when none was
recorded), `unit` (the unit suffix, as in measurements.csv), `outcome` (pass, marginal, fail, unchecked,
missing) and `limit` (as the KPI table words it, "—" without one). CI systems show JUnit properties per test
case, so a regression is visible there without opening the run directory.

pytest's junitxml writes the properties of a test's teardown report, which copies `item.user_properties`:
the plugin adds these to the item once the call phase is judged (harness.pytest_plugin.__init__).
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.kpi import Measurement

PROPERTY_PREFIX = "miot_kpi"


def kpi_properties(measurements: Iterable[Measurement]) -> list[tuple[str, str]]:
    # Imported here: harness.report loads matplotlib, which a run without KPIs never needs.
    from harness.report.kpi_table import describe_limit

    properties: list[tuple[str, str]] = []
    for m in measurements:
        name = f"{PROPERTY_PREFIX}.{m.metric}"
        properties += [
            (f"{name}.value", "" if m.value is None else repr(m.value)),
            (f"{name}.unit", m.unit),
            (f"{name}.outcome", str(m.outcome)),
            (f"{name}.limit", describe_limit(m.limit)),
        ]
    return properties
