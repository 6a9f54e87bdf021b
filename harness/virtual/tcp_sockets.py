"""virtual layer: the virtual module's TCP client connections for via="module", one per connect id.

Each connection is a real TCP socket bound to the module's address, so the test server sees a real
connection; what happens in between is the radio's (harness.virtual.tcp_segments carries the segments
through the module's link and idle mode, as harness.virtual.udp_sockets carries datagrams):
- open: a SYN goes up the link; when it reaches the far end the real socket connects; its SYN-ACK (or the
  RST of a refusal) comes down the link, and only then does the module learn the result. A connect takes
  the RRC set-up from idle and one round trip of the link, plus the real connect's own time. No answer
  within the open's timeout is a timeout, and the real socket is dropped.
- data: bytes the host sends are cut into segments of at most MSS_BYTES; at the far end they are written to
  the real socket in order. Bytes read from the real socket go down the link into the receive buffer the
  host reads; the real socket is read only while the buffer and the pipe have room, so a host that does
  not read slows the server through TCP's own flow control.
- close: the far end's FIN comes down the link after its data (the module reports it, the buffer stays
  readable until the host closes); the module's close sends a FIN after what is still queued, and the real
  socket closes when that FIN reaches the far end. The network ending the PDN connection ends them all.
The AT syntax on top is a dialect's (quectel_sockets, cmcc_sockets); this table knows none of it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.tcp_segments import WINDOW_SEGMENTS, Segment, SegmentKind, SegmentPipe
from harness.virtual.udp_sockets import CloseCause, OpenResult, RadioPath, remote_refusal

MSS_BYTES = 1460  # an Ethernet-sized MSS (RFC 879 default is 536; judgement: what servers announce)
RECEIVE_BUFFER_BYTES = 16_384  # judgement: vendors do not publish their TCP buffer sizes
SEND_BUFFER_BYTES = 16_384  # judgement, as above; a send that does not fit is refused


class ConnectResult(StrEnum):
    CONNECTED = "connected"
    REFUSED = "refused"
    TIMED_OUT = "timed out"


class StreamListener(Protocol):
    def on_connect_result(self, connect_id: int, result: ConnectResult) -> None:
        """The open of `connect_id` ended; a refused or timed-out connect id is free again."""

    def on_stream_data(self, connect_id: int, length_bytes: int) -> None:
        """`length_bytes` entered the receive buffer of `connect_id`."""

    def on_closed(self, connect_id: int, cause: CloseCause) -> None:
        """The peer or the network ended `connect_id`."""


@dataclass(slots=True, eq=False)
class TcpConnection:
    connect_id: int
    host: str
    port: int
    sock: socket.socket
    up: SegmentPipe | None = None
    down: SegmentPipe | None = None
    is_connected: bool = False
    is_peer_closed: bool = False  # the far end's FIN reached the module
    is_far_end_closed: bool = False  # the real socket's peer closed; no more reads
    is_reading: bool = False
    received: bytearray = field(default_factory=bytearray)
    outgoing: bytearray = field(default_factory=bytearray)  # at the far end, not yet written
    is_fin_arrived: bool = False  # the module's FIN reached the far end
    timeout: Timer | None = None
    sent_bytes: int = 0
    received_bytes: int = 0
    read_bytes: int = 0


class TcpSocketTable:
    def __init__(self, *, loop: EventLoop, path: RadioPath, local_ip: str) -> None:
        self._loop = loop
        self._path = path
        self._local_ip = local_ip
        self._connections: dict[int, TcpConnection] = {}
        self.listener: StreamListener | None = None

    def get(self, connect_id: int) -> TcpConnection | None:
        return self._connections.get(connect_id)

    def open(self, connect_id: int, host: str, port: int, local_port: int, *, timeout_s: float) -> OpenResult:
        """Start a connect; its result comes to the listener later unless this refuses it at once."""
        if connect_id in self._connections:
            return OpenResult.IN_USE
        if (refusal := remote_refusal(host)) is not None:
            return refusal
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self._local_ip, local_port))
        except OSError:
            sock.close()
            return OpenResult.BIND_FAILED
        sock.setblocking(False)
        conn = TcpConnection(connect_id=connect_id, host=host, port=port, sock=sock)
        conn.up = SegmentPipe(
            loop=self._loop, carry=self._path.uplink, deliver=functools.partial(self._at_far_end, conn)
        )
        conn.down = SegmentPipe(
            loop=self._loop, carry=self._path.downlink, deliver=functools.partial(self._at_module, conn)
        )
        self._connections[connect_id] = conn
        conn.timeout = self._loop.call_later(timeout_s, functools.partial(self._time_out, conn))
        conn.up.send(SegmentKind.SYN)
        return OpenResult.OPENED

    def send(self, connect_id: int, payload: bytes) -> bool:
        """Queue bytes toward the far end; False when not connected, closed by the peer or the send
        buffer has no room for them."""
        conn = self._connections.get(connect_id)
        if conn is None or conn.up is None or not conn.is_connected or conn.is_peer_closed:
            return False
        if conn.up.pending_bytes + len(payload) > SEND_BUFFER_BYTES:
            return False
        conn.sent_bytes += len(payload)
        for start in range(0, len(payload), MSS_BYTES):
            conn.up.send(SegmentKind.DATA, payload[start : start + MSS_BYTES])
        return True

    def read(self, connect_id: int, max_bytes: int) -> bytes:
        """Up to `max_bytes` from the receive buffer (b"" when empty or not open)."""
        conn = self._connections.get(connect_id)
        if conn is None:
            return b""
        data = bytes(conn.received[:max_bytes])
        del conn.received[:max_bytes]
        conn.read_bytes += len(data)
        self._update_reading(conn)
        return data

    def close(self, connect_id: int) -> bool:
        """The module closes: a FIN after what is queued; False when `connect_id` is not open."""
        conn = self._connections.pop(connect_id, None)
        if conn is None:
            return False
        self._stop_reading(conn)
        if conn.timeout is not None:
            conn.timeout.cancel()
        if conn.down is not None:
            conn.down.stop()
        if conn.is_connected and conn.up is not None:
            conn.up.send(SegmentKind.FIN)
        else:
            self._drop(conn)
        return True

    def close_all(self, *, is_network_side: bool) -> None:
        if is_network_side:
            self.close_by_network(None, CloseCause.PDP_DEACTIVATED)
        else:
            for connect_id in sorted(self._connections):
                self._drop(self._connections.pop(connect_id))

    def close_by_network(self, connect_id: int | None, cause: CloseCause) -> list[int]:
        """The network ends `connect_id` (None: every one) at once; the connect ids it ended."""
        ended = [i for i in sorted(self._connections) if connect_id is None or i == connect_id]
        for each in ended:
            self._drop(self._connections.pop(each))
            if self.listener is not None:
                self.listener.on_closed(each, cause)
        return ended

    # --- the far end (the real socket) -------------------------------------------------------------------

    def _at_far_end(self, conn: TcpConnection, segment: Segment) -> None:
        if segment.kind is SegmentKind.SYN:
            error = conn.sock.connect_ex((conn.host, conn.port))
            if error in (0, errno.EINPROGRESS):
                self._loop.add_writer(conn.sock.fileno(), functools.partial(self._far_end_connected, conn))
            else:
                self._answer_syn(conn, error)
        elif segment.kind is SegmentKind.DATA:
            conn.outgoing += segment.data
            self._flush(conn)
        elif segment.kind is SegmentKind.FIN:
            conn.is_fin_arrived = True
            self._flush(conn)

    def _far_end_connected(self, conn: TcpConnection) -> None:
        self._loop.remove_writer(conn.sock.fileno())
        self._answer_syn(conn, conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))

    def _answer_syn(self, conn: TcpConnection, error: int) -> None:
        if conn.down is not None:
            conn.down.send(SegmentKind.SYN_ACK if error == 0 else SegmentKind.RST)

    def _flush(self, conn: TcpConnection) -> None:
        fd = conn.sock.fileno()
        if fd < 0:
            return
        try:
            written = conn.sock.send(conn.outgoing) if conn.outgoing else 0
        except BlockingIOError:
            written = 0
        except OSError:
            conn.outgoing.clear()  # the server reset the connection; its close comes through the reader
            written = 0
        del conn.outgoing[:written]
        if conn.outgoing:
            self._loop.add_writer(fd, functools.partial(self._flush, conn))
            return
        self._loop.remove_writer(fd)
        if conn.is_fin_arrived:
            self._drop(conn)

    def _far_end_readable(self, conn: TcpConnection) -> None:
        try:
            data = conn.sock.recv(MSS_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # a reset ends the stream like a close (judgement: no RST is modelled)
        if conn.down is None:
            return
        if data:
            conn.down.send(SegmentKind.DATA, data)
        else:
            conn.is_far_end_closed = True
            conn.down.send(SegmentKind.FIN)
        self._update_reading(conn)

    # --- the module's end --------------------------------------------------------------------------------

    def _at_module(self, conn: TcpConnection, segment: Segment) -> None:
        if self._connections.get(conn.connect_id) is not conn:
            return
        if segment.kind is SegmentKind.SYN_ACK:
            if conn.timeout is not None:
                conn.timeout.cancel()
            conn.is_connected = True
            self._update_reading(conn)
            self._tell(lambda listener: listener.on_connect_result(conn.connect_id, ConnectResult.CONNECTED))
        elif segment.kind is SegmentKind.RST:
            self._end_open(conn, ConnectResult.REFUSED)
        elif segment.kind is SegmentKind.DATA:
            conn.received += segment.data
            conn.received_bytes += len(segment.data)
            self._tell(lambda listener: listener.on_stream_data(conn.connect_id, len(segment.data)))
            self._update_reading(conn)
        elif segment.kind is SegmentKind.FIN:
            conn.is_peer_closed = True
            self._tell(lambda listener: listener.on_closed(conn.connect_id, CloseCause.PEER_CLOSED))

    def _time_out(self, conn: TcpConnection) -> None:
        if self._connections.get(conn.connect_id) is conn and not conn.is_connected:
            self._end_open(conn, ConnectResult.TIMED_OUT)

    def _end_open(self, conn: TcpConnection, result: ConnectResult) -> None:
        del self._connections[conn.connect_id]
        self._drop(conn)
        self._tell(lambda listener: listener.on_connect_result(conn.connect_id, result))

    def _tell(self, event: Callable[[StreamListener], None]) -> None:
        if self.listener is not None:
            event(self.listener)

    def _update_reading(self, conn: TcpConnection) -> None:
        is_room = (
            conn.down is not None
            and conn.down.pending_segments < WINDOW_SEGMENTS
            and len(conn.received) + conn.down.pending_bytes + MSS_BYTES <= RECEIVE_BUFFER_BYTES
        )
        should_read = conn.is_connected and not conn.is_far_end_closed and is_room
        if should_read and not conn.is_reading:
            self._loop.add_reader(conn.sock.fileno(), functools.partial(self._far_end_readable, conn))
        elif not should_read and conn.is_reading:
            self._loop.remove_reader(conn.sock.fileno())
        conn.is_reading = should_read

    def _stop_reading(self, conn: TcpConnection) -> None:
        if conn.is_reading:
            self._loop.remove_reader(conn.sock.fileno())
            conn.is_reading = False

    def _drop(self, conn: TcpConnection) -> None:
        """Forget the real socket at once (nothing more crosses the link for it)."""
        self._stop_reading(conn)
        for pipe in (conn.up, conn.down):
            if pipe is not None:
                pipe.stop()
        if conn.timeout is not None:
            conn.timeout.cancel()
        fd = conn.sock.fileno()
        if fd >= 0:
            self._loop.remove_writer(fd)
            with contextlib.suppress(OSError):
                conn.sock.close()
