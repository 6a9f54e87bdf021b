"""server layer: UDP and TCP source sessions, the downlink traffic toward a module.

A module behind a carrier NAT cannot be reached first, so the module knocks: it sends a datagram (UDP) or
opens a connection and writes (TCP) starting with the session's random knock (SessionInfo.knock). The
source then sends to that peer only, `payload_bytes` per datagram or write, paced by a token bucket
(harness.server.pacing) at `rate_kbps` of payload for `duration_s`, and stops. Anything else reaching the
port is counted as dropped and never answered: without the knock nobody can aim a source anywhere.

UDP datagrams carry the probe header (harness.probe: seq and the server's send stamp), so the receiving
end can measure loss, reordering and one-way delay. A TCP source writes zeros; TCP orders them anyway.
After the duration a TCP source half-closes its connection, so the reader sees the end of the stream.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import time

from harness.probe import ProbeHeader, encode_probe
from harness.server.pacing import TokenBucket
from harness.server.session import KNOCK_BYTES
from harness.server.worker import BATCH_PACKETS, RECEIVE_BYTES, SessionWorker

# The bucket holds two payloads or 10 ms at the rate, whichever is more: enough to make up for a sleep
# that overslept without turning pacing into bursts (harness.server.pacing).
_BURST_S = 0.010
_LISTEN_BACKLOG = 4
_KNOCK_TIMEOUT_S = 5.0  # a TCP connection that does not knock in time is closed


class _Source(SessionWorker):
    """The knock, the pacing and the schedule; subclasses say how one payload goes out."""

    def start(self) -> None:
        self.knock = secrets.token_bytes(KNOCK_BYTES)
        self._bucket: TokenBucket | None = None
        self._ends_ns = 0
        self._seq = 0
        self._is_done = False
        super().start()

    def _begin_sending(self) -> None:
        rate_bps = self.params.rate_kbps * 1000
        burst_bytes = max(2 * self.params.payload_bytes, int(rate_bps / 8 * _BURST_S))
        self._bucket = TokenBucket(rate_bps=rate_bps, burst_bytes=burst_bytes, clock_ns=time.monotonic_ns)
        self._ends_ns = time.monotonic_ns() + int(self.params.duration_s * 1e9)

    def _tick(self) -> float | None:
        if self._bucket is None or self._is_done:
            return None
        size = self.params.payload_bytes
        for _ in range(BATCH_PACKETS):
            if time.monotonic_ns() >= self._ends_ns:
                self._finish()
                self._is_done = True
                return None
            wait_s = self._bucket.wait_s(size)
            if wait_s > 0:
                return min(wait_s, (self._ends_ns - time.monotonic_ns()) / 1e9)
            sent = self._send_one()
            if sent == 0:
                return 0.001  # the socket buffer is full; let it drain
            self._bucket.take(sent)
            self._count(sent_packets=1, sent_bytes=sent)
        return 0.0

    def _send_one(self) -> int:
        """Send one payload; the bytes that went (0 when the socket would block)."""
        raise NotImplementedError

    def _finish(self) -> None:
        """The duration is over."""


class UdpSource(_Source):
    name = "udp-source"

    def _bind(self) -> int:
        self._sock = self._bind_socket(socket.SOCK_DGRAM)
        self._peer: tuple[str, int] | None = None
        self._watch(self._sock, self._receive)
        return int(self._sock.getsockname()[1])

    def _receive(self, sock: socket.socket) -> None:
        for _ in range(BATCH_PACKETS):
            try:
                payload, peer = sock.recvfrom(RECEIVE_BYTES)
            except BlockingIOError:
                return
            self._count(received_packets=1, received_bytes=len(payload))
            if self._peer is None and payload.startswith(self.knock):
                self._peer = peer
                self._begin_sending()
            elif peer != self._peer:
                self._count(dropped_packets=1)

    def _send_one(self) -> int:
        assert self._peer is not None
        sent_ns = time.time_ns()
        payload = encode_probe(ProbeHeader(seq=self._seq, client_tx_ns=sent_ns), self.params.payload_bytes)
        try:
            sent = self._sock.sendto(payload, self._peer)
        except BlockingIOError:
            return 0
        self.samples.add(now_ns=time.monotonic_ns(), payload_bytes=sent, seq=self._seq, sent_ns=sent_ns)
        self._seq += 1
        return sent


class TcpSource(_Source):
    name = "tcp-source"

    def _bind(self) -> int:
        self._listener = self._bind_socket(socket.SOCK_STREAM)
        self._listener.listen(_LISTEN_BACKLOG)
        self._watch(self._listener, self._accept)
        self._connection: socket.socket | None = None
        self._pending: dict[socket.socket, tuple[bytes, int]] = {}  # knocking connections: bytes, deadline
        self._chunk = bytes(self.params.payload_bytes)
        return int(self._listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return
        if len(self._pending) >= _LISTEN_BACKLOG:
            connection.close()
            self._count(dropped_packets=1)
            return
        self._count(connections=1)
        self._pending[self._own(connection)] = (b"", time.monotonic_ns() + int(_KNOCK_TIMEOUT_S * 1e9))
        self._watch(connection, self._read)

    def _read(self, connection: socket.socket) -> None:
        try:
            data = connection.recv(RECEIVE_BYTES)
        except BlockingIOError:
            return
        except ConnectionError:
            data = b""
        self._count(received_packets=1 if data else 0, received_bytes=len(data))
        if connection is self._connection or connection not in self._pending:
            if not data:  # the module closed its end: nothing more to send to
                self._is_done = True
                self._forget(connection)
            return
        heard, deadline_ns = self._pending[connection]
        heard = (heard + data)[:KNOCK_BYTES]
        if len(heard) == KNOCK_BYTES and heard == self.knock:
            del self._pending[connection]
            self._connection = connection
            self._drop_other_connections()
            self._begin_sending()
        elif not data or not self.knock.startswith(heard) or time.monotonic_ns() > deadline_ns:
            self._refuse(connection)
        else:
            self._pending[connection] = (heard, deadline_ns)

    def _drop_other_connections(self) -> None:
        """One peer only: the listener and any other knocking connection go."""
        for other in list(self._pending):
            self._refuse(other)
        self._forget(self._listener)

    def _refuse(self, connection: socket.socket) -> None:
        self._pending.pop(connection, None)
        self._forget(connection)
        self._count(dropped_packets=1)

    def _tick(self) -> float | None:
        now_ns = time.monotonic_ns()
        for connection, (_, deadline_ns) in list(self._pending.items()):
            if now_ns > deadline_ns:
                self._refuse(connection)
        wait_s = super()._tick()
        if self._pending and wait_s is None:
            return _KNOCK_TIMEOUT_S / 10
        return wait_s

    def _send_one(self) -> int:
        assert self._connection is not None
        try:
            sent = self._connection.send(self._chunk)
        except BlockingIOError:
            return 0
        except ConnectionError:
            self._is_done = True
            return 0
        self.samples.add(now_ns=time.monotonic_ns(), payload_bytes=sent)
        return sent

    def _finish(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):  # the module closed first; nothing left to tell it
                self._connection.shutdown(socket.SHUT_WR)
