"""Tests of harness.coverage: each table's edges (at the floor, just below it), the worse-of-two rule, and
monotonicity (better radio never gives a worse class)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.coverage import (
    LTE_TABLE,
    NBIOT_TABLE,
    NR_TABLE,
    TABLES,
    CoverageTable,
    case_coverage_class,
    coverage_class,
    radio_kpis,
)
from harness.metrics import MetricValue, parse_metric_name
from harness.rat import Rat
from harness.traffic.radio_sampler import readings_frame

BEST_SINR_DB = 100.0
BEST_RSRP_DBM = 0.0
JUST_DB = 1e-6
figures = st.floats(min_value=-160, max_value=40, allow_nan=False)


@pytest.mark.parametrize(
    ("table", "rsrp_dbm", "expected"),
    [
        (NBIOT_TABLE, -90.0, "excellent"),
        (NBIOT_TABLE, -90.0 - JUST_DB, "good"),
        (NBIOT_TABLE, -100.0, "good"),
        (NBIOT_TABLE, -110.0, "medium"),
        (NBIOT_TABLE, -110.0 - JUST_DB, "poor"),
        # China Mobile's table writes "> -85": the edge itself is the next class down
        (LTE_TABLE, -85.0 + JUST_DB, "excellent"),
        (LTE_TABLE, -85.0, "good"),
        (LTE_TABLE, -105.0, "poor"),
        (LTE_TABLE, -115.0, "poor"),
        (LTE_TABLE, -115.0 - JUST_DB, "very_poor"),
        (NR_TABLE, -65.0, "great"),
        (NR_TABLE, -110.0, "poor"),
        (NR_TABLE, -110.0 - JUST_DB, "none"),
    ],
)
def test_rsrp_edges(table: CoverageTable, rsrp_dbm: float, expected: str) -> None:
    assert table.classify(rsrp_dbm, BEST_SINR_DB) == expected


@pytest.mark.parametrize(
    ("table", "sinr_db", "expected"),
    [
        (NBIOT_TABLE, 10.0, "excellent"),
        (NBIOT_TABLE, 3.0, "good"),
        (NBIOT_TABLE, 3.0 - JUST_DB, "medium"),
        (NBIOT_TABLE, -3.0 - JUST_DB, "poor"),
        (LTE_TABLE, 25.0, "good"),
        (LTE_TABLE, 15.5, "medium"),  # in the table's 15-16 dB gap: the worse class
        (LTE_TABLE, 10.5, "poor"),  # in the 10-11 dB gap
        (LTE_TABLE, 3.0 - JUST_DB, "very_poor"),
        (NR_TABLE, 30.0, "great"),
        (NR_TABLE, -5.0 - JUST_DB, "none"),
    ],
)
def test_sinr_edges(table: CoverageTable, sinr_db: float, expected: str) -> None:
    assert table.classify(BEST_RSRP_DBM, sinr_db) == expected


@given(rsrp_dbm=figures, sinr_db=figures, rat=st.sampled_from(list(Rat)))
def test_the_class_is_the_worse_of_the_two(rsrp_dbm: float, sinr_db: float, rat: Rat) -> None:
    table = TABLES[rat]
    by_rsrp = table.names.index(table.classify(rsrp_dbm, None) or "")
    by_sinr = table.names.index(table.classify(None, sinr_db) or "")
    assert coverage_class(rat, rsrp_dbm, sinr_db) == table.names[max(by_rsrp, by_sinr)]


@given(a=figures, b=figures, sinr_db=figures, rat=st.sampled_from(list(Rat)))
def test_better_rsrp_never_gives_a_worse_class(a: float, b: float, sinr_db: float, rat: Rat) -> None:
    table = TABLES[rat]
    low, high = sorted((a, b))
    assert table.names.index(table.classify(high, sinr_db) or "") <= table.names.index(
        table.classify(low, sinr_db) or ""
    )


@given(
    edge_index=st.integers(min_value=0, max_value=3),
    table=st.sampled_from([NBIOT_TABLE, LTE_TABLE, NR_TABLE]),
)
def test_each_floor_separates_its_class_from_the_next(edge_index: int, table: CoverageTable) -> None:
    if edge_index >= len(table.classes) - 1:
        return
    floor = table.classes[edge_index].rsrp_floor
    met = floor.value if floor.is_included else math.nextafter(floor.value, math.inf)
    missed = math.nextafter(met, -math.inf)
    assert table.classify(met, BEST_SINR_DB) == table.classes[edge_index].name
    assert table.classify(missed, BEST_SINR_DB) == table.classes[edge_index + 1].name


def test_missing_figures() -> None:
    assert coverage_class(Rat.NB_IOT, None, None) is None
    assert coverage_class(Rat.NB_IOT, math.nan, 12.0) == "excellent"
    assert coverage_class(Rat.CAT1, -120.0, None) == "very_poor"


def test_radio_kpis_of_a_test() -> None:
    frame = readings_frame(
        [
            {"t_s": 0.0, "rsrp_dbm": -85.0, "sinr_db": 12.0, "ce_level": 0, "read_error": None},
            {"t_s": 1.0, "rsrp_dbm": -95.0, "sinr_db": 5.0, "ce_level": 0, "read_error": None},
            {"t_s": 2.0, "read_error": "ATTimeout: no answer"},
            {"t_s": 3.0, "rsrp_dbm": -115.0, "sinr_db": -5.0, "ce_level": 1, "read_error": None},
        ]
    )
    kpis = radio_kpis(frame, Rat.NB_IOT)

    assert kpis["rsrp_p50_dbm"] == MetricValue(value=-95.0, n_samples=3)
    assert kpis["sinr_p50_db"].value == 5.0
    assert kpis["rsrq_p50_db"] == MetricValue(value=None, n_samples=0)
    assert kpis["ce_level_p50_count"].value == 0
    assert kpis["radio_read_failures_count"] == MetricValue(value=1.0, n_samples=4)
    shares = {name: kpis[f"class_{name}_pct"].value for name in NBIOT_TABLE.names}
    assert shares == pytest.approx({"excellent": 100 / 3, "good": 100 / 3, "medium": 0, "poor": 100 / 3})
    assert case_coverage_class(Rat.NB_IOT, {n: v.value for n, v in kpis.items()}) == "good"
    for name in kpis:
        parse_metric_name(name)
