"""virtual layer: a virtual module's own ping (AT+QPING, AT+MPING), timed through the radio link.

ICMP echo needs CAP_NET_RAW or a ping_group_range that covers the user, which a virtual rig cannot count on
(this machine has neither for unprivileged users), so each echo request is a UDP datagram instead: it
crosses the uplink of the link model, leaves a real UDP socket for port 7 of the target (RFC 862 echo), and
the first answer the target's host gives, an echo or the ICMP "port unreachable" its kernel sends back
(ECONNREFUSED on the connected socket), crosses the downlink. The round trip is timed from the command to
the answer's arrival through the link, so it holds the radio's delay, set-up and sleep like the module's
own data would. A target that answers nothing (an address with no host) times out. The TTL of the answer is
not visible to an unprivileged UDP socket: 64 is reported (judgement: the Linux default).
Requests go one at a time, at most one per second (judgement, the pace of ping(8)); the owner of a run
turns its results into the vendor's lines.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.virtual.event_loop import Timer

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

ECHO_PORT = 7
REPORTED_TTL = 64
REQUEST_INTERVAL_S = 1.0
RECEIVE_BYTES = 2048


@dataclass(frozen=True, slots=True, kw_only=True)
class PingReply:
    """One echo request's outcome: rtt_ms None when it timed out."""

    host: str
    size_bytes: int
    rtt_ms: int | None
    ttl: int = REPORTED_TTL


class PingRun:
    """`count` echo requests to `host`, each given `timeout_s`; `on_reply` hears each outcome in order and
    `on_done` all of them at the end."""

    def __init__(
        self,
        module: VirtualModule,
        *,
        host: str,
        count: int,
        timeout_s: float,
        size_bytes: int,
        on_reply: Callable[[PingReply], None],
        on_done: Callable[[list[PingReply]], None],
    ) -> None:
        self._module = module
        self._host = host
        self._count = count
        self._timeout_s = timeout_s
        self._size_bytes = size_bytes
        self._on_reply = on_reply
        self._on_done = on_done
        self.replies: list[PingReply] = []
        self.is_running = True
        self._sock: socket.socket | None = None
        self._sent_s = 0.0
        self._timeout: Timer | None = None
        self._is_answered = False
        module.loop.call_later(0.0, self._request)

    def stop(self) -> None:
        """End the run now (a reset): no more replies, nothing reported."""
        self.is_running = False
        self._close_socket()
        if self._timeout is not None:
            self._timeout.cancel()

    def _request(self) -> None:
        if not self.is_running:
            return
        loop = self._module.loop
        self._sent_s = loop.now_s()
        self._is_answered = False
        self._timeout = loop.call_later(self._timeout_s, self._timed_out)
        self._module.uplink(self._size_bytes, self._probe)

    def _probe(self) -> None:
        """The request reached the far end of the radio: the real datagram goes out."""
        if not self.is_running or self._is_answered:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self._module.options.ip_address, 0))
            sock.connect((self._host, ECHO_PORT))
            sock.setblocking(False)
            sock.send(bytes(self._size_bytes))
        except OSError:
            sock.close()
            return  # no route: the request times out, as it would on the air
        self._close_socket()
        self._sock = sock
        self._module.loop.add_reader(sock.fileno(), self._answered)

    def _answered(self) -> None:
        sock = self._sock
        if sock is None:
            return
        # an echo, or ConnectionRefusedError: the refusal that proves the host is there
        with contextlib.suppress(OSError):
            sock.recv(RECEIVE_BYTES)
        self._close_socket()
        self._module.downlink(self._size_bytes, self._arrived)

    def _arrived(self) -> None:
        if not self.is_running or self._is_answered:
            return  # the request timed out before the answer crossed the link
        rtt_ms = round((self._module.loop.now_s() - self._sent_s) * 1000)
        self._finish(PingReply(host=self._host, size_bytes=self._size_bytes, rtt_ms=rtt_ms))

    def _timed_out(self) -> None:
        self._timeout = None
        if self.is_running and not self._is_answered:
            self._close_socket()
            self._finish(PingReply(host=self._host, size_bytes=self._size_bytes, rtt_ms=None))

    def _finish(self, reply: PingReply) -> None:
        self._is_answered = True
        if self._timeout is not None:
            self._timeout.cancel()
            self._timeout = None
        self.replies.append(reply)
        self._on_reply(reply)
        if len(self.replies) >= self._count:
            self.is_running = False
            self._on_done(self.replies)
            return
        next_s = max(self._sent_s + REQUEST_INTERVAL_S, self._module.loop.now_s())
        self._module.loop.call_at(next_s, self._request)

    def _close_socket(self) -> None:
        if self._sock is not None:
            self._module.loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
