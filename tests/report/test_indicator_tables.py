"""Every cell of the indicator tables of four runs with known figures (tests/report/lab_runs.py)."""

import math
from pathlib import Path

import pandas as pd
import pytest

from harness.report.indicator_tables import TABLE_COLUMNS, indicator_table
from harness.report.run_set import load_runs
from tests.report.lab_runs import lab_runs, nb_run

NAN = math.nan
# family, module, firmware, operator, rat, site, coverage, metric, unit, statistic, value, n, n_tests,
# min, max, limit, pass, unchecked, marginal, missing, fail
NB_A05 = ("BC660K-GL", "A05", "CMCC", "nbiot", "lab-sh")
NB_A06 = ("BC660K-GL", "A06", "CMCC", "nbiot", "lab-sh")
CAT1 = ("ML307R", "X1", "CUCC", "cat1", "lab-bj")
RTT_LIMIT = "x ≤ 4000; marginal above 3000"
EXPECTED = [
    (
        "access",
        *NB_A05,
        "unknown",
        "attach_time_p50_s",
        "s",
        "median",
        20.0,
        2,
        2,
        10.0,
        30.0,
        "x ≤ 20",
        1,
        0,
        0,
        0,
        1,
    ),
    (
        "access",
        *NB_A06,
        "unknown",
        "attach_time_p50_s",
        "s",
        "median",
        NAN,
        0,
        1,
        NAN,
        NAN,
        "x ≤ 20",
        0,
        0,
        0,
        1,
        0,
    ),
    ("latency", *NB_A05, "good", "loss_pct", "pct", "median", 0.25, 2, 2, 0.0, 0.5, "x ≤ 1", 2, 0, 0, 0, 0),
    # pooled: p95 of the 10 measured probes 100..1000 ms of runs a and d (warm-up left out), numpy linear
    (
        "latency",
        *NB_A05,
        "good",
        "rtt_p95_ms",
        "ms",
        "pooled",
        955.0,
        10,
        2,
        1000.0,
        2000.0,
        RTT_LIMIT,
        2,
        0,
        0,
        0,
        0,
    ),
    ("latency", *NB_A06, "good", "loss_pct", "pct", "median", 2.0, 1, 1, 2.0, 2.0, "x ≤ 1", 0, 0, 0, 0, 1),
    (
        "latency",
        *NB_A06,
        "good",
        "rtt_p95_ms",
        "ms",
        "pooled",
        1950.0,
        2,
        1,
        3500.0,
        3500.0,
        RTT_LIMIT,
        0,
        0,
        1,
        0,
        0,
    ),
    # no samples file: the median of the recorded value
    (
        "latency",
        *CAT1,
        "good",
        "rtt_p95_ms",
        "ms",
        "median",
        80.0,
        1,
        1,
        80.0,
        80.0,
        "x ≤ 200",
        1,
        0,
        0,
        0,
        0,
    ),
    (
        "coverage",
        *NB_A05,
        "good",
        "rsrp_p50_dbm",
        "dbm",
        "median",
        -95.0,
        2,
        2,
        -95.0,
        -95.0,
        "—",
        0,
        2,
        0,
        0,
        0,
    ),
    ("coverage", *NB_A05, "good", "sinr_p50_db", "db", "median", 5.0, 2, 2, 5.0, 5.0, "—", 0, 2, 0, 0, 0),
    (
        "coverage",
        *NB_A06,
        "good",
        "rsrp_p50_dbm",
        "dbm",
        "median",
        -95.0,
        1,
        1,
        -95.0,
        -95.0,
        "—",
        0,
        1,
        0,
        0,
        0,
    ),
    ("coverage", *NB_A06, "good", "sinr_p50_db", "db", "median", 5.0, 1, 1, 5.0, 5.0, "—", 0, 1, 0, 0, 0),
    (
        "coverage",
        *CAT1,
        "good",
        "rsrp_p50_dbm",
        "dbm",
        "median",
        -90.0,
        1,
        1,
        -90.0,
        -90.0,
        "—",
        0,
        1,
        0,
        0,
        0,
    ),
    ("coverage", *CAT1, "good", "sinr_p50_db", "db", "median", 20.0, 1, 1, 20.0, 20.0, "—", 0, 1, 0, 0, 0),
]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return indicator_table(load_runs(lab_runs(tmp_path_factory.mktemp("runs"))).measurements)


def test_every_cell_of_the_tables(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == TABLE_COLUMNS
    rows = [tuple(row) for row in table.itertuples(index=False)]
    assert len(rows) == len(EXPECTED)
    for seen, expected in zip(rows, EXPECTED, strict=True):
        for column, got, want in zip(TABLE_COLUMNS, seen, expected, strict=True):
            if isinstance(want, float) and math.isnan(want):
                assert pd.isna(got), (expected[:9], column)
            else:
                assert got == pytest.approx(want) if isinstance(want, float) else got == want, (
                    expected[:9],
                    column,
                    got,
                )


def test_a_coverage_class_splits_a_group(tmp_path: Path) -> None:
    good = nb_run(
        tmp_path / "good",
        firmware="A05",
        rtt_p95_ms=385,
        loss_pct=0,
        attach_s=10,
        rtt_ms=[100, 200, 300, 400],
        day=20,
    )
    poor_radio = {"rsrp_p50_dbm": -115.0, "sinr_p50_db": 5.0}  # indicators.md §2.1: poor by RSRP
    poor = nb_run(
        tmp_path / "poor",
        firmware="A05",
        rtt_p95_ms=975,
        loss_pct=0,
        attach_s=10,
        rtt_ms=[500, 1000],
        day=21,
        radio=poor_radio,
    )
    table = indicator_table(load_runs([good, poor]).measurements)
    rtt = table[table["metric"] == "rtt_p95_ms"]
    assert list(rtt["coverage"]) == ["good", "poor"]
    assert list(rtt["value"]) == pytest.approx([385.0, 975.0])  # p95 of each run's own probes
    attach = table[table["metric"] == "attach_time_p50_s"]
    assert list(attach["coverage"]) == ["unknown"]
    assert list(attach["n"]) == [2]


def test_the_coverage_class_comes_from_the_radio_medians(tmp_path: Path) -> None:
    frame = load_runs(lab_runs(tmp_path)).measurements
    classes = frame.drop_duplicates(["run_dir", "test_id"]).set_index(["test_id"])["coverage"]
    assert set(classes["echo-64b@nb-1"]) == {"good"}
    assert set(classes["attach@nb-1"]) == {"unknown"}
    assert classes["echo-64b@cat1-1"] == "good"


def test_no_rows_give_an_empty_table() -> None:
    assert indicator_table(pd.DataFrame(columns=["metric"])).empty
