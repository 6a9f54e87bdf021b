"""Tests of harness.results.timestamps: UTC text with Z, both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.results.timestamps import format_utc, parse_utc


def test_any_zone_is_written_as_utc_with_z() -> None:
    local = datetime(2026, 11, 25, 23, 32, 52, 5, tzinfo=timezone(timedelta(hours=8)))
    assert format_utc(local, "t") == "2026-11-25T15:32:52.000005Z"


def test_naive_times_are_refused_both_ways() -> None:
    with pytest.raises(ValueError, match="started_utc must be a timezone-aware"):
        format_utc(datetime(2026, 1, 1), "started_utc")
    with pytest.raises(ValueError, match="no time zone"):
        parse_utc("2026-01-01T00:00:00", "t")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_utc("noon", "t")


@given(st.datetimes(timezones=st.just(UTC)), st.datetimes(timezones=st.just(UTC)))
def test_round_trip_and_text_order_is_time_order(first: datetime, second: datetime) -> None:
    first_text, second_text = format_utc(first, "t"), format_utc(second, "t")
    assert parse_utc(first_text, "t") == first
    assert (first_text < second_text) == (first < second)
