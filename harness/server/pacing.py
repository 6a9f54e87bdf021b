"""server layer: the token bucket that paces a source (RFC 2697's single-rate bucket, without colours).

Tokens are bytes; they accrue at the rate on the monotonic clock from the moment sending starts, and the
bucket holds at most `burst_bytes`. A sender that falls behind (a loaded machine, a sleep that overslept)
catches up by at most one burst, so the rate over any window never exceeds rate x window + burst; time
lost beyond one burst stays lost and shows in the sent counters rather than as a spike on the link.
"""

from __future__ import annotations

from collections.abc import Callable


class TokenBucket:
    """`rate_bps` bits per second of payload, `burst_bytes` at most in one go, on `clock_ns` (monotonic)."""

    def __init__(self, *, rate_bps: float, burst_bytes: int, clock_ns: Callable[[], int]) -> None:
        if rate_bps <= 0 or burst_bytes <= 0:
            raise ValueError(f"a token bucket needs a positive rate and burst, got {rate_bps}, {burst_bytes}")
        self._bytes_per_ns = rate_bps / 8 / 1e9
        self._burst_bytes = float(burst_bytes)
        self._clock_ns = clock_ns
        self._tokens = 0.0
        self._last_ns = clock_ns()

    def _refill(self) -> None:
        now_ns = self._clock_ns()
        self._tokens = min(self._burst_bytes, self._tokens + (now_ns - self._last_ns) * self._bytes_per_ns)
        self._last_ns = now_ns

    def wait_s(self, size_bytes: int) -> float:
        """How long until `size_bytes` may go (0.0: now)."""
        self._refill()
        missing = min(float(size_bytes), self._burst_bytes) - self._tokens
        return max(0.0, missing / self._bytes_per_ns / 1e9)

    def take(self, size_bytes: int) -> None:
        """Spend tokens for bytes that went out (the bucket may go negative for a datagram above the burst,
        which then delays the next one by as much)."""
        self._refill()
        self._tokens -= size_bytes
