"""at layer: the session's reader thread as background work (STYLE 5): start() returns once it runs, stop()
ends and joins it, and what failed in it (a bug, a subscriber's exception) is kept for the caller, who
re-raises it; nothing is swallowed inside the thread.

A lost port (SerialException or OSError from the port) is not a failure of the thread: it ends the loop and
is handed to `on_lost`, which makes the session raise PortLost.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from serial import SerialException

START_TIMEOUT_S = 5.0
JOIN_TIMEOUT_S = 5.0


class ReaderThread:
    """Calls step() until stopped; one instance runs once."""

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
            while not self._stop.is_set():
                self._step()
        except (SerialException, OSError) as exc:
            if not self._stop.is_set():
                self._on_lost(exc)
        except BaseException as exc:  # a bug, or a data rule that raised: re-raised in the caller
            self.is_crashed = True
            self.keep_failure(exc)
