"""The time-left estimate of a plan run (harness/pytest_plugin/progress_estimate.py): the previous run's time
of a case first, this run's mean of finished cases for the rest, "unknown" with nothing to go by, divided
over the workers; durations written as a person reads them, estimates no finer than they are good for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.pytest_plugin.progress_estimate import (
    CaseEnd,
    ProgressEstimate,
    about,
    duration,
    progress_line,
)

CASES = ("a@m", "b@m", "c@m", "d@m")


def test_with_nothing_finished_and_no_previous_run_the_time_left_is_unknown() -> None:
    left = ProgressEstimate(CASES, previous_s={}).time_left()
    assert left.seconds is None
    assert left.text() == "time left unknown (no finished case nor previous run to go by for 4)"


def test_the_previous_runs_times_come_first_and_the_mean_of_finished_cases_fills_in() -> None:
    estimate = ProgressEstimate(CASES, previous_s={"c@m": 100.0, "gone@m": 999.0})
    estimate.finish("a@m", duration_s=30.0)
    estimate.finish("b@m", duration_s=50.0)
    left = estimate.time_left()
    assert left.seconds == pytest.approx(100.0 + 40.0)  # c from the previous run, d at the mean of a and b
    assert left.basis == "previous run's times for 1; mean of 2 finished, 40 s, for 1"
    assert (estimate.done, estimate.total) == (2, 4)


def test_skipped_cases_count_as_done_but_not_in_the_mean() -> None:
    estimate = ProgressEstimate(CASES, previous_s={})
    estimate.finish("a@m", duration_s=0.01, is_timed=False)
    assert estimate.time_left().seconds is None  # a skip says nothing of how long a case takes
    estimate.finish("b@m", duration_s=60.0)
    assert estimate.time_left().seconds == pytest.approx(120.0)
    assert estimate.done == 2


def test_workers_share_the_time_left_and_the_basis_says_so() -> None:
    estimate = ProgressEstimate(CASES, previous_s={"b@m": 60.0, "c@m": 60.0, "d@m": 60.0})
    estimate.finish("a@m", duration_s=10.0)
    left = estimate.time_left(workers=3)
    assert left.seconds == pytest.approx(60.0)
    assert left.basis == "previous run's times for 3; over 3 workers"


def test_a_case_the_estimate_did_not_know_counts_as_one_more() -> None:
    estimate = ProgressEstimate(["a@m"], previous_s={})
    estimate.finish("x@m", duration_s=5.0)
    assert (estimate.done, estimate.total) == (1, 2)


def test_the_line_reads_as_the_issue_shows_it() -> None:
    estimate = ProgressEstimate([f"c{k}@m" for k in range(32)], previous_s={})
    for k in range(11):
        estimate.finish(f"c{k}@m", duration_s=20.0)
    estimate.finish("c11@m", duration_s=48.0)
    end = CaseEnd(case_id="c11@m", outcome="passed", duration_s=48.0)
    line = progress_line(estimate, end, elapsed_s=552.0)
    assert line == (
        "miot: [12/32] c11@m passed in 48 s; 9 min 12 s elapsed, "
        "about 7 min 30 s left (mean of 12 finished, 22 s, for 20)"
    )


def test_the_last_line_says_all_is_done() -> None:
    estimate = ProgressEstimate(["a@m"], previous_s={})
    estimate.finish("a@m", duration_s=3.0)
    line = progress_line(estimate, CaseEnd(case_id="a@m", outcome="failed", duration_s=3.0), elapsed_s=4.0)
    assert line == "miot: [1/1] a@m failed in 3 s; 4 s elapsed, all cases done"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "0 s"), (48.4, "48 s"), (59.6, "1 min 0 s"), (552, "9 min 12 s"), (7500, "2 h 5 min")],
)
def test_durations(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(42, "40 s"), (198, "3 min 20 s"), (661, "11 min"), (7500, "2 h 5 min")],
)
def test_estimates_are_rounded_to_what_they_are_good_for(seconds: float, text: str) -> None:
    assert about(seconds) == text


def test_a_tiny_estimate_is_not_shown_as_zero() -> None:
    estimate = ProgressEstimate(["a@m", "b@m"], previous_s={})
    estimate.finish("a@m", duration_s=1.0)
    assert estimate.time_left().text() == "under 5 s left (mean of 1 finished, 1 s, for 1)"


@given(
    durations_s=st.lists(st.floats(min_value=0, max_value=1e4), min_size=1, max_size=20),
    previous_s=st.dictionaries(st.sampled_from(CASES), st.floats(min_value=0, max_value=1e4)),
    workers=st.integers(min_value=1, max_value=8),
)
def test_the_estimate_is_the_sum_it_names_over_the_workers(
    durations_s: list[float], previous_s: dict[str, float], workers: int
) -> None:
    finished = [f"f{k}@m" for k in range(len(durations_s))]
    estimate = ProgressEstimate([*finished, *CASES], previous_s=previous_s)
    for case_id, seconds in zip(finished, durations_s, strict=True):
        estimate.finish(case_id, duration_s=seconds)
    mean_s = sum(durations_s) / len(durations_s)
    expected_s = sum(previous_s.get(c, mean_s) for c in CASES) / workers
    left = estimate.time_left(workers=workers)
    assert left.seconds == pytest.approx(expected_s, rel=1e-9, abs=1e-9)
