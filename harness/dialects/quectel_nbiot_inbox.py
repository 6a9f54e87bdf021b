"""dialects layer: the receive side of a Quectel NB-IoT UDP socket, shared by both of its socket sets.

A module announces received data with a URC (`+QIURC: "recv",<id>[,<len>]`, `+NSONMI:<socket>,<len>`) and
hands it over either with the announcement (direct push) or on a read command (buffer mode: AT+QIRD,
AT+NSORF). The reader thread only queues what it was told; receive() runs the reads in the caller's thread.

When is a datagram said to have arrived (Datagram.t_s)? A pushed one: when its announcement was read. A read
one: the module announces only data that lands in an empty buffer, so an announcement that came after the
previous read ended names the first datagram in the buffer, which carries the announcement's time. Any other
datagram (found by a queued re-read, or after an announcement that arrived while a read was under way and
may already have been served) carries the time of the read that returned it: later than its arrival, never
earlier.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from harness.dialects.modem import Datagram
from harness.errors import ModemError


@dataclass(frozen=True, slots=True, kw_only=True)
class Read:
    """What one read command returned: the data (empty when there was none), when the command ended, and
    whether more may be waiting in the module."""

    data: bytes
    ended_s: float
    has_more: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class _Arrival:
    """Pushed data (`data` set), an announcement (`t_s` set), or a queued re-read (neither)."""

    data: bytes | None
    t_s: float | None


# Queued when the network closes the socket: data that came before it is still delivered first.
_CLOSED = _Arrival(data=None, t_s=None)


class Inbox:
    """Announced and pushed data of one socket; `read` runs the module's read command once."""

    def __init__(self, name: str, read: Callable[[], Read]) -> None:
        self._name = name
        self._read = read
        self._arrivals: queue.Queue[_Arrival] = queue.Queue()
        self._closed = threading.Event()
        self._last_read_s = float("-inf")

    @property
    def is_closed(self) -> bool:
        return self._closed.is_set()

    def push(self, data: bytes, t_s: float) -> None:
        """Data that came with its announcement (reader thread)."""
        self._arrivals.put(_Arrival(data=data, t_s=t_s))

    def announce(self, t_s: float) -> None:
        """Data waits in the module's buffer (reader thread)."""
        self._arrivals.put(_Arrival(data=None, t_s=t_s))

    def close(self) -> None:
        """The network closed the socket (reader thread): receive() raises once earlier data is taken."""
        self._closed.set()
        self._arrivals.put(_CLOSED)

    def check_open(self) -> None:
        if self.is_closed:
            raise ModemError(f"{self._name} was closed by the network")

    def receive(self, timeout_s: float) -> Datagram | None:
        """The next datagram, or None when none arrived within timeout_s."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                arrival = self._arrivals.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                return None
            if arrival is _CLOSED:
                self._arrivals.put(_CLOSED)  # every later receive() raises too
                raise ModemError(f"{self._name} was closed by the network")
            if arrival.data is not None and arrival.t_s is not None:
                return Datagram(data=arrival.data, t_s=arrival.t_s)
            datagram = self._read_one(arrival.t_s)
            if datagram is not None:
                return datagram

    def _read_one(self, announced_s: float | None) -> Datagram | None:
        previous_read_s = self._last_read_s
        read = self._read()
        self._last_read_s = read.ended_s
        if not read.data:
            return None
        if read.has_more:
            self._arrivals.put(_Arrival(data=None, t_s=None))
        is_announced = announced_s is not None and announced_s > previous_read_s
        t_s = announced_s if is_announced and announced_s is not None else read.ended_s
        return Datagram(data=read.data, t_s=t_s)
