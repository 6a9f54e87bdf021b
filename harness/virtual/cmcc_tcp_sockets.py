"""virtual layer: the TCP side of the OneMO TCP/IP AT commands (harness.virtual.cmcc_sockets hands "TCP"
opens and TCP connect ids to this), over the module's TCP connections (harness.virtual.tcp_sockets).

Syntax from the OneMO TCP/IP AT manual V5.1.5 (search index id 58929532626; cellular-iot.md §3.4 [S11]):
  AT+MIPOPEN=<id>,"TCP",<host>,<port>[,<timeout 1-180 s>[,<mode>[,<lport>]]]   §3.3: OK, then
      +MIPOPEN: <id>,<result> once the connect has ended: 0, 557 connection refused, 558 connection timed
      out (no answer within <timeout>) (§5 codes). Normal mode (0) only: stream cache (2) is not modelled
      and packet cache (3) is for UDP, both +CME ERROR: 50 as before
  AT+MIPSEND=<id>,<len>[,"<data>"]   §3.5: +MIPSEND: <id>,<len> once the bytes are in the stack's send
      buffer; a buffer without room is +CME ERROR: 560 "socket write error" (the manual names no code for a
      full buffer: our reading)
  +MIPURC: "rtcp",<id>,<len>,<data>   §3.20, normal mode: the bytes as they arrive, in <recv_format>
  +MIPURC: "disconn",<id>,1           the server closed (§3.20 <connect_state> 1); with "autofree" 0 the
      module frees the connection at once, with 1 it waits for AT+MIPCLOSE
  AT+MIPSTATE=<id>   §3.8: +MIPSTATE: <id>,"TCP","<host>",<port>,"CONNECTING"|"CONNECTED"
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.virtual.at_front import Reply, cme_error, ok
from harness.virtual.tcp_sockets import ConnectResult
from harness.virtual.udp_sockets import CloseCause, OpenResult

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

CONNECTION_REFUSED, CONNECTION_TIMED_OUT, SOCKET_WRITE_ERROR = 557, 558, 560  # §5
CONNECT_RESULTS = {
    ConnectResult.CONNECTED: 0,
    ConnectResult.REFUSED: CONNECTION_REFUSED,
    ConnectResult.TIMED_OUT: CONNECTION_TIMED_OUT,
}


class CmccTcp:
    """AT+MIP* on TCP connect ids, and the listener of the module's TCP connections. `shown` prints data
    in a connect id's <recv_format>; `closed` is cmcc_sockets' handling of a connection the network or
    the peer ended (the "disconn" URC, "autofree")."""

    def __init__(
        self,
        module: VirtualModule,
        *,
        shown: Callable[[int, bytes], bytes],
        closed: Callable[[int, CloseCause], None],
    ) -> None:
        self._module = module
        self._shown = shown
        self._closed = closed
        module.streams.listener = self

    def owns(self, connect_id: int) -> bool:
        return self._module.streams.get(connect_id) is not None

    def open(self, connect_id: int, host: str, ports: tuple[int, int], *, timeout_s: int) -> OpenResult:
        remote_port, local_port = ports
        return self._module.streams.open(connect_id, host, remote_port, local_port, timeout_s=timeout_s)

    def send(self, connect_id: int, payload: bytes) -> Reply:
        if not self._module.streams.send(connect_id, payload):
            conn = self._module.streams.get(connect_id)
            is_writable = conn is not None and conn.is_connected and not conn.is_peer_closed
            return cme_error(SOCKET_WRITE_ERROR if is_writable else 553)  # 553: not connected (§5)
        return ok(f"+MIPSEND: {connect_id},{len(payload)}")

    def close(self, connect_id: int) -> bool:
        return self._module.streams.close(connect_id)

    def state_line(self, connect_id: int) -> str | None:
        conn = self._module.streams.get(connect_id)
        if conn is None or conn.is_peer_closed:
            return None  # a closed one kept for AT+MIPCLOSE ("autofree" 1) shows as UDP's does
        state = "CONNECTED" if conn.is_connected else "CONNECTING"
        return f'+MIPSTATE: {connect_id},"TCP","{conn.host}",{conn.port},"{state}"'

    # --- StreamListener ----------------------------------------------------------------------------------

    def on_connect_result(self, connect_id: int, result: ConnectResult) -> None:
        self._module.front.emit_urc(f"+MIPOPEN: {connect_id},{CONNECT_RESULTS[result]}")

    def on_stream_data(self, connect_id: int, length_bytes: int) -> None:
        conn = self._module.streams.get(connect_id)
        if conn is None:
            return
        data = self._module.streams.read(connect_id, len(conn.received))
        head = f'+MIPURC: "rtcp",{connect_id},{len(data)},'.encode()
        self._module.front.emit_urc(head + self._shown(connect_id, data))

    def on_closed(self, connect_id: int, cause: CloseCause) -> None:
        self._closed(connect_id, cause)
