"""Tests of harness.results.measurements: rows from measurements, appends, the typed reader."""

from __future__ import annotations

import math
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.kpi import Outcome, evaluate
from harness.metrics import Limit, MetricValue
from harness.results.measurements import (
    COLUMNS,
    MeasurementContext,
    MeasurementsWriter,
    read_measurements,
    tabulate_measurements,
)

CONTEXT = MeasurementContext(
    run_id="20261125T153252Z-1a2b",
    test_id="echo-64b@nb-ce0",
    case_id="echo-64b",
    iteration=0,
    module_id="bc660k-1",
    rat="nbiot",
    operator="CMCC",
)
STAMP = datetime(2026, 11, 25, 15, 33, 0, 123456, tzinfo=UTC)


def sample_rows() -> list[dict[str, object]]:
    measurements = [
        evaluate(
            "rtt_p95_ms", MetricValue(value=3500.25, n_samples=50), Limit(high=4000, marginal_high=3000)
        ),
        evaluate("loss_pct", MetricValue(value=None), Limit(high=1)),
        evaluate("sinr_mean_db", MetricValue(value=-2.5), None),
    ]
    return tabulate_measurements(CONTEXT, measurements, recorded_utc=STAMP)


def test_rows_carry_context_limits_and_outcome() -> None:
    rows = sample_rows()
    assert [tuple(r) for r in rows] == [COLUMNS] * 3
    first = rows[0]
    assert first["test_id"] == "echo-64b@nb-ce0"
    assert (first["metric"], first["value"], first["unit"]) == ("rtt_p95_ms", 3500.25, "ms")
    assert (first["low"], first["high"], first["marginal_high"]) == (None, 4000, 3000)
    assert first["outcome"] == "marginal"
    assert rows[2]["high"] is None


def test_round_trip_with_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    MeasurementsWriter(path).append(sample_rows())
    frame = read_measurements(path)
    assert tuple(frame.columns) == COLUMNS
    assert frame["run_id"].dtype == "string"
    assert frame["iteration"].dtype == "Int64"
    assert frame["value"].dtype == "float64"
    assert frame["high"].dtype == "float64"
    assert isinstance(frame["outcome"].dtype, pd.CategoricalDtype)
    assert str(frame["recorded_utc"].dt.tz) == "UTC"
    assert frame["value"].iloc[0] == 3500.25
    assert math.isnan(frame["value"].iloc[1])
    assert list(frame["outcome"]) == ["marginal", "missing", "unchecked"]
    assert frame["outcome"].max() == "missing"  # ordered by severity
    assert frame["recorded_utc"].iloc[0] == pd.Timestamp(STAMP)


def test_file_is_plain_csv_one_row_per_line(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    MeasurementsWriter(path).append(sample_rows()[:1])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1] == (
        "20261125T153252Z-1a2b,echo-64b@nb-ce0,echo-64b,0,bc660k-1,nbiot,CMCC,rtt_p95_ms,3500.25,ms,"
        ",4000,,3000,marginal,2026-11-25T15:33:00.123456Z"
    )


def test_a_new_writer_appends_without_repeating_the_header(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    MeasurementsWriter(path).append(sample_rows())
    MeasurementsWriter(path).append(sample_rows()[:1])
    text = path.read_text(encoding="utf-8")
    assert text.count("run_id,test_id") == 1
    assert len(read_measurements(path)) == 4


def test_empty_append_still_writes_the_header(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    MeasurementsWriter(path).append([])
    frame = read_measurements(path)
    assert len(frame) == 0
    assert frame["value"].dtype == "float64"


def test_a_torn_last_row_is_skipped_by_the_reader_and_cut_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    MeasurementsWriter(path).append(sample_rows())
    with path.open("a", encoding="utf-8") as f:
        f.write("20261125T153252Z-1a2b,echo-64b@nb-ce0,ech")  # killed midway through a row
    assert len(read_measurements(path)) == 3
    MeasurementsWriter(path).append(sample_rows()[:1])
    frame = read_measurements(path)
    assert len(frame) == 4
    assert "ech\n" not in path.read_text()


def test_a_file_with_another_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="header"):
        MeasurementsWriter(path).append(sample_rows())
    with pytest.raises(ValueError, match="columns"):
        read_measurements(path)
    assert path.read_text() == "a,b,c\n1,2,3\n"


def test_rows_with_wrong_columns_or_line_breaks_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    row = sample_rows()[0]
    with pytest.raises(ValueError, match="extra \\['colour'\\]"):
        MeasurementsWriter(path).append([{**row, "colour": "red"}])
    with pytest.raises(ValueError, match="line break"):
        MeasurementsWriter(path).append([{**row, "operator": "a\nb"}])
    with pytest.raises(ValueError, match="timezone"):
        MeasurementsWriter(path).append([{**row, "recorded_utc": datetime(2026, 1, 1)}])
    assert not path.exists() or path.read_text() == ""


def test_unknown_outcome_is_refused_by_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    MeasurementsWriter(path).append([{**sample_rows()[0], "outcome": "great"}])
    with pytest.raises(ValueError, match="great"):
        read_measurements(path)


def test_parallel_writers_write_one_header_and_every_row(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    rows = sample_rows()

    def work() -> None:
        writer = MeasurementsWriter(path)
        for _ in range(10):
            writer.append(rows)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert path.read_text().count("run_id,test_id") == 1
    assert len(read_measurements(path)) == 4 * 10 * 3


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20)
NUMBER = st.none() | st.floats(allow_nan=False)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    return {
        "run_id": draw(TEXT),
        "test_id": draw(TEXT),
        "case_id": draw(TEXT),
        "iteration": draw(st.integers(min_value=0, max_value=10**9)),
        "module_id": draw(TEXT),
        "rat": draw(st.sampled_from(["nbiot", "ltem", "cat1", "redcap"])),
        "operator": draw(st.none() | TEXT),
        "metric": draw(st.sampled_from(["rtt_p95_ms", "loss_pct", "ul_goodput_mean_kbps"])),
        "value": draw(NUMBER),
        "unit": draw(st.sampled_from(["ms", "pct", "kbps"])),
        "low": draw(NUMBER),
        "high": draw(NUMBER),
        "marginal_low": draw(NUMBER),
        "marginal_high": draw(NUMBER),
        "outcome": str(draw(st.sampled_from(list(Outcome)))),
        "recorded_utc": draw(
            st.datetimes(
                min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
            )
        ),
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=5))
def test_csv_round_trip_keeps_every_value(written: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "measurements.csv"
        MeasurementsWriter(path).append(written)
        frame = read_measurements(path)
    assert len(frame) == len(written)
    for row, (_, read) in zip(written, frame.iterrows(), strict=True):
        for column in COLUMNS:
            expected, got = row[column], read[column]
            if expected is None:
                assert pd.isna(got), column
            elif column == "recorded_utc":
                assert got == pd.Timestamp(expected), column  # type: ignore[arg-type]
            else:
                assert got == expected, column
