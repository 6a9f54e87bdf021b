"""harness.power.wake_schedule: the events granted timers predict, and the check that flags a prediction the
observations do not bear out."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from harness.power.wake_schedule import (
    GrantedTimers,
    PredictedEvent,
    WakeEvent,
    check_schedule,
    mismatch_count,
    predict_schedule,
)

PSM_ONLY = GrantedTimers(active_time_s=60.0, periodic_tau_s=3600.0)
TOLERANCE = dict.fromkeys(WakeEvent, 3.0)


def test_psm_entry_and_periodic_tau_follow_the_release() -> None:
    events = predict_schedule(PSM_ONLY, released_s=10.0, until_s=4000.0)
    assert events == [
        PredictedEvent(event=WakeEvent.PSM_ENTRY, at_s=70.0),
        PredictedEvent(event=WakeEvent.PERIODIC_TAU, at_s=3610.0),
    ]


def test_events_after_the_horizon_are_not_predicted() -> None:
    assert predict_schedule(PSM_ONLY, released_s=0.0, until_s=59.0) == []


def test_edrx_windows_repeat_each_cycle_until_psm() -> None:
    timers = GrantedTimers(active_time_s=50.0, periodic_tau_s=3600.0, edrx_cycle_s=20.48, ptw_s=2.56)
    windows = [
        e.at_s
        for e in predict_schedule(timers, released_s=0.0, until_s=200.0, edrx_window_start_s=5.0)
        if e.event is WakeEvent.PAGING_WINDOW
    ]
    assert windows == [5.0, 25.48, 45.96]


def test_without_psm_edrx_windows_run_to_the_horizon() -> None:
    timers = GrantedTimers(active_time_s=None, periodic_tau_s=None, edrx_cycle_s=10.0, ptw_s=2.0)
    events = predict_schedule(timers, released_s=0.0, until_s=35.0, edrx_window_start_s=0.0)
    assert [e.at_s for e in events] == [0.0, 10.0, 20.0, 30.0]


def test_a_matching_observation_within_tolerance_passes() -> None:
    predicted = predict_schedule(PSM_ONLY, released_s=0.0, until_s=4000.0)
    observed = {WakeEvent.PSM_ENTRY: [61.0], WakeEvent.PERIODIC_TAU: [3598.5]}
    checks = check_schedule(predicted, observed, tolerance_s=TOLERANCE)
    assert [c.error_s for c in checks] == [1.0, -1.5]
    assert mismatch_count(checks) == 0


def test_a_wrong_prediction_is_flagged_not_dropped() -> None:
    """The module entered PSM at 60 s; a prediction from a T3324 twice as long misses it."""
    wrong = GrantedTimers(active_time_s=120.0, periodic_tau_s=3600.0)
    predicted = predict_schedule(wrong, released_s=0.0, until_s=200.0)
    checks = check_schedule(predicted, {WakeEvent.PSM_ENTRY: [60.0]}, tolerance_s=TOLERANCE)
    assert len(checks) == 1
    assert not checks[0].is_match
    assert checks[0].observed_s is None
    assert mismatch_count(checks) == 1


def test_one_observation_serves_one_prediction() -> None:
    predicted = [
        PredictedEvent(event=WakeEvent.PSM_ENTRY, at_s=10.0),
        PredictedEvent(event=WakeEvent.PSM_ENTRY, at_s=11.0),
    ]
    checks = check_schedule(predicted, {WakeEvent.PSM_ENTRY: [10.5]}, tolerance_s=TOLERANCE)
    assert mismatch_count(checks) == 1


@given(
    active_s=st.floats(min_value=2, max_value=1e4),
    tau_s=st.floats(min_value=2, max_value=1e6),
    released_s=st.floats(min_value=0, max_value=1e5),
    factor=st.floats(min_value=1e-3, max_value=1.0),
)
def test_scaled_timers_predict_scaled_times(
    active_s: float, tau_s: float, released_s: float, factor: float
) -> None:
    # timers a rounding apart have no order to keep: shifted by released_s, their sum can tie either way
    assume(abs(active_s - tau_s) > 1e-9 * tau_s)
    timers = GrantedTimers(active_time_s=active_s, periodic_tau_s=tau_s)
    coded = predict_schedule(timers, released_s=0.0, until_s=2e6)
    run = predict_schedule(timers.scaled(factor), released_s=released_s, until_s=released_s + 2e6)
    assert [e.event for e in coded] == [e.event for e in run]
    for a, b in zip(coded, run, strict=True):
        assert abs((b.at_s - released_s) - a.at_s * factor) <= 1e-6 * max(1.0, a.at_s)
