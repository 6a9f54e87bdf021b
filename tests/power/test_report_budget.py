"""harness.power.report_budget: a trace cut by state marks, and battery life as indicators.md §5.5
derives it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from harness.power.report_budget import (
    ReportProfile,
    StateMark,
    average_current_ua,
    projected_life_years,
    segment_trace,
    taus_per_interval,
)


def step_trace() -> pd.DataFrame:
    """1 kHz: 2 s at 50 mA (connected), 3 s at 20 µA (idle), 5 s at 1 µA (PSM)."""
    t_s = np.arange(0, 10, 0.001)
    current_ua = np.where(t_s < 2, 50_000.0, np.where(t_s < 5, 20.0, 1.0))
    return pd.DataFrame({"t_s": t_s, "current_ua": current_ua})


def test_segments_carry_each_state_charge_and_mean() -> None:
    marks = [
        StateMark(t_s=5.0, state="psm"),
        StateMark(t_s=0.0, state="connected"),
        StateMark(t_s=2.0, state="idle"),
    ]
    segments = segment_trace(step_trace(), marks, stop_s=10.0)
    assert segments.columns[0] == "t_s"
    assert segments["state"].tolist() == ["connected", "idle", "psm"]
    assert segments["charge_uc"].to_numpy() == pytest.approx([100_000.0, 60.0, 5.0], rel=1e-3)
    assert segments["mean_current_ua"].to_numpy() == pytest.approx([50_000.0, 20.0, 1.0], rel=1e-3)


def test_a_segment_of_no_length_is_left_out() -> None:
    marks = [StateMark(t_s=2.0, state="idle"), StateMark(t_s=2.0, state="psm")]
    assert segment_trace(step_trace(), marks, stop_s=10.0)["state"].tolist() == ["psm"]


def test_the_indicators_daily_budget_gives_ten_years() -> None:
    """indicators.md §5.5 (D): 5 Wh at 3.6 V = 5000 C; a 3 µA floor and 1.11 C per daily report last 10 years.
    5000 C at 3.6 V is 1389 mAh."""
    profile = ReportProfile(report_interval_s=86_400.0, battery_mah=5000.0 / 3.6)
    years = projected_life_years(profile, sleep_current_ua=3.0, charge_per_report_uc=1.11e6)
    assert years == pytest.approx(10.0, rel=0.01)


def test_periodic_taus_inside_a_report_interval_are_paid_for() -> None:
    profile = ReportProfile(report_interval_s=7200.0, battery_mah=5000.0, periodic_tau_s=3000.0)
    assert taus_per_interval(profile) == 2
    mean_ua = average_current_ua(
        profile, sleep_current_ua=1.0, charge_per_report_uc=7200.0, tau_charge_uc=3600.0
    )
    assert mean_ua == pytest.approx(1.0 + (7200.0 + 2 * 3600.0) / 7200.0)
    assert taus_per_interval(ReportProfile(report_interval_s=10.0, battery_mah=1.0)) == 0


def test_life_falls_as_the_report_costs_more() -> None:
    profile = ReportProfile(report_interval_s=86_400.0, battery_mah=5000.0)
    cheap = projected_life_years(profile, sleep_current_ua=0.8, charge_per_report_uc=1e5)
    dear = projected_life_years(profile, sleep_current_ua=0.8, charge_per_report_uc=1e6)
    assert dear < cheap
    assert math.isfinite(cheap)
