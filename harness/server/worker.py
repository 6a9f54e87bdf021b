"""server layer: the thread and event loop under every socket session (reflector, sinks, sources).

One thread per session waits on its sockets with a selector; closing wakes it through a socket pair, so a
close never waits out a poll interval, and the worker's exception is re-raised in whoever stops it
(STYLE 5). Subclasses bind their sockets in `_bind`, register handlers with `_watch`, and may do timed work
(pacing) in `_tick`, which returns how long the loop may sleep before calling it again.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from harness.server.samples import RowBudget, SampleTable
from harness.server.session import ServerError, SessionCounters, SessionParams

_JOIN_TIMEOUT_S = 5.0
_IDLE_WAIT_S = 1.0  # the longest sleep of a loop with no timed work; closing wakes it anyway
# A datagram or read buffer: the largest UDP payload fits, so a datagram is never silently truncated.
RECEIVE_BYTES = 65_536
# Datagrams taken per readiness event before the loop looks at the clock and the stop flag again.
BATCH_PACKETS = 64


class SessionWorker:
    """A session's sockets and the thread that serves them."""

    name = "session"
    knock = b""  # what a source waits for before it sends (harness.server.source); others need none

    def __init__(
        self, *, host: str = "127.0.0.1", params: SessionParams | None = None, budget: RowBudget | None = None
    ) -> None:
        self.host = host
        self.params = params or SessionParams()
        self.samples = SampleTable(max_rows=self.params.max_samples, budget=budget or RowBudget())
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        # plain ints under the lock, a SessionCounters only when asked: counting is on every packet's path
        self._tally: dict[str, int] = {}
        self.port = 0

    # --- what subclasses provide --------------------------------------------------------------------

    def _bind(self) -> int:
        """Create, bind and register the session's sockets; return the port it listens on."""
        raise NotImplementedError

    def _tick(self) -> float | None:
        """Timed work; the seconds until it wants to run again (None: only on socket events)."""
        return None

    # --- for subclasses -------------------------------------------------------------------------------

    def _own(self, sock: socket.socket) -> socket.socket:
        sock.setblocking(False)
        self._sockets.append(sock)
        return sock

    def _watch(self, sock: socket.socket, handler: Callable[[socket.socket], None]) -> None:
        self._selector.register(sock, selectors.EVENT_READ, handler)

    def _forget(self, sock: socket.socket) -> None:
        """Stop watching and close one socket (a finished connection, a listener no longer needed)."""
        if sock in self._sockets:
            self._sockets.remove(sock)
            self._selector.unregister(sock)
            sock.close()

    def _count(self, **increments: int) -> None:
        with self._lock:
            for name, step in increments.items():
                self._tally[name] = self._tally.get(name, 0) + step

    def _bind_socket(self, kind: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.params.port))
        except OSError as error:
            sock.close()
            raise ServerError(f"cannot bind {self.host}:{self.params.port} for a session: {error}") from None
        return self._own(sock)

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    # --- life cycle -----------------------------------------------------------------------------------

    def counters(self) -> SessionCounters:
        with self._lock:
            tally = dict(self._tally)
        return SessionCounters(
            **tally,
            samples_kept=self.samples.kept,
            samples_dropped=self.samples.dropped,
            is_open=self._thread is not None and not self._stop.is_set(),
        )

    def start(self) -> None:
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        try:
            self.port = self._bind()
        except BaseException:
            self._close_sockets()
            raise
        self._thread = threading.Thread(target=self._serve, name=f"{self.name}-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every socket, and re-raise the worker's error if it had one."""
        self._stop.set()
        self._wake_w.send(b"\0")
        if self._thread is not None:
            self._thread.join(timeout=_JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                raise ServerError(f"{self.name} on port {self.port} did not stop within {_JOIN_TIMEOUT_S} s")
        self._close_sockets()
        if self._error is not None:
            raise ServerError(f"{self.name} on port {self.port} failed: {self._error!r}") from self._error

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _close_sockets(self) -> None:
        for sock in [*self._sockets, self._wake_r, self._wake_w]:
            sock.close()
        self._sockets.clear()
        self._selector.close()

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                wait_s = self._tick()
                events = self._selector.select(timeout=_IDLE_WAIT_S if wait_s is None else wait_s)
                for key, _ in events:
                    # a handler may have closed a socket whose event is still in this batch
                    if key.data is not None and key.fileobj in self._sockets and not self._stop.is_set():
                        key.data(key.fileobj)
        except BaseException as error:  # handed to the caller by stop(), never swallowed
            self._error = error
