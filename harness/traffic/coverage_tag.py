"""traffic layer: the coverage level a run was measured at, carried in its samples and its summary so that a
report can bin uplink figures by it ("uplink by coverage level", issue 6 item 4).

indicators.md §2: the coverage class is a dimension of every measurement row, not a metric; §2.1: record
both RSRP and the module's CE level, since a module can report CE1/CE2 at good RSRP after RACH failures
(TS 36.321 §5.1.4 [R13]). Both are read once, before the run, from the module's own report
(Modem.radio_snapshot: AT+QENG, +MUESTATS, +CESQ). measurements.csv has no column for a dimension, so the
level also goes into the summary as `ce_level_count` (the level as a plain number; the metric grammar of
harness.metrics needs a unit suffix and has none for an index).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness.at import ATCommandError
from harness.dialects.modem import NetworkAccess
from harness.errors import ModemError
from harness.metrics import MetricValue


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """What the module reported of its coverage; None where it reported nothing."""

    ce_level: int | None
    rsrp_dbm: float | None


def coverage_of(modem: NetworkAccess) -> Coverage:
    """The module's CE level and RSRP now; both None when it gives no radio snapshot."""
    try:
        snapshot = modem.radio_snapshot()
    except (ATCommandError, ModemError):
        return Coverage(ce_level=None, rsrp_dbm=None)
    return Coverage(ce_level=snapshot.ce_level, rsrp_dbm=snapshot.rsrp_dbm)


def tag_samples(samples: pd.DataFrame, coverage: Coverage) -> pd.DataFrame:
    """The samples with `ce_level` and `rsrp_dbm` columns (nullable, the same on every row)."""
    rows = len(samples)
    return samples.assign(
        ce_level=pd.array([coverage.ce_level] * rows, dtype="Int64"),
        rsrp_dbm=pd.array([coverage.rsrp_dbm] * rows, dtype="Float64"),
    )


def coverage_metrics(coverage: Coverage) -> dict[str, MetricValue]:
    level = coverage.ce_level
    return {"ce_level_count": MetricValue(value=None if level is None else float(level), n_samples=1)}
