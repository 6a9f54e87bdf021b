"""Root conftest of the harness's own test suite; the harness plugin itself comes from its pytest11
entry point."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator

import pytest


@pytest.fixture
def rate_measurement_slot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One rate-measuring test at a time across pytest-xdist workers. The tests that check a virtual data
    path's goodput and RTT against its configured figures (netns relay, tbf, iperf3) measure this machine's
    spare CPU as much as the harness when two of them run at once on two cores: seen as a RedCap TCP goodput
    5 % short. The lock file sits in the session's shared temporary root (the workers' parent)."""
    lock_path = tmp_path_factory.getbasetemp().parent / "rate-measurement.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
