from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Callable, Iterator

import pytest
import serial
from serial import SerialException

from harness.at.reader import PortInput, ReaderThread, ReadTurn

WAIT_S = 5.0


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


# --- PortInput: what the reader reads ----------------------------------------------------------------------


@pytest.fixture
def pty_port() -> Iterator[tuple[int, serial.Serial]]:
    """A pyserial posix port on a raw pty, and the other end's file descriptor."""
    master_fd, slave_fd = os.openpty()
    tty.setraw(master_fd)
    tty.setraw(slave_fd)
    port = serial.Serial(os.ttyname(slave_fd), timeout=0.05)
    try:
        yield master_fd, port
    finally:
        port.close()
        os.close(master_fd)
        os.close(slave_fd)


def test_a_posix_port_is_read_through_its_descriptor_in_one_chunk(
    pty_port: tuple[int, serial.Serial], monkeypatch: pytest.MonkeyPatch
) -> None:
    master_fd, port = pty_port

    def not_used(self: serial.Serial, size: int = 1) -> bytes:
        raise AssertionError("pyserial's read() was called")

    monkeypatch.setattr(serial.Serial, "read", not_used)
    reader = PortInput(port, poll_s=WAIT_S)
    try:
        os.write(master_fd, b"\r\nOK\r\n")
        assert reader.read_chunk() == b"\r\nOK\r\n"
        assert reader.read_chunk(wait_s=0.01) == b""  # nothing more: returns after its wait
    finally:
        reader.close()


def test_a_port_that_overrides_read_is_read_through_read(pty_port: tuple[int, serial.Serial]) -> None:
    master_fd, plain = pty_port
    calls: list[int] = []

    class Spying(serial.Serial):
        def read(self, size: int = 1) -> bytes:
            calls.append(size)
            return super().read(size)

    port = Spying(plain.port, timeout=0.05)
    reader = PortInput(port, poll_s=WAIT_S)
    try:
        os.write(master_fd, b"RDY\r\n")
        received = b""
        deadline_s = time.monotonic() + WAIT_S
        while received != b"RDY\r\n" and time.monotonic() < deadline_s:
            received += reader.read_chunk()
        assert received == b"RDY\r\n"
        assert calls
    finally:
        reader.close()
        port.close()


def test_interrupt_ends_a_wait_at_once(pty_port: tuple[int, serial.Serial]) -> None:
    _, port = pty_port
    reader = PortInput(port, poll_s=60.0)
    try:
        assert reader.interrupt is not None
        timer = threading.Timer(0.05, reader.interrupt)
        timer.start()
        try:
            assert reader.read_chunk() == b""  # would take 60 s without the interrupt
        finally:
            timer.cancel()
    finally:
        reader.close()


def test_a_port_closed_under_the_reader_is_a_loss_not_a_read_of_another_file(
    pty_port: tuple[int, serial.Serial],
) -> None:
    _, port = pty_port
    reader = PortInput(port, poll_s=WAIT_S)
    try:
        port.close()
        with pytest.raises(SerialException, match="closed"):
            reader.read_chunk()
    finally:
        reader.close()


def test_a_vanished_device_is_a_loss() -> None:
    master_fd, slave_fd = os.openpty()
    tty.setraw(slave_fd)
    port = serial.Serial(os.ttyname(slave_fd), timeout=0.05)
    os.close(slave_fd)
    reader = PortInput(port, poll_s=WAIT_S)
    try:
        os.close(master_fd)  # the other end goes away: the read fails (EIO) or returns nothing
        with pytest.raises(SerialException):
            reader.read_chunk()
    finally:
        reader.close()
        port.close()


def test_loop_url_is_read_through_read_and_interrupted_by_cancel_read() -> None:
    port = serial.serial_for_url("loop://", timeout=0.05)
    try:
        reader = PortInput(port, poll_s=WAIT_S)
        port.write(b"AT\r")
        assert reader.read_chunk() == b"AT\r"
        assert reader.interrupt == port.cancel_read
        reader.close()
    finally:
        port.close()


# --- ReadTurn: who reads -----------------------------------------------------------------------------------


def test_the_reader_steps_aside_while_a_caller_wants_the_turn() -> None:
    interrupts: list[str] = []
    turn = ReadTurn(interrupt=lambda: interrupts.append("x"), poll_s=0.01)
    steps: list[str] = []
    assert turn.can_be_taken
    with turn.wanted():
        turn.step_reader(lambda: steps.append("reader"))
        with turn.held():
            steps.append("caller")
    turn.step_reader(lambda: steps.append("reader"))
    assert steps == ["caller", "reader"]
    assert interrupts == []  # the reader was not reading: nothing to interrupt


def test_a_reading_reader_is_interrupted_and_the_caller_reads_next() -> None:
    turn: ReadTurn
    in_step = threading.Event()
    interrupted = threading.Event()
    order: list[str] = []

    def step() -> None:
        in_step.set()
        assert interrupted.wait(WAIT_S)  # a read that only an interrupt ends
        order.append("reader")

    turn = ReadTurn(interrupt=interrupted.set, poll_s=0.01)
    worker = threading.Thread(target=turn.step_reader, args=(step,))
    worker.start()
    try:
        assert in_step.wait(WAIT_S)
        with turn.wanted(), turn.held():
            order.append("caller")
    finally:
        worker.join(WAIT_S)
    assert order == ["reader", "caller"]


def test_a_turn_that_cannot_be_taken_leaves_the_reader_reading() -> None:
    turn = ReadTurn(interrupt=None, poll_s=0.01)
    steps: list[str] = []
    assert not turn.can_be_taken
    with turn.wanted():
        turn.step_reader(lambda: steps.append("reader"))
    assert steps == ["reader"]


def test_the_reader_thread_stops_after_a_crash_marked_by_the_caller() -> None:
    stepped = threading.Event()

    def step() -> None:
        stepped.set()
        time.sleep(0.001)

    reader = Recorder().reader(step)
    reader.start()
    assert stepped.wait(WAIT_S)
    reader.is_crashed = True  # what the session does when a caller's routing raised
    deadline_s = time.monotonic() + WAIT_S
    while any(t.name == "at-reader test" for t in threading.enumerate()) and time.monotonic() < deadline_s:
        time.sleep(0.01)
    assert not any(t.name == "at-reader test" for t in threading.enumerate())  # ended by itself
    reader.stop(cancel_read=None)
