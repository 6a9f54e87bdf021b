"""harness.emm_causes: names, handling classes and back-off times of registration reject causes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.emm_causes import (
    EMM_CAUSES,
    MAX_ATTEMPTS,
    T3402_S,
    T3411_S,
    RejectHandling,
    backoff_s,
    describe_reject,
    reject_cause,
)


@pytest.mark.parametrize("number", [3, 6, 7, 8])
def test_the_causes_that_invalidate_the_sim_are_never_retried(number: int) -> None:
    cause = reject_cause(number)
    assert cause.handling is RejectHandling.INVALID_SIM
    assert not cause.is_retried
    assert backoff_s(cause, failed_attempts=1, t3346_s=None) is None


def test_cause_15_is_named_and_not_retried_in_the_same_area() -> None:
    assert describe_reject(15) == "EMM cause #15 (no suitable cells in tracking area)"
    assert backoff_s(reject_cause(15), failed_attempts=1, t3346_s=None) is None


def test_congestion_waits_t3346_when_the_network_gave_one_else_t3411() -> None:
    congestion = reject_cause(22)
    assert backoff_s(congestion, failed_attempts=1, t3346_s=300.0) == 300.0
    assert backoff_s(congestion, failed_attempts=1, t3346_s=None) == T3411_S


def test_other_causes_wait_t3411_then_t3402_after_the_fifth_failure() -> None:
    cause = reject_cause(17)
    waits = [backoff_s(cause, failed_attempts=n, t3346_s=None) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits == [T3411_S] * (MAX_ATTEMPTS - 1) + [T3402_S]


def test_a_manufacturer_cause_is_not_read_as_an_emm_one() -> None:
    assert describe_reject(7, cause_type=1) == "manufacturer-specific cause #7"
    assert reject_cause(7, cause_type=1).is_retried


def test_5gmm_names_cause_7_as_24_501_does() -> None:
    assert describe_reject(7, domain="5GMM") == "5GMM cause #7 (5GS services not allowed)"
    assert describe_reject(15, domain="5GMM") == "5GMM cause #15 (no suitable cells in tracking area)"


@given(number=st.integers(min_value=0, max_value=65_535))
def test_every_cause_number_has_a_name_and_a_handling(number: int) -> None:
    cause = reject_cause(number)
    assert cause.number == number
    assert cause.name == (EMM_CAUSES[number].name if number in EMM_CAUSES else "unknown")
    assert f"#{number} (" in describe_reject(number)
    wait_s = backoff_s(cause, failed_attempts=1, t3346_s=None)
    assert (wait_s is None) is (not cause.is_retried)
