"""harness.power.raw_samples: raw samples averaged into trace rows keep the charge of every whole row, and
the rows start where their first raw sample does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.power import check_trace
from harness.power.raw_samples import averaged_trace


@given(
    st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=400),
    st.sampled_from([1, 2, 4, 25, 100]),
)
def test_whole_rows_keep_their_charge(raw_ua: list[float], per_row: int) -> None:
    raw_rate_hz = 100_000.0
    trace = averaged_trace(
        np.array(raw_ua), raw_rate_hz=raw_rate_hz, sample_rate_hz=raw_rate_hz / per_row, supply_v=3.6
    )
    rows = len(raw_ua) // per_row
    assert len(trace) == rows
    if rows:
        check_trace(trace, "averaged")
        kept_uc = float(np.sum(raw_ua[: rows * per_row])) / raw_rate_hz
        assert float(trace["current_ua"].sum()) * per_row / raw_rate_hz == pytest.approx(
            kept_uc, rel=1e-9, abs=1e-9
        )


def test_rows_start_at_their_first_raw_sample_and_a_slow_instrument_keeps_its_rate() -> None:
    trace = averaged_trace(
        np.arange(8.0), raw_rate_hz=4.0, sample_rate_hz=1000.0, supply_v=None, first_t_s=2.0
    )
    assert list(trace.columns) == ["t_s", "current_ua"]
    assert list(trace["t_s"]) == [2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75]
    halves = averaged_trace(np.arange(8.0), raw_rate_hz=4.0, sample_rate_hz=2.0, supply_v=None)
    assert list(halves["t_s"]) == [0.0, 0.5, 1.0, 1.5]
    assert list(halves["current_ua"]) == [0.5, 2.5, 4.5, 6.5]
