"""harness.traffic.attach_rejects: rejects counted from the registration reports of an attempt, and retries
judged against the back-off of their cause (indicators.md §5.1 `reject_backoff_violation_count`, §1.5)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.emm_causes import T3402_S, T3411_S
from harness.traffic.attach_rejects import SLACK_S, describe_denial, is_retried, tally_rejects
from harness.traffic.registration_watch import StatReport


def reject(t_s: float, cause: int | None, *, is_read: bool = False) -> StatReport:
    return StatReport(
        t_s=t_s, stat=3, cause_type=None if cause is None else 0, reject_cause=cause, is_read=is_read
    )


def search(t_s: float) -> StatReport:
    return StatReport(t_s=t_s, stat=2)


def test_a_retry_after_t3411_is_no_violation_and_one_before_it_is() -> None:
    compliant = tally_rejects([search(0.0), reject(1.0, 17), search(1.0 + T3411_S), reject(12.0, 17)])
    assert (compliant.reject_count, compliant.violation_count) == (2, 0)
    early = tally_rejects([search(0.0), reject(1.0, 17), search(3.0)])
    assert early.violation_count == 1
    assert early.violations[0] == (
        "attempted again 2.00 s after EMM cause #17 (network failure), before its 10 s back-off"
    )


def test_any_attempt_after_a_cause_that_invalidates_the_sim_is_a_violation() -> None:
    tally = tally_rejects([search(0.0), reject(1.0, 7), search(1000.0)])
    assert tally.violation_count == 1
    assert "without a CFUN or SIM cycle" in tally.violations[0]


def six_rejects(*, fifth_wait_s: float) -> list[StatReport]:
    """Six rejects with cause #17, each followed by a retry: T3411 after each but the fifth."""
    reports, t_s = [search(0.0)], 0.0
    for attempt in range(1, 7):
        t_s += 1.0
        reports.append(reject(t_s, 17))
        t_s += fifth_wait_s if attempt == 5 else T3411_S
        reports.append(search(t_s))
    return reports


def test_the_sixth_attempt_must_wait_t3402_and_the_counter_then_starts_again() -> None:
    assert tally_rejects(six_rejects(fifth_wait_s=T3402_S)).violation_count == 0
    hasty = tally_rejects(six_rejects(fifth_wait_s=T3411_S))
    assert hasty.violation_count == 1
    assert "before its 720 s back-off" in hasty.violations[0]


def test_congestion_uses_the_t3346_the_plan_gives_and_timers_follow_the_scale() -> None:
    reports = [search(0.0), reject(1.0, 22), search(1.0 + 60.0 * 0.01)]
    assert tally_rejects(reports, timer_scale=0.01, t3346_s=60.0).violation_count == 0
    assert tally_rejects(reports, timer_scale=0.01, t3346_s=120.0).violation_count == 1


def test_repeated_reads_of_one_reject_count_once_and_a_causeless_one_is_not_judged() -> None:
    tally = tally_rejects([reject(1.0, None), reject(2.0, None, is_read=True), search(2.5)])
    assert (tally.reject_count, tally.violation_count) == (1, 0)


def test_names_and_retry_of_a_denial() -> None:
    assert describe_denial(15, cause_type=0, domain=None) == (
        "registration denied: EMM cause #15 (no suitable cells in tracking area)"
    )
    assert (
        describe_denial(None, cause_type=None, domain=None)
        == "registration denied (stat 3, no cause reported)"
    )
    assert not is_retried(reject(0.0, 15))
    assert is_retried(reject(0.0, None))


@given(
    cause=st.sampled_from([17, 22, 42, 111]),
    waits_s=st.lists(st.floats(min_value=0.0, max_value=2 * T3402_S), min_size=1, max_size=12),
)
def test_a_module_that_waits_at_least_t3402_each_time_never_violates_and_never_waiting_always_does(
    cause: int, waits_s: list[float]
) -> None:
    def reports(wait_of: list[float]) -> list[StatReport]:
        out, t_s = [search(0.0)], 0.0
        for wait_s in wait_of:
            t_s += 1.0
            out.append(reject(t_s, cause))
            t_s += wait_s
            out.append(search(t_s))
        return out

    patient = tally_rejects(reports([max(w, T3402_S) for w in waits_s]))
    assert (patient.reject_count, patient.violation_count) == (len(waits_s), 0)
    hasty = tally_rejects(reports([min(w, T3411_S - 2 * SLACK_S) for w in waits_s]))
    assert hasty.violation_count == len(waits_s)
