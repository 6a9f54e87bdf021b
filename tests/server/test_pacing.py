"""The token bucket paces to the rate exactly on a fake clock, and catches up by at most one burst."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.server.pacing import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now_ns = 0

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> None:
        self.now_ns += round(seconds * 1e9)


def send_for(bucket: TokenBucket, clock: FakeClock, *, duration_s: float, size_bytes: int) -> int:
    """A sender that sleeps exactly as long as the bucket says, like the source's loop."""
    sent = 0
    end_ns = round(duration_s * 1e9)
    while True:
        wait_s = bucket.wait_s(size_bytes)
        if clock.now_ns + round(wait_s * 1e9) > end_ns:
            return sent
        clock.advance(wait_s)
        bucket.take(size_bytes)
        sent += 1


@given(packets=st.integers(1, 5000), size_bytes=st.integers(32, 1500), duration_s=st.floats(0.01, 20))
def test_a_sender_that_waits_as_told_sends_exactly_rate_times_duration(
    packets: int, size_bytes: int, duration_s: float
) -> None:
    rate_bps = packets * size_bytes * 8 / duration_s
    clock = FakeClock()
    bucket = TokenBucket(rate_bps=rate_bps, burst_bytes=2 * size_bytes, clock_ns=clock)
    sent = send_for(bucket, clock, duration_s=duration_s, size_bytes=size_bytes)
    assert packets - 1 <= sent <= packets


def test_oversleeping_is_made_up_within_one_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_bps=8000, burst_bytes=2000, clock_ns=clock)  # 1000 bytes/s
    clock.advance(0.5)
    bucket.take(500)
    clock.advance(0.7)  # woke 0.2 s late: 700 bytes may go now, 200 of them owed by the late wake
    assert bucket.wait_s(700) == 0.0
    bucket.take(700)
    assert bucket.wait_s(300) == pytest.approx(0.3)


def test_a_long_stall_is_not_turned_into_a_burst_above_the_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_bps=8000, burst_bytes=2000, clock_ns=clock)
    clock.advance(60)  # a minute of tokens, capped at 2000 bytes
    bucket.take(2000)
    assert bucket.wait_s(100) == pytest.approx(0.1)


@pytest.mark.parametrize(("rate_bps", "burst_bytes"), [(0, 10), (-1, 10), (100, 0)])
def test_nonsense_rates_are_refused(rate_bps: float, burst_bytes: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate_bps=rate_bps, burst_bytes=burst_bytes, clock_ns=FakeClock())
