"""The per-module friendliness indicators on crafted activity: attempts per (scaled) hour, back-off kept or
broken, retry spacing that grows or stays flat, RRC connections, DNS look-ups and release assistance per
report, release delays, and power saving requested."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.emm_causes import T3402_S, T3411_S
from harness.results.friendliness import (
    CASE_METRICS,
    friendliness_metrics,
    max_in_window,
    retries_of,
    wait_growth_min_pct,
)
from harness.results.transcript_activity import TranscriptActivity
from harness.traffic.registration_watch import StatReport

SCALE = 0.01
PORT = f"virtual://bc660k?reject=17&timer_scale={SCALE}"


def rejected_then_retried(waits_s: list[float], *, attach_s: float = 0.05) -> TranscriptActivity:
    """One CFUN=1, then a reject (#17) after every attempt and a new search after each wait."""
    reports: list[StatReport] = []
    t_s = 1.0
    for wait_s in [*waits_s, None]:
        reports.append(StatReport(t_s=t_s, stat=2))
        t_s += attach_s
        reports.append(StatReport(t_s=t_s, stat=3, cause_type=0, reject_cause=17))
        if wait_s is not None:
            t_s += wait_s
    return TranscriptActivity(port=PORT, attach_commands=(0.99,), registration=tuple(reports))


def compliant_waits(count: int) -> list[float]:
    """24.301: T3411 after failures 1-4, T3402 after the 5th, scaled."""
    return [(T3402_S if i % 5 == 4 else T3411_S) * SCALE for i in range(count)]


def test_every_case_metric_is_computed_and_named_in_case_metrics() -> None:
    figures = friendliness_metrics(rejected_then_retried(compliant_waits(3)))
    assert tuple(figures) == CASE_METRICS


def test_a_module_keeping_to_the_3gpp_backoff_passes() -> None:
    figures = friendliness_metrics(rejected_then_retried(compliant_waits(11)))
    assert figures["retry_backoff_violation_count"].value == 0
    assert figures["attach_attempts_per_hour_count"].value <= 24
    growth = figures["retry_wait_growth_min_pct"].value
    assert growth is not None
    assert growth >= 150
    assert figures["first_retry_delay_s"].value == pytest.approx(T3411_S * SCALE)


def test_a_retry_storm_breaks_the_backoff_and_the_hourly_bound() -> None:
    figures = friendliness_metrics(rejected_then_retried([0.01] * 40))
    assert figures["retry_backoff_violation_count"].value == 40
    assert figures["attach_attempts_per_hour_count"].value == 41  # the whole storm fits in 36 s
    assert figures["retry_wait_growth_min_pct"].value == pytest.approx(100.0)


def test_flat_spacing_keeps_t3411_but_never_grows() -> None:
    figures = friendliness_metrics(rejected_then_retried([T3411_S * SCALE] * 12))
    growth = figures["retry_wait_growth_min_pct"].value
    assert growth is not None
    assert growth < 150
    assert figures["retry_backoff_violation_count"].value >= 1  # the 6th attempt came before T3402


def test_a_cfun_cycle_lifts_a_permanent_reject() -> None:
    reports = (
        StatReport(t_s=1.0, stat=2),
        StatReport(t_s=1.1, stat=3, cause_type=0, reject_cause=7),
        StatReport(t_s=2.01, stat=2),
    )
    obeyed = TranscriptActivity(port=PORT, attach_commands=(0.99, 2.0), registration=reports)
    ignored = TranscriptActivity(port=PORT, attach_commands=(0.99,), registration=reports)
    assert friendliness_metrics(obeyed)["retry_backoff_violation_count"].value == 0
    assert friendliness_metrics(ignored)["retry_backoff_violation_count"].value == 1


def test_an_attach_command_and_the_search_it_starts_are_one_attempt() -> None:
    searches = (1.2, 1.3, 20.0)
    reports = [StatReport(t_s=t_s + dt, stat=stat) for t_s in searches for dt, stat in ((0, 2), (0.01, 3))]
    activity = TranscriptActivity(attach_commands=(1.0, 30.0), registration=tuple(reports))
    assert retries_of(activity).attempts == (1.0, 1.3, 20.0, 30.0)


def test_per_report_figures() -> None:
    activity = TranscriptActivity(
        report_sends=(10.0, 20.0, 30.0, 40.0),
        release_assisted_sends=(10.0, 20.0),
        rrc_connected=(1.0, 10.1, 20.1, 30.1, 30.5, 40.1),  # the bring-up's at 1.0 is not a report's
        rrc_released=(12.0, 21.0, 33.0),
        dns_lookups=(9.5,),
        power_saving_requests=(2.0,),
        granted_active_time_s=(20, 8),
    )
    figures = friendliness_metrics(activity, dns_queries=1)
    assert figures["rrc_connections_per_report_mean_count"].value == pytest.approx(5 / 4)
    assert figures["dns_lookups_per_report_mean_count"].value == pytest.approx(2 / 4)
    assert figures["release_assistance_pct"].value == 50.0
    assert figures["report_release_delay_p50_s"].value == pytest.approx(2.0)  # 2, 1, 3; none after 40
    assert figures["power_saving_requested_pct"].value == 100.0
    assert figures["psm_active_time_granted_s"].value == 8.0


def test_no_reports_no_per_report_figures() -> None:
    figures = friendliness_metrics(TranscriptActivity())
    assert figures["rrc_connections_per_report_mean_count"].value is None
    assert figures["power_saving_requested_pct"].value == 0.0
    assert figures["retry_wait_growth_min_pct"].value is None


def test_waits_at_the_cap_may_stay_there() -> None:
    assert wait_growth_min_pct([1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0], cap_s=8.0) == 200.0
    assert wait_growth_min_pct([1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0], cap_s=100.0) == 100.0


@given(st.lists(st.floats(0, 10_000, allow_nan=False), max_size=50), st.floats(0.1, 5_000))
def test_max_in_window_is_at_least_one_and_at_most_all(instants: list[float], window_s: float) -> None:
    most = max_in_window(instants, window_s)
    assert (most == 0) == (not instants)
    assert most <= len(instants)
    brute = max((sum(1 for t in instants if s <= t < s + window_s) for s in instants), default=0)
    assert most == brute
