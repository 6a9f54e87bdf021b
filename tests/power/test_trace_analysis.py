"""harness.power.trace_analysis on synthetic traces with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.power import (
    charge_uc,
    energy_mj,
    find_psm_entry_s,
    mean_current_ua,
    sleep_current_ua,
    sleep_window,
)
from harness.power.analyzer import check_trace

RATE_HZ = 1000.0  # 1 ms samples: a 10 µs DC/DC spike of 1 mA adds 10 µA to one


def trace(currents_ua: list[float] | np.ndarray, *, voltage_v: float | None = None) -> pd.DataFrame:
    currents = np.asarray(currents_ua, dtype=float)
    frame = pd.DataFrame({"t_s": np.arange(len(currents)) / RATE_HZ, "current_ua": currents})
    if voltage_v is not None:
        frame["voltage_v"] = voltage_v
    check_trace(frame, "synthetic trace")
    return frame


def psm_trace(*, idle_s: float, psm_s: float, floor_ua: float = 0.8, seed: int = 3) -> pd.DataFrame:
    """Idle at 20 µA with a 50 mA paging sample every 2.56 s, then PSM at the floor with DC/DC spikes in
    2 % of the samples, then a 50 mA burst of 0.1 s (a TAU)."""
    idle = np.full(round(idle_s * RATE_HZ), 20.0)
    idle[:: round(2.56 * RATE_HZ)] = 50_000.0
    psm = np.full(round(psm_s * RATE_HZ), floor_ua * 0.9)
    spikes = np.random.default_rng(seed).random(len(psm)) < 0.02
    psm[spikes] += 10.0
    return trace(np.concatenate([idle, psm, np.full(100, 50_000.0)]))


def test_charge_and_mean_of_a_constant_current() -> None:
    constant = trace([250.0] * 10_000)  # 10 s
    assert math.isclose(charge_uc(constant, 1.0, 3.5), 625.0)
    assert math.isclose(mean_current_ua(constant, 0.0, 10.0), 250.0)
    assert math.isclose(charge_uc(constant, 0.0, 10.0, minus_floor_ua=50.0), 2000.0)


def test_a_window_past_the_ends_counts_only_the_trace() -> None:
    constant = trace([4.0] * 1000)  # covers 0..1 s
    assert math.isclose(charge_uc(constant, -5.0, 7.0), 4.0)
    with pytest.raises(ValueError, match="holds no part"):
        mean_current_ua(constant, 2.0, 3.0)


@given(st.lists(st.floats(0.0, 1e6), min_size=2, max_size=200), st.floats(0.0, 0.3), st.floats(0.0, 0.3))
def test_charges_of_adjacent_windows_add_up(currents: list[float], a_s: float, b_s: float) -> None:
    frame = trace(currents)
    low_s, high_s = sorted((a_s, b_s))
    whole = charge_uc(frame, 0.0, 0.25)
    parts = charge_uc(frame, 0.0, low_s) + charge_uc(frame, low_s, high_s) + charge_uc(frame, high_s, 0.25)
    assert math.isclose(whole, parts, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(whole, sum(currents) / RATE_HZ, rel_tol=1e-9, abs_tol=1e-6)


def test_energy_uses_the_trace_voltage_or_a_given_supply() -> None:
    frame = trace([1000.0] * 2000, voltage_v=3.6)  # 1 mA for 2 s: 2000 µC
    assert math.isclose(energy_mj(frame, 0.0, 2.0), 7.2)
    assert math.isclose(energy_mj(frame, 0.0, 2.0, supply_v=3.0), 6.0)
    with pytest.raises(ValueError, match="supply_v"):
        energy_mj(trace([1.0, 2.0]), 0.0, 1.0)


def test_psm_entry_is_where_the_current_falls_to_the_floor_despite_spikes() -> None:
    frame = psm_trace(idle_s=12.0, psm_s=30.0)
    entry_s = find_psm_entry_s(frame, floor_ua=0.8)
    assert entry_s is not None
    assert 12.0 <= entry_s <= 12.0 + 1 / RATE_HZ


def test_no_psm_entry_in_a_trace_that_never_reaches_the_floor() -> None:
    assert find_psm_entry_s(psm_trace(idle_s=20.0, psm_s=0.0), floor_ua=0.8) is None


def test_sleep_current_is_the_mean_from_entry_to_the_next_burst() -> None:
    frame = psm_trace(idle_s=3.0, psm_s=25.0)
    entry_s = find_psm_entry_s(frame, floor_ua=0.8)
    assert entry_s is not None
    window = sleep_window(frame, psm_entry_s=entry_s, floor_ua=0.8)
    assert window is not None
    assert math.isclose(window.stop_s, 28.0)  # the TAU burst after 25 s of PSM
    expected = frame["current_ua"].iloc[round(entry_s * RATE_HZ) : round(28.0 * RATE_HZ)].mean()
    assert math.isclose(sleep_current_ua(frame, psm_entry_s=entry_s, floor_ua=0.8) or 0.0, expected)


def test_sleep_current_is_missing_when_psm_lasted_under_ten_seconds() -> None:
    frame = psm_trace(idle_s=3.0, psm_s=9.0)
    entry_s = find_psm_entry_s(frame, floor_ua=0.8)
    assert entry_s is not None
    assert sleep_window(frame, psm_entry_s=entry_s, floor_ua=0.8) is None
    assert sleep_current_ua(frame, psm_entry_s=entry_s, floor_ua=0.8) is None


def test_a_frame_without_the_trace_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="current_ua"):
        check_trace(pd.DataFrame({"t_s": [0.0], "current_ma": [1.0]}), "a trace")
