"""Samples on the AT session clock (harness/traffic/session_clock.py): the column goes second, after t_s, one
value a row; a server's wall-clock stamps land on the session clock by the offset of the two clocks now; and a
goodput series carries each bin's end on the session clock when its rows carry it."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.traffic.goodput_series import goodput_series
from harness.traffic.session_clock import (
    SESSION_CLOCK_COLUMN,
    wall_ns_on_session_clock,
    with_session_clock,
)


def test_the_column_goes_right_after_t_s_and_replaces_an_older_one() -> None:
    samples = pd.DataFrame({"t_s": [0.0, 1.0], "rtt_ms": [5.0, 6.0]})
    once = with_session_clock(samples, [10.0, 11.0])
    assert list(once.columns) == ["t_s", SESSION_CLOCK_COLUMN, "rtt_ms"]
    assert once[SESSION_CLOCK_COLUMN].dtype == np.float64
    twice = with_session_clock(once, pd.Series([20.0, 21.0]))
    assert list(twice.columns) == ["t_s", SESSION_CLOCK_COLUMN, "rtt_ms"]
    assert twice[SESSION_CLOCK_COLUMN].tolist() == [20.0, 21.0]
    assert list(samples.columns) == ["t_s", "rtt_ms"]  # the caller's frame is left alone


def test_one_session_time_per_row_or_an_error() -> None:
    with pytest.raises(ValueError, match="1 session times for 2 sample rows"):
        with_session_clock(pd.DataFrame({"t_s": [0.0, 1.0]}), [3.0])


def test_an_empty_frame_gets_an_empty_column() -> None:
    empty = with_session_clock(pd.DataFrame({"t_s": pd.Series([], dtype=float)}), [])
    assert list(empty.columns) == ["t_s", SESSION_CLOCK_COLUMN]


def test_wall_stamps_move_onto_the_session_clock_by_the_clocks_offset() -> None:
    origin_s = time.monotonic() - 100.0  # a session opened 100 s ago
    now_ns = time.time_ns()
    stamps = pd.Series([now_ns - 2_000_000_000, now_ns - 500_000_000], dtype=np.int64)
    on_session = wall_ns_on_session_clock(stamps, lambda: time.monotonic() - origin_s)
    # 2 s and 0.5 s before "now" on a session now 100 s old; the clocks are read a moment apart
    assert on_session.tolist() == pytest.approx([98.0, 99.5], abs=0.05)


@given(
    offset_s=st.floats(min_value=-1e5, max_value=1e5),
    start_s=st.floats(min_value=0, max_value=1e4),
    gaps_s=st.lists(st.floats(min_value=0.01, max_value=0.4), min_size=8, max_size=40),
)
def test_a_series_bins_end_is_its_start_plus_the_interval_on_the_session_clock(
    offset_s: float, start_s: float, gaps_s: list[float]
) -> None:
    t_s = start_s + np.cumsum([0.0, *gaps_s])
    rows = pd.DataFrame({"t_s": t_s, "payload_bytes": 100})
    rows = with_session_clock(rows, t_s + offset_s)
    series = goodput_series(rows, interval_s=0.5)
    assert list(series.columns[:2]) == ["t_s", SESSION_CLOCK_COLUMN]
    expected = (series["t_s"] + 0.5 + offset_s).tolist()
    assert series[SESSION_CLOCK_COLUMN].tolist() == pytest.approx(expected, abs=1e-6)


def test_a_series_of_rows_without_the_session_clock_has_none() -> None:
    rows = pd.DataFrame({"t_s": [0.0, 0.5, 1.0, 1.5], "payload_bytes": 100})
    assert SESSION_CLOCK_COLUMN not in goodput_series(rows)
