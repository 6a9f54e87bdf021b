"""harness.virtual.event_loop: timers in due order, cancellation, descriptors, stop."""

from __future__ import annotations

import os

from harness.virtual.event_loop import EventLoop


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_timers_run_in_due_order_and_ties_first_in_first_out() -> None:
    clock = FakeClock()
    loop = EventLoop(clock=clock)
    ran: list[str] = []
    loop.call_at(100.3, lambda: ran.append("c"))
    loop.call_at(100.1, lambda: ran.append("a"))
    loop.call_at(100.1, lambda: ran.append("b"))
    clock.now_s = 101.0
    loop.call_at(100.0, loop.stop)  # due before the others: stops first, the rest never run
    loop.run()
    assert ran == []
    loop.call_at(100.9, loop.stop)
    loop.run()
    assert ran == ["a", "b", "c"]


def test_cancelled_timer_does_not_run() -> None:
    loop = EventLoop()
    ran: list[str] = []
    timer = loop.call_later(0.0, lambda: ran.append("cancelled"))
    loop.call_later(0.0, lambda: ran.append("kept"))
    loop.call_later(0.01, loop.stop)
    timer.cancel()
    loop.run()
    assert ran == ["kept"]


def test_reader_is_called_when_its_descriptor_is_ready_and_not_after_removal() -> None:
    loop = EventLoop()
    read_fd, write_fd = os.pipe()
    try:
        received: list[bytes] = []

        def on_readable() -> None:
            received.append(os.read(read_fd, 100))
            loop.remove_reader(read_fd)
            os.write(write_fd, b"more")  # readable again, but nobody listens any more
            loop.call_later(0.05, loop.stop)

        loop.add_reader(read_fd, on_readable)
        os.write(write_fd, b"ping")
        loop.call_later(2.0, loop.stop)  # deadline: a broken loop fails instead of hanging
        loop.run()
        assert received == [b"ping"]
    finally:
        os.close(read_fd)
        os.close(write_fd)
        loop.close()


def test_writer_is_called_when_writable() -> None:
    loop = EventLoop()
    read_fd, write_fd = os.pipe()
    try:
        calls: list[int] = []

        def on_writable() -> None:
            calls.append(write_fd)
            loop.remove_writer(write_fd)
            loop.stop()

        loop.add_writer(write_fd, on_writable)
        loop.call_later(2.0, loop.stop)
        loop.run()
        assert calls == [write_fd]
    finally:
        os.close(read_fd)
        os.close(write_fd)
        loop.close()
