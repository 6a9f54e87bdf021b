"""virtual layer: the virtual module's IP stack for via="module": real UDP sockets, one per connect id.

Each socket is a real, connected UDP socket bound to the module's address (loopback by default), so the
test server sees real datagrams. What the radio path (the module's link and idle mode) says happens in
between: an uplink datagram leaves the socket when it arrives at the far end of the radio link; a downlink
datagram read from the socket enters the module's receive queue when it has crossed the link, which may be
much later when the module sleeps (PSM, eDRX); lost or dropped ones never do. Remote hosts are refused unless
they are IPv4 literals inside the network rule (address_policy). The AT syntax on top is a dialect's
(quectel_sockets, cmcc_sockets); this table knows none of it. TCP is harness.virtual.tcp_sockets'.
"""

from __future__ import annotations

import contextlib
import functools
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from harness.virtual.address_policy import is_allowed_address, parse_ipv4
from harness.virtual.event_loop import EventLoop
from harness.virtual.link import ReleaseAssistance

# Judgement: a module keeps a few datagrams per socket (12 on NB parts of a comparable family,
# cellular-iot.md §3.4 [S11]); the host is expected to read them with AT+QIRD. A model may keep more.
MAX_QUEUED_DATAGRAMS = 12
MAX_DATAGRAM_BYTES = 65_535


class OpenResult(StrEnum):
    OPENED = "opened"
    IN_USE = "in use"
    NOT_AN_ADDRESS = "not an IPv4 literal"
    REFUSED_ADDRESS = "outside the network rule"
    BIND_FAILED = "bind failed"


class CloseCause(StrEnum):
    """Why the network side ended a socket."""

    PDP_DEACTIVATED = "pdp deactivated"  # the registration, and with it the PDN connection, is gone
    CONNECTION_FAILED = "connection failed"  # the network ended this one connection (a fault)
    PEER_CLOSED = "closed by the peer"  # the far end closed a TCP connection


class RadioPath(Protocol):
    """How datagrams cross the radio (harness.virtual.module.VirtualModule): `deliver` runs when one arrives
    at the far end, and never when it is lost or dropped on the way."""

    def uplink(
        self, payload_bytes: int, deliver: Callable[[], None], *, rai: ReleaseAssistance = ...
    ) -> None: ...

    def downlink(self, payload_bytes: int, deliver: Callable[[], None]) -> None: ...


class SocketListener(Protocol):
    def on_datagram(self, connect_id: int) -> None:
        """A datagram entered the receive queue of `connect_id`."""

    def on_closed(self, connect_id: int, cause: CloseCause) -> None:
        """The network side closed `connect_id`."""

    def on_dropped(self, connect_id: int, length_bytes: int) -> None:
        """A datagram for `connect_id` was thrown away: its receive queue was full."""


@dataclass(slots=True, eq=False)
class ModuleSocket:
    connect_id: int
    sock: socket.socket
    queue: deque[bytes] = field(default_factory=deque)
    sent_bytes: int = 0
    received_bytes: int = 0
    read_bytes: int = 0
    dropped_datagrams: int = 0


def remote_refusal(host: str) -> OpenResult | None:
    """Why a socket may not be opened toward `host`, or None when it may."""
    if parse_ipv4(host) is None:
        return OpenResult.NOT_AN_ADDRESS
    if not is_allowed_address(host):
        return OpenResult.REFUSED_ADDRESS
    return None


class SocketTable:
    def __init__(
        self,
        *,
        loop: EventLoop,
        path: RadioPath,
        local_ip: str,
    ) -> None:
        self._loop = loop
        self._path = path
        self._local_ip = local_ip
        self.max_queued_datagrams = MAX_QUEUED_DATAGRAMS
        self._sockets: dict[int, ModuleSocket] = {}
        self.listener: SocketListener | None = None

    def get(self, connect_id: int) -> ModuleSocket | None:
        return self._sockets.get(connect_id)

    def open(self, connect_id: int, host: str, remote_port: int, local_port: int) -> OpenResult:
        if connect_id in self._sockets:
            return OpenResult.IN_USE
        if (refusal := remote_refusal(host)) is not None:
            return refusal
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self._local_ip, local_port))
            sock.connect((host, remote_port))
        except OSError:
            sock.close()
            return OpenResult.BIND_FAILED
        sock.setblocking(False)
        entry = ModuleSocket(connect_id=connect_id, sock=sock)
        self._sockets[connect_id] = entry
        self._loop.add_reader(sock.fileno(), lambda: self._receive(entry))
        return OpenResult.OPENED

    def send(
        self, connect_id: int, payload: bytes, *, rai: ReleaseAssistance = ReleaseAssistance.NONE
    ) -> bool:
        """Hand a datagram to the radio; False when the socket is not open."""
        entry = self._sockets.get(connect_id)
        if entry is None:
            return False
        entry.sent_bytes += len(payload)
        self._path.uplink(len(payload), functools.partial(self._put_on_wire, entry, payload), rai=rai)
        return True

    def pop(self, connect_id: int) -> bytes | None:
        """The oldest queued datagram of `connect_id`, or None when nothing is queued."""
        entry = self._sockets.get(connect_id)
        if entry is None or not entry.queue:
            return None
        datagram = entry.queue.popleft()
        entry.read_bytes += len(datagram)
        return datagram

    def close(self, connect_id: int) -> bool:
        entry = self._sockets.pop(connect_id, None)
        if entry is None:
            return False
        self._loop.remove_reader(entry.sock.fileno())
        entry.sock.close()
        return True

    def close_all(self, *, is_network_side: bool) -> None:
        if is_network_side:
            self.close_by_network(None, CloseCause.PDP_DEACTIVATED)
        else:
            for connect_id in sorted(self._sockets):
                self.close(connect_id)

    def close_by_network(self, connect_id: int | None, cause: CloseCause) -> list[int]:
        """The network ends socket `connect_id` (None: every open one); the connect ids it ended."""
        ended = [i for i in sorted(self._sockets) if connect_id is None or i == connect_id]
        for each in ended:
            self.close(each)
            if self.listener is not None:
                self.listener.on_closed(each, cause)
        return ended

    def _put_on_wire(self, entry: ModuleSocket, payload: bytes) -> None:
        if self._sockets.get(entry.connect_id) is not entry:
            return  # closed while the datagram crossed the link
        # an ICMP error from an earlier datagram (nobody listening) must not stop the module
        with contextlib.suppress(OSError):
            entry.sock.send(payload)

    def _receive(self, entry: ModuleSocket) -> None:
        while True:
            try:
                datagram = entry.sock.recv(MAX_DATAGRAM_BYTES)
            except BlockingIOError:
                return
            except OSError:
                return  # ICMP port unreachable for an earlier send: UDP carries on
            self._path.downlink(len(datagram), functools.partial(self._arrive, entry, datagram))

    def _arrive(self, entry: ModuleSocket, datagram: bytes) -> None:
        if self._sockets.get(entry.connect_id) is not entry:
            return
        if len(entry.queue) >= self.max_queued_datagrams:
            entry.dropped_datagrams += 1
            if self.listener is not None:
                self.listener.on_dropped(entry.connect_id, len(datagram))
            return
        entry.queue.append(datagram)
        entry.received_bytes += len(datagram)
        if self.listener is not None:
            self.listener.on_datagram(entry.connect_id)
