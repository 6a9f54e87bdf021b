"""kpi layer: coverage classes, the dimension a report bins measurements by (issue 6 item 8).

A class comes from RSRP and SINR against the table of the module's RAT, from
../shared/reference/indicators.md §2; the class is the worse of the RSRP class and the SINR class. Each
class is given by its floors, best class first; a value meets a floor at or above it (`is_included`) or
only above it (the operator tables write "> -85"). The last class takes everything below.

  NB-IoT   §2.1 proposed default (J), anchored to Quectel's strong/weak guide (BC660K-GL AT manual,
           [CI §3.1]) and the ECL bands observed in [R20]: excellent / good / medium / poor.
  Cat-1    §2.2 China Mobile terminal field-test classes ([R22], the default for labs in China (J)):
  LTE-M    excellent / good / medium / poor / very_poor. The table leaves SINR gaps (15-16 dB, 10-11 dB):
           a value in a gap takes the worse class (our judgement, so a class never flatters a point).
  RedCap   §2.3: AOSP's NR defaults [R23] (J), SS-RSRP -110/-90/-80/-65 dBm and SS-SINR -5/5/15/30 dB for
           poor / moderate / good / great; below the poor floor AOSP reports no signal (`none`).

A missing figure (a dialect that reads no SINR) is left out: the class is then that of the other figure
alone, and None without either.

Per test, `radio_kpis` turns the radio readings (radio.parquet) into KPI rows with unit-carrying names:
the medians `rsrp_p50_dbm`, `rsrq_p50_db`, `sinr_p50_db`, `ce_level_p50_count`, the share of readings in
each class `class_<name>_pct` (indicators.md §5.6) and `radio_read_failures_count`. The class of a test
point is that of its medians (`case_coverage_class`), which a report shows per case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from harness.metrics import MetricValue
from harness.rat import Rat


@dataclass(frozen=True, slots=True, kw_only=True)
class Floor:
    value: float
    is_included: bool = True

    def is_met(self, x: float) -> bool:
        return x >= self.value if self.is_included else x > self.value


_BOTTOM = Floor(value=-math.inf)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageClass:
    name: str
    rsrp_floor: Floor
    sinr_floor: Floor


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageTable:
    """Classes best first; `source` is what a report names as the table used."""

    source: str
    classes: tuple[CoverageClass, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes)

    def classify(self, rsrp_dbm: float | None, sinr_db: float | None) -> str | None:
        """The worse of the RSRP and SINR classes; None when neither figure is known."""
        ranks = [
            self._rank(value, is_rsrp)
            for value, is_rsrp in ((rsrp_dbm, True), (sinr_db, False))
            if value is not None and not math.isnan(value)
        ]
        return self.classes[max(ranks)].name if ranks else None

    def _rank(self, value: float, is_rsrp: bool) -> int:
        for rank, c in enumerate(self.classes):
            if (c.rsrp_floor if is_rsrp else c.sinr_floor).is_met(value):
                return rank
        return len(self.classes) - 1


def _class(name: str, rsrp: Floor, sinr: Floor) -> CoverageClass:
    return CoverageClass(name=name, rsrp_floor=rsrp, sinr_floor=sinr)


NBIOT_TABLE = CoverageTable(
    source="indicators.md §2.1 NB-IoT default (judgement; Quectel strong/weak guide)",
    classes=(
        _class("excellent", Floor(value=-90), Floor(value=10)),
        _class("good", Floor(value=-100), Floor(value=3)),
        _class("medium", Floor(value=-110), Floor(value=-3)),
        _class("poor", _BOTTOM, _BOTTOM),
    ),
)
LTE_TABLE = CoverageTable(
    source="indicators.md §2.2 China Mobile field-test classes [R22]",
    classes=(
        _class("excellent", Floor(value=-85, is_included=False), Floor(value=25, is_included=False)),
        _class("good", Floor(value=-95, is_included=False), Floor(value=16)),
        _class("medium", Floor(value=-105, is_included=False), Floor(value=11)),
        _class("poor", Floor(value=-115), Floor(value=3)),
        _class("very_poor", _BOTTOM, _BOTTOM),
    ),
)
NR_TABLE = CoverageTable(
    source="indicators.md §2.3 AOSP NR defaults [R23] (judgement)",
    classes=(
        _class("great", Floor(value=-65), Floor(value=30)),
        _class("good", Floor(value=-80), Floor(value=15)),
        _class("moderate", Floor(value=-90), Floor(value=5)),
        _class("poor", Floor(value=-110), Floor(value=-5)),
        _class("none", _BOTTOM, _BOTTOM),
    ),
)
TABLES: dict[Rat, CoverageTable] = {
    Rat.NB_IOT: NBIOT_TABLE,
    Rat.LTE_M: LTE_TABLE,
    Rat.CAT1: LTE_TABLE,
    Rat.REDCAP: NR_TABLE,
}


def coverage_class(rat: Rat, rsrp_dbm: float | None, sinr_db: float | None) -> str | None:
    """The coverage class of a test point on this RAT's default table (module docstring)."""
    return TABLES[rat].classify(rsrp_dbm, sinr_db)


MEDIANS = {"rsrp_dbm": "rsrp_p50_dbm", "rsrq_db": "rsrq_p50_db", "sinr_db": "sinr_p50_db"}
CE_LEVEL_METRIC = "ce_level_p50_count"
READ_FAILURES_METRIC = "radio_read_failures_count"


def class_metric(name: str) -> str:
    return f"class_{name}_pct"


def radio_kpis(readings: pd.DataFrame, rat: Rat) -> dict[str, MetricValue]:
    """KPIs of one test's radio readings (columns of harness.traffic.radio_sampler; `read_error` set on a
    reading that failed or was skipped)."""
    failed = readings["read_error"].notna()
    good = readings[~failed]
    kpis = {metric: _median(good[column]) for column, metric in MEDIANS.items()}
    kpis[CE_LEVEL_METRIC] = _median(good["ce_level"])
    kpis[READ_FAILURES_METRIC] = MetricValue(value=float(failed.sum()), n_samples=len(readings))
    table = TABLES[rat]
    classes = [
        table.classify(_number(r), _number(s)) for r, s in zip(good["rsrp_dbm"], good["sinr_db"], strict=True)
    ]
    known = [c for c in classes if c is not None]
    for name in table.names:
        share = 100.0 * known.count(name) / len(known) if known else None
        kpis[class_metric(name)] = MetricValue(value=share, n_samples=len(known))
    return kpis


def case_coverage_class(rat: Rat, values: Mapping[str, float | None]) -> str | None:
    """The class of a test point from its recorded median KPIs (metric name -> value)."""
    return coverage_class(rat, values.get(MEDIANS["rsrp_dbm"]), values.get(MEDIANS["sinr_db"]))


def _median(column: pd.Series) -> MetricValue:
    values = pd.to_numeric(column, errors="coerce").dropna().astype(float)
    return MetricValue(value=float(values.median()) if len(values) else None, n_samples=len(values))


def _number(value: object) -> float | None:
    is_number = isinstance(value, int | float) and not math.isnan(value)
    return float(value) if is_number else None  # type: ignore[arg-type]  # checked just above
