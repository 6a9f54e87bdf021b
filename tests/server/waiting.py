"""A deadline-bound wait for the server tests: every worker counts on its own thread."""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT_S = 5.0


def wait_until(condition: Callable[[], bool], *, timeout_s: float = WAIT_S) -> None:
    """Poll `condition` until it holds; AssertionError at the deadline (a bug fails, never hangs)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(0.01)
