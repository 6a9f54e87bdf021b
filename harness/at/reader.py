"""at layer: reading the port for an ATSession: the reader thread, what it reads, and who reads when.

ReaderThread is background work as STYLE 5 wants it: start() returns once it runs, stop() ends and joins
it, and what failed in it (a bug, a subscriber's exception) is kept for the caller, who re-raises it;
nothing is swallowed inside the thread. A lost port (SerialException or OSError from the port) is not a
failure of the thread: it ends the loop and is handed to `on_lost`, which makes the session raise PortLost.

PortInput reads whatever the port has, waiting at most a poll interval for the first byte. A pyserial posix
port whose read() is pyserial's own is read through its file descriptor, one select() and one os.read()
per chunk, where pyserial needs read(1), in_waiting and read(n) (five system calls; pyserial's read keeps
no buffer of its own, so nothing is skipped). Any other port (loop://, socket://, rfc2217://, spy://,
replay://, a subclass that overrides read) is read through read() and in_waiting.

ReadTurn says who reads: the reader thread while no command is pending; the caller of a command while it
waits for the answer, so that the answer reaches it without a hand-off between threads (measured with
benchmarks/bench_at_exchange.py, that hand-off was the largest cost of an exchange). The caller asks for the
turn before it writes the command and interrupts the reader's wait, so the reader steps aside while the
module is still answering. A port whose reads cannot be interrupted keeps the reader thread reading.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import select
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

import serial
from serial import SerialException

START_TIMEOUT_S = 5.0
JOIN_TIMEOUT_S = 5.0
_READ_BYTES = 65_536
_RETRY_ERRNOS = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR})


class ReaderThread:
    """Calls step() until stopped or crashed; one instance runs once."""

    def __init__(
        self,
        *,
        name: str,
        step: Callable[[], None],
        on_lost: Callable[[BaseException], None],
        on_failure: Callable[[], None],
    ) -> None:
        self._step = step
        self._on_lost = on_lost
        self._on_failure = on_failure
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()
        self._stop = threading.Event()
        self._failure_lock = threading.Lock()
        self._failure: BaseException | None = None
        self.is_crashed = False

    @property
    def is_running(self) -> bool:
        """Started and not stopped (it may have ended on its own: a lost port, a crash)."""
        return self._started.is_set() and not self._stop.is_set()

    @property
    def was_started(self) -> bool:
        return self._started.is_set()

    def is_current_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def start(self) -> None:
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise RuntimeError(f"{self._thread.name} did not start in {START_TIMEOUT_S:g} s")

    def stop(self, *, cancel_read: Callable[[], None] | None) -> None:
        """Ask the loop to end, cut the current read short if the port can, and join."""
        self._stop.set()
        if cancel_read is not None:
            # Only to cut the current read short: the poll timeout ends it anyway, and join() is checked.
            with contextlib.suppress(SerialException, OSError):
                cancel_read()
        self._thread.join(JOIN_TIMEOUT_S)
        if self._thread.is_alive():
            raise RuntimeError(f"{self._thread.name} did not stop in {JOIN_TIMEOUT_S:g} s")

    def keep_failure(self, exc: BaseException) -> None:
        """Keep the first failure for the caller (later ones are consequences, or the same bug again)."""
        with self._failure_lock:
            self._failure = self._failure or exc
        self._on_failure()

    def raise_failure(self) -> None:
        """Raise the kept failure, once."""
        with self._failure_lock:
            failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _run(self) -> None:
        self._started.set()
        try:
            while not self._stop.is_set() and not self.is_crashed:
                self._step()
        except (SerialException, OSError) as exc:
            if not self._stop.is_set():
                self._on_lost(exc)
        except BaseException as exc:  # a bug, or a data rule that raised: re-raised in the caller
            self.is_crashed = True
            self.keep_failure(exc)


class SerialPort(Protocol):
    """What an ATSession uses of a pyserial port (serial.Serial, serial_for_url(...), loop://)."""

    @property
    def port(self) -> str | None: ...
    @property
    def timeout(self) -> float | None: ...
    @timeout.setter
    def timeout(self, timeout: float | None) -> None: ...
    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = ..., /) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...


class PortInput:
    """Reads what a port has sent, waiting at most `poll_s` (on the generic path: the port's timeout)."""

    def __init__(self, port: SerialPort, *, poll_s: float) -> None:
        self._port = port
        self._poll_s = poll_s
        self._fd = _own_fd(port)
        self._wake_r, self._wake_w = os.pipe() if self._fd is not None else (-1, -1)
        for end in (self._wake_r, self._wake_w):
            if end >= 0:
                os.set_blocking(end, False)  # an interrupt never blocks, a stale wake-up read never hangs
        cancel_read: Callable[[], None] | None = getattr(port, "cancel_read", None)
        # Cuts a wait for input short; None when the port offers no way to.
        self.interrupt: Callable[[], None] | None = self._wake if self._fd is not None else cancel_read

    def read_chunk(self, wait_s: float | None = None) -> bytes:
        """What has arrived, waiting for the first byte at most `wait_s` (at most the poll interval)."""
        if self._fd is None:
            chunk = self._port.read(self._port.in_waiting or 1)
            # A read that waited for its first byte returns that byte alone; what came with it is taken now.
            if chunk and (waiting := self._port.in_waiting):
                chunk += self._port.read(waiting)
            return chunk
        return self._read_fd(self._fd, self._poll_s if wait_s is None else min(wait_s, self._poll_s))

    def close(self) -> None:
        if self._fd is not None:
            self._fd = None
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._wake_r = self._wake_w = -1  # a late interrupt() must not write to a reused number

    def _read_fd(self, fd: int, wait_s: float) -> bytes:
        if getattr(self._port, "fd", None) != fd:  # closed under the session: never read a reused number
            raise SerialException("the port was closed while the AT session was reading it")
        ready, _, _ = select.select([fd, self._wake_r], [], [], max(wait_s, 0.0))
        if self._wake_r in ready:
            with contextlib.suppress(BlockingIOError):  # another reader took the wake-up first
                os.read(self._wake_r, 64)
        if fd not in ready:
            return b""
        try:
            chunk = os.read(fd, _READ_BYTES)
        except OSError as exc:
            if exc.errno in _RETRY_ERRNOS:
                return b""
            raise SerialException(f"read failed: {exc}") from exc
        if not chunk:  # Linux: a disconnected device is always readable and returns nothing
            raise SerialException("device reports readiness to read but returned no data (disconnected?)")
        return chunk

    def _wake(self) -> None:
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):  # a full pipe: the reader has wake-ups enough
                os.write(self._wake_w, b"x")


def _own_fd(port: SerialPort) -> int | None:
    """The file descriptor of a pyserial posix port that reads the way pyserial does, else None."""
    if os.name != "posix" or not isinstance(port, serial.Serial) or type(port).read is not serial.Serial.read:
        return None
    try:
        fd = port.fileno()
    except (OSError, io.UnsupportedOperation):
        return None
    return fd if isinstance(fd, int) else None


class ReadTurn:
    """Whether the reader thread or a waiting caller reads the port (one at a time, in order)."""

    def __init__(self, *, interrupt: Callable[[], None] | None, poll_s: float) -> None:
        self._interrupt = interrupt
        self._poll_s = poll_s
        self._reading = threading.Lock()
        self._changed = threading.Condition()
        self._is_wanted = False
        self._is_reader_reading = False

    @property
    def can_be_taken(self) -> bool:
        """False for ports whose reads cannot be interrupted: there the reader thread always reads."""
        return self._interrupt is not None

    @contextlib.contextmanager
    def wanted(self) -> Iterator[None]:
        """While inside, the reader thread does not read: the caller reads, taking held() for each read."""
        if self._interrupt is None:
            yield
            return
        # Set before the reader's flag is looked at, while the reader sets its flag before it looks at
        # this one: either the reader sees this and parks, or this sees the reader reading and interrupts.
        self._is_wanted = True
        try:
            if self._is_reader_reading:
                self._interrupt()
            yield
        finally:
            with self._changed:
                self._is_wanted = False
                self._changed.notify_all()

    def held(self) -> threading.Lock:
        """The lock a reader holds for one read and its routing (the caller takes it inside wanted())."""
        return self._reading

    def step_reader(self, step: Callable[[], None]) -> None:
        """One step of the reader thread: parked (a poll interval at most) while a caller wants the turn."""
        if self._is_wanted:
            with self._changed:
                self._changed.wait_for(lambda: not self._is_wanted, self._poll_s)
            return
        with self._reading:
            self._is_reader_reading = True
            try:
                if not self._is_wanted:
                    step()
            finally:
                self._is_reader_reading = False
