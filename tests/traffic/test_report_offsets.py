"""Report offsets against the wall clock's grid: the spread is the shortest arc holding every offset (also
across the grid's wrap), as a share of the jitter window, judged over 20 reports or more; and the schedule
shifts put reports on the grid, with or without a random offset."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.traffic.report_offsets import (
    MIN_REPORTS,
    Schedule,
    offset_spread_s,
    report_offset_spread_pct,
    report_offsets_s,
    schedule_shifts_s,
)

INTERVAL_S = 60.0


def test_reports_in_step_have_no_spread() -> None:
    sends = [1_800_000_000.0 + i * INTERVAL_S for i in range(MIN_REPORTS)]
    assert report_offset_spread_pct(sends, interval_s=INTERVAL_S, jitter_window_s=30.0).value == 0.0


def test_randomised_reports_spread_over_their_window() -> None:
    draw = random.Random(4)
    sends = [1_800_000_000.0 + i * INTERVAL_S + draw.uniform(0, 30.0) for i in range(40)]
    spread = report_offset_spread_pct(sends, interval_s=INTERVAL_S, jitter_window_s=30.0)
    assert spread.value is not None
    assert spread.value >= 50
    assert spread.n_samples == 40


def test_a_spread_across_the_grid_point_is_not_the_whole_interval() -> None:
    offsets = report_offsets_s([119.0, 121.0, 58.5], interval_s=INTERVAL_S)
    assert offsets == pytest.approx([59.0, 1.0, 58.5])
    assert offset_spread_s(offsets, interval_s=INTERVAL_S) == pytest.approx(2.5)


def test_too_few_reports_give_no_value() -> None:
    figure = report_offset_spread_pct([0.0] * (MIN_REPORTS - 1), interval_s=INTERVAL_S)
    assert figure.value is None
    assert figure.n_samples == MIN_REPORTS - 1


def test_clock_schedule_waits_for_the_grid_and_adds_offsets_only_with_a_draw() -> None:
    on_grid = schedule_shifts_s(
        count=3, schedule=Schedule.CLOCK, interval_s=10.0, offset_window_s=4.0, now_utc_s=1003.0, draw=None
    )
    assert on_grid == [7.0, 7.0, 7.0]
    spread = schedule_shifts_s(
        count=50, schedule=Schedule.CLOCK, interval_s=10.0, offset_window_s=4.0, now_utc_s=1003.0,
        draw=random.Random(1),
    )  # fmt: skip
    assert all(7.0 <= s < 11.0 for s in spread)
    assert max(spread) - min(spread) > 2.0
    from_start = schedule_shifts_s(
        count=2, schedule=Schedule.START, interval_s=10.0, offset_window_s=0.0, now_utc_s=1003.0, draw=None
    )
    assert from_start == [0.0, 0.0]


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40), st.floats(1.0, 3600.0))
def test_the_spread_lies_within_the_interval(sends: list[float], interval_s: float) -> None:
    spread = offset_spread_s(report_offsets_s(sends, interval_s=interval_s), interval_s=interval_s)
    assert 0.0 <= spread < interval_s + 1e-6
