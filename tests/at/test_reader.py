from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from serial import SerialException

from harness.at.reader import ReaderThread


def idle() -> None:
    time.sleep(0.01)


class Recorder:
    def __init__(self) -> None:
        self.lost: list[BaseException] = []
        self.failures_seen = threading.Event()

    def reader(self, step: Callable[[], None]) -> ReaderThread:
        return ReaderThread(
            name="at-reader test",
            step=step,
            on_lost=self.lost.append,
            on_failure=self.failures_seen.set,
        )


def test_runs_until_stopped_and_joins() -> None:
    reader = Recorder().reader(idle)
    assert not reader.is_running
    reader.start()
    assert reader.is_running
    reader.stop(cancel_read=None)
    assert not reader.is_running
    assert not any(t.name == "at-reader test" for t in threading.enumerate())


def test_a_port_error_is_a_loss_not_a_failure() -> None:
    recorder = Recorder()

    def step() -> None:
        raise SerialException("read failed: [Errno 5] Input/output error")

    reader = recorder.reader(step)
    reader.start()
    reader.stop(cancel_read=None)
    assert [str(e) for e in recorder.lost] == ["read failed: [Errno 5] Input/output error"]
    assert not reader.is_crashed
    reader.raise_failure()  # nothing kept


def test_a_bug_is_kept_and_raised_once() -> None:
    recorder = Recorder()

    def step() -> None:
        raise ZeroDivisionError("bug")

    reader = recorder.reader(step)
    reader.start()
    assert recorder.failures_seen.wait(2)
    assert reader.is_crashed
    reader.stop(cancel_read=None)
    with pytest.raises(ZeroDivisionError, match="bug"):
        reader.raise_failure()
    reader.raise_failure()


def test_the_first_kept_failure_wins_and_cancel_read_is_called() -> None:
    recorder = Recorder()
    reader = recorder.reader(idle)
    reader.start()
    reader.keep_failure(KeyError("first"))
    reader.keep_failure(KeyError("second"))
    cancelled = threading.Event()
    reader.stop(cancel_read=cancelled.set)
    assert cancelled.is_set()
    with pytest.raises(KeyError, match="first"):
        reader.raise_failure()
