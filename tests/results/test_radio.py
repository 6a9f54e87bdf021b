"""Tests of harness.results.radio: radio.parquet round trip, and the join of readings onto samples (latest
successful reading at or before each sample, within the tolerance, rows kept in their order)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.results.radio import READING_TIME_COLUMN, join_radio, read_radio, write_radio
from harness.traffic.radio_sampler import readings_frame


def readings(*rows: tuple[float, float | None, str | None]) -> pd.DataFrame:
    """(t_s, rsrp_dbm, read_error) rows as the sampler builds them."""
    return readings_frame(
        [
            {"t_s": t_s, "rsrp_dbm": rsrp, "ce_level": None if rsrp is None else 0, "read_error": error}
            for t_s, rsrp, error in rows
        ]
    )


READINGS = readings((1.0, -90.0, None), (2.0, None, "ATTimeout: no answer"), (3.0, -110.0, None))


def test_radio_parquet_round_trip(tmp_path: Path) -> None:
    write_radio(tmp_path, READINGS)
    back = read_radio(tmp_path)
    pd.testing.assert_frame_equal(back, READINGS)


def test_each_sample_gets_the_latest_successful_reading_before_it() -> None:
    samples = pd.DataFrame(
        {"t_s": [0.0, 1.0, 2.0, 3.0], "sent_s": [3.5, 0.5, 2.5, 1.0], "rtt_ms": [1, 2, 3, 4]}
    )

    joined = join_radio(samples, READINGS, on="sent_s", tolerance_s=2.0)

    assert list(joined.columns[:3]) == ["t_s", "sent_s", "rtt_ms"]
    assert joined["rtt_ms"].tolist() == [1, 2, 3, 4]  # order kept
    # 3.5 -> the reading at 3.0; 0.5 -> none before; 2.5 -> 1.0 (2.0 failed); 1.0 -> the reading at 1.0
    assert joined[READING_TIME_COLUMN].tolist()[0] == 3.0
    assert math.isnan(joined[READING_TIME_COLUMN][1])
    assert joined["rsrp_dbm"].tolist()[2:] == [-90.0, -90.0]
    assert joined["ce_level"].dtype == "Int64"


def test_a_reading_older_than_the_tolerance_is_not_joined() -> None:
    samples = pd.DataFrame({"t_s": [0.0], "sent_s": [2.9]})
    joined = join_radio(samples, READINGS, on="sent_s", tolerance_s=1.5)
    assert joined["rsrp_dbm"].isna().all()


def test_a_sample_without_a_time_gets_no_reading_and_a_missing_column_is_named() -> None:
    samples = pd.DataFrame({"t_s": [0.0, 1.0], "sent_s": [math.nan, 3.2]})
    joined = join_radio(samples, READINGS, on="sent_s", tolerance_s=1.0)
    assert joined["rsrp_dbm"].isna().tolist() == [True, False]
    with pytest.raises(ValueError, match="'clock_s'"):
        join_radio(samples, READINGS, on="clock_s", tolerance_s=1.0)


@given(
    times=st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=20),
    sample_s=st.floats(min_value=0, max_value=120, allow_nan=False),
)
def test_the_joined_reading_is_never_after_the_sample(times: list[float], sample_s: float) -> None:
    frame = readings(*((t, -100.0 - i, None) for i, t in enumerate(times)))
    joined = join_radio(pd.DataFrame({"t_s": [sample_s]}), frame, on="t_s", tolerance_s=1000.0)
    before = [t for t in times if t <= sample_s + 1e-9]
    reading_s = joined[READING_TIME_COLUMN][0]
    assert (math.isnan(reading_s) and not before) or abs(reading_s - max(before)) < 1e-6
