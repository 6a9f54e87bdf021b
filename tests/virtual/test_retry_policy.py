"""How a virtual module waits after a reject: 24.301 by default, flat T3411 or a storm when told to
misbehave, randomised by backoff.jitter from its seed; the URL options are checked like every other."""

from __future__ import annotations

import random

import pytest

from harness.emm_causes import T3402_S, T3411_S, reject_cause
from harness.errors import UrlError
from harness.virtual.options import parse_virtual_url
from harness.virtual.retry_policy import Backoff, RetryPolicy

NETWORK_FAILURE = reject_cause(17)
ILLEGAL_UE = reject_cause(3)


def waits(policy: RetryPolicy, cause: object = NETWORK_FAILURE) -> list[float | None]:
    draw = random.Random(1)
    return [
        policy.wait_s(cause, failed_attempts=n, t3346_s=None, draw=draw)  # type: ignore[arg-type]
        for n in range(1, 7)
    ]


def test_the_default_is_24301() -> None:
    assert waits(RetryPolicy()) == [T3411_S] * 4 + [T3402_S, T3402_S]
    assert waits(RetryPolicy(), ILLEGAL_UE) == [None] * 6


def test_flat_never_grows_and_still_obeys_a_permanent_reject() -> None:
    assert waits(RetryPolicy(backoff=Backoff.FLAT)) == [T3411_S] * 6
    assert waits(RetryPolicy(backoff=Backoff.FLAT), ILLEGAL_UE) == [None] * 6


def test_a_storm_retries_whatever_the_cause() -> None:
    assert waits(RetryPolicy(backoff=Backoff.STORM, storm_s=0.5), ILLEGAL_UE) == [0.5] * 6


def test_jitter_lengthens_each_wait_by_up_to_its_share() -> None:
    jittered = waits(RetryPolicy(jitter=0.5))
    assert all(w is not None and T3411_S <= w <= 1.5 * T3411_S for w in jittered[:4])
    assert len(set(jittered)) == 6


def test_url_options() -> None:
    options = parse_virtual_url("virtual://bc660k?backoff=storm&backoff.storm_s=2&backoff.jitter=0.2")
    assert options.retry == RetryPolicy(backoff=Backoff.STORM, storm_s=2.0, jitter=0.2)
    assert parse_virtual_url("virtual://bc660k").retry == RetryPolicy()
    with pytest.raises(UrlError, match="option backoff must be one of 3gpp, flat, storm"):
        parse_virtual_url("virtual://bc660k?backoff=fast")
