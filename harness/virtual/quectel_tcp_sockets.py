"""virtual layer: the TCP side of Quectel's TCP/IP AT commands (harness.virtual.quectel_sockets hands the
"TCP" service and TCP connect ids to this), over the module's TCP connections (harness.virtual.tcp_sockets).

Syntax per ../shared/reference/cellular-iot.md §3.1 (BC660K AT manual [S5] §14.1, BG95/BG96 TCP/IP notes
[S13]):
  AT+QIOPEN=0,<id>,"TCP",<host>,<port>[,<local_port>[,<access_mode>]] -> OK, then +QIOPEN: <id>,<err> once
      the connect has ended: 0 connected, 566 "socket connect failed" (refused), 569 "operation timeout"
      (no answer within 150 s, the wait vendors advise, times the module's timer_scale). Which code a real
      BC660K gives for a timeout is not in the reference: 569 is our reading of the [S13] error table
  AT+QISEND=<id>,<len> / AT+QISEND=<id> -> "> ", data -> OK, then SEND OK; SEND FAIL when the send buffer
      has no room (the [S13] meaning of SEND FAIL); ERROR once the peer has closed
  AT+QISEND=<id>,0 -> +QISEND: <total_sent>,<acked>,<unacked> (§3.1; acked = arrived at the far end)
  AT+QIRD=<id>[,<len>] -> +QIRD: <n> <CR><LF> up to <len> bytes of the stream; +QIRD: 0 when none;
      AT+QIRD=<id>,0 -> +QIRD: <received>,<read>,<unread>
  URCs: +QIURC: "recv",<id> when bytes enter an empty buffer (buffer mode), +QIURC: "recv",<id>,<len> with
      the bytes (direct push); +QIURC: "closed",<id> when the peer or the network closes (buffered bytes
      stay readable until AT+QICLOSE).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from harness.virtual.at_front import DataRequest, Reply, error, ok, prompt
from harness.virtual.tcp_sockets import ConnectResult
from harness.virtual.udp_sockets import CloseCause, OpenResult

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

CONNECT_TIMEOUT_S = 150.0  # vendors advise waiting up to 150 s for +QIOPEN (cellular-iot.md §3.1)


class TcpError(IntEnum):
    SOCKET_CONNECT_FAILED = 566
    OPERATION_TIMEOUT = 569


CONNECT_ERRORS = {
    ConnectResult.CONNECTED: 0,
    ConnectResult.REFUSED: int(TcpError.SOCKET_CONNECT_FAILED),
    ConnectResult.TIMED_OUT: int(TcpError.OPERATION_TIMEOUT),
}


class QuectelTcp:
    """AT+QI* on TCP connect ids, and the listener of the module's TCP connections."""

    def __init__(self, module: VirtualModule, *, max_send_bytes: int) -> None:
        self._module = module
        self._pushed: set[int] = set()  # connect ids in direct push mode (the others buffer)
        self._max_send_bytes = max_send_bytes
        module.streams.listener = self

    def owns(self, connect_id: int) -> bool:
        return self._module.streams.get(connect_id) is not None

    def open(self, connect_id: int, host: str, ports: tuple[int, int], *, is_direct_push: bool) -> OpenResult:
        """Start a connect; its +QIOPEN comes later when this answers OPENED."""
        remote_port, local_port = ports
        timeout_s = CONNECT_TIMEOUT_S * self._module.options.timer_scale
        result = self._module.streams.open(connect_id, host, remote_port, local_port, timeout_s=timeout_s)
        if result is OpenResult.OPENED and is_direct_push:
            self._pushed.add(connect_id)
        return result

    def qisend(self, connect_id: int, length_bytes: int | None) -> Reply:
        streams = self._module.streams
        conn = streams.get(connect_id)
        if conn is None or not conn.is_connected or conn.is_peer_closed:
            return error()  # judgement: [S13] keeps SEND FAIL for a full buffer
        if length_bytes == 0:
            unacked = conn.up.pending_bytes if conn.up is not None else 0
            return ok(f"+QISEND: {conn.sent_bytes},{conn.sent_bytes - unacked},{unacked}")

        def send(payload: bytes) -> Reply:
            self._module.front.emit_urc("SEND OK" if streams.send(connect_id, payload) else "SEND FAIL")
            return ok()

        return prompt(DataRequest(length_bytes=length_bytes, max_bytes=self._max_send_bytes, on_data=send))

    def qird(self, connect_id: int, max_bytes: int) -> Reply:
        conn = self._module.streams.get(connect_id)
        if conn is None or connect_id in self._pushed:
            return error()
        if max_bytes == 0:
            return ok(f"+QIRD: {conn.received_bytes},{conn.read_bytes},{len(conn.received)}")
        data = self._module.streams.read(connect_id, max_bytes)
        return ok(f"+QIRD: {len(data)}", data) if data else ok("+QIRD: 0")

    def close(self, connect_id: int) -> None:
        self._module.streams.close(connect_id)
        self._pushed.discard(connect_id)

    # --- StreamListener ----------------------------------------------------------------------------------

    def on_connect_result(self, connect_id: int, result: ConnectResult) -> None:
        if result is not ConnectResult.CONNECTED:
            self._pushed.discard(connect_id)
        self._module.front.emit_urc(f"+QIOPEN: {connect_id},{CONNECT_ERRORS[result]}")

    def on_stream_data(self, connect_id: int, length_bytes: int) -> None:
        conn = self._module.streams.get(connect_id)
        if conn is None:
            return
        if connect_id in self._pushed:
            data = self._module.streams.read(connect_id, len(conn.received))
            self._module.front.emit_urc(f'+QIURC: "recv",{connect_id},{len(data)}', data)
        elif len(conn.received) == length_bytes:
            self._module.front.emit_urc(f'+QIURC: "recv",{connect_id}')

    def on_closed(self, connect_id: int, cause: CloseCause) -> None:
        if cause is not CloseCause.PEER_CLOSED:
            self._pushed.discard(connect_id)  # the network freed the connect id
        self._module.front.emit_urc(f'+QIURC: "closed",{connect_id}')  # the cause is not in it
