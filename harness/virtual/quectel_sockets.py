"""virtual layer: Quectel's TCP/IP AT commands over the virtual module's UDP sockets (via="module").

Syntax per ../shared/reference/cellular-iot.md §3.1 (BC660K AT manual [S5] §14.1, the BG95/BG96 TCP/IP
application notes [S13], Renode's BC660K model [S6] for the shape):
  AT+QIOPEN=<contextID 0>,<connectID>,"UDP",<host>,<remote_port>[,<local_port>[,<access_mode>]]
      -> OK, then URC +QIOPEN: <connectID>,<err> (0 = success)
  AT+QISEND=<connectID>,<len> -> "> ", exactly <len> bytes -> OK, then SEND OK (accepted, not delivered)
  AT+QISEND=<connectID>       -> "> ", bytes up to Ctrl-Z (Esc cancels) -> OK, then SEND OK
  AT+QISEND=<connectID>,<len>,<RAI>   the same, the datagram marked with release assistance: 0 none,
                                 1 no further data (the connection is released once it is sent), 2 one
                                 response expected (released after the next downlink packet); the values of
                                 <RAI_info> in [S13]. The BC660K TCP/IP note itself was not readable: the
                                 position of <RAI> in AT+QISEND is our reading, not verified
  AT+QIRD=<connectID>[,<len>] -> +QIRD: <n> <CR><LF> <n raw bytes> <CR><LF> OK; one datagram at most,
                                 +QIRD: 0 when nothing is queued;
                                 <len> 0 asks for +QIRD: <received>,<read>,<unread>
  AT+QICLOSE=<connectID>      -> OK (also for a connect id that is not open)
  URCs: +QIURC: "recv",<id> when a datagram enters an empty queue (access_mode 0, buffer);
        +QIURC: "recv",<id>,<len> <CR><LF> <data> (access_mode 1, direct push);
        +QIURC: "closed",<id> when the network side closes (deregistration, or the fault socket_closed).
The "TCP" service and TCP connect ids are harness.virtual.quectel_tcp_sockets'.
<err> codes are the Quectel TCP/IP ones (BG9x notes [S13]): 555 operation not supported (transparent
mode: not modelled), 556 bind failed, 561 PDP context not active (not registered), 563 connect id in
use, 565 DNS parse failed (the virtual module resolves no names), 572 operation not allowed (an address
outside the network rule). A socket command on a connect id that is not open answers ERROR, as [S13] says.
"""

from __future__ import annotations

from enum import IntEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from harness.virtual.at_front import DataRequest, Handler, Reply, error, ok, prompt
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.link import ReleaseAssistance
from harness.virtual.quectel_tcp_sockets import QuectelTcp
from harness.virtual.udp_sockets import CloseCause, OpenResult

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

MAX_SEND_BYTES = 1460  # BG95 <send_length> range [S13]; not verified for BC660K
MAX_READ_BYTES = 1500  # BG95 AT+QIRD example reads up to 1500 bytes [S13]


class QiopenError(IntEnum):
    SUCCESS = 0
    OPERATION_NOT_SUPPORTED = 555
    BIND_FAILED = 556
    PDP_CONTEXT_FAILED = 561
    CONNECT_ID_IN_USE = 563
    DNS_PARSE_FAILED = 565
    OPERATION_NOT_ALLOWED = 572


class AccessMode(IntEnum):
    BUFFER = 0
    DIRECT_PUSH = 1
    TRANSPARENT = 2


OPEN_ERRORS = MappingProxyType(
    {
        OpenResult.OPENED: QiopenError.SUCCESS,
        OpenResult.IN_USE: QiopenError.CONNECT_ID_IN_USE,
        OpenResult.NOT_AN_ADDRESS: QiopenError.DNS_PARSE_FAILED,
        OpenResult.REFUSED_ADDRESS: QiopenError.OPERATION_NOT_ALLOWED,
        OpenResult.BIND_FAILED: QiopenError.BIND_FAILED,
    }
)


class QuectelSockets:
    """The command handlers, and the socket table's listener that turns arrivals into +QIURC."""

    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self._modes: dict[int, AccessMode] = {}
        module.sockets.listener = self
        self._tcp = QuectelTcp(module, max_send_bytes=MAX_SEND_BYTES)

    def table(self) -> dict[str, Handler]:
        return {"+QIOPEN": self.qiopen, "+QISEND": self.qisend, "+QIRD": self.qird, "+QICLOSE": self.qiclose}

    def qiopen(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.WRITE or len(command.args) < 5:
            return error()
        int_arg(command, 0, 0, 0)  # contextID is 0 on BC660K ([S6] rejects any other)
        connect_id = self._connect_id(command, 1)
        service = command.args[2].upper()
        host = command.args[3]
        remote_port = int_arg(command, 4, 1, 65535)
        local_port = int_arg(command, 5, 0, 65535, default=0)
        mode = AccessMode(int_arg(command, 6, 0, 2, default=0))
        if service not in ("UDP", "TCP"):
            raise ValueError(f"service type {command.args[2]!r}")
        result = self._open(connect_id, service, host, (remote_port, local_port), mode)
        if result is not None:
            self._module.front.emit_urc(f"+QIOPEN: {connect_id},{int(result)}")
        return ok()

    def qisend(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.WRITE:
            return error()
        connect_id = self._connect_id(command, 0)
        is_tcp = self._tcp.owns(connect_id)  # <len> 0 asks a TCP connection for its counts
        has_length = len(command.args) > 1
        length_bytes = int_arg(command, 1, 0 if is_tcp else 1, MAX_SEND_BYTES) if has_length else None
        if is_tcp:
            return self._tcp.qisend(connect_id, length_bytes)
        rai = ReleaseAssistance(int_arg(command, 2, 0, 2, default=0))
        if self._module.sockets.get(connect_id) is None:
            return error()

        def send(payload: bytes) -> Reply:
            if not self._module.sockets.send(connect_id, payload, rai=rai):
                return error()  # closed by the network while the host was typing
            self._module.front.emit_urc("SEND OK")
            return ok()

        return prompt(DataRequest(length_bytes=length_bytes, max_bytes=MAX_SEND_BYTES, on_data=send))

    def qird(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.WRITE:
            return error()
        connect_id = self._connect_id(command, 0)
        max_bytes = int_arg(command, 1, 0, MAX_READ_BYTES, default=MAX_READ_BYTES)
        if self._tcp.owns(connect_id):
            return self._tcp.qird(connect_id, max_bytes)
        entry = self._module.sockets.get(connect_id)
        if entry is None or self._modes.get(connect_id) is not AccessMode.BUFFER:
            return error()
        if max_bytes == 0:
            unread_bytes = sum(len(datagram) for datagram in entry.queue)
            return ok(f"+QIRD: {entry.received_bytes},{entry.read_bytes},{unread_bytes}")
        datagram = self._module.sockets.pop(connect_id)
        if not datagram:
            return ok("+QIRD: 0")
        # judgement: like recv() on a UDP socket, the part of a datagram beyond <len> is discarded
        data = datagram[:max_bytes]
        return ok(f"+QIRD: {len(data)}", data)

    def qiclose(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.WRITE:
            return error()
        connect_id = self._connect_id(command, 0)
        # <timeout> in s: closing UDP takes no time, a TCP close does not wait for the peer here
        int_arg(command, 1, 0, 65535, default=10)
        self._module.sockets.close(connect_id)
        self._tcp.close(connect_id)
        self._modes.pop(connect_id, None)
        return ok()

    def on_datagram(self, connect_id: int) -> None:
        entry = self._module.sockets.get(connect_id)
        if entry is None:
            return
        if self._modes.get(connect_id) is AccessMode.DIRECT_PUSH:
            datagram = self._module.sockets.pop(connect_id) or b""
            self._module.front.emit_urc(f'+QIURC: "recv",{connect_id},{len(datagram)}', datagram)
        elif len(entry.queue) == 1:
            self._module.front.emit_urc(f'+QIURC: "recv",{connect_id}')

    def on_closed(self, connect_id: int, cause: CloseCause) -> None:
        del cause  # +QIURC: "closed" gives none
        self._modes.pop(connect_id, None)
        self._module.front.emit_urc(f'+QIURC: "closed",{connect_id}')

    def on_dropped(self, connect_id: int, length_bytes: int) -> None:
        """Quectel's firmware says nothing when its receive buffer overflows."""

    def _connect_id(self, command: ATCommand, index: int) -> int:
        return int_arg(command, index, 0, self._module.options.max_sockets - 1)

    def _open(
        self, connect_id: int, service: str, host: str, ports: tuple[int, int], mode: AccessMode
    ) -> QiopenError | None:
        """The error to report now, or None when a TCP connect reports its own result later."""
        if mode is AccessMode.TRANSPARENT:
            return QiopenError.OPERATION_NOT_SUPPORTED
        if not self._module.registration.is_registered:
            return QiopenError.PDP_CONTEXT_FAILED
        if self._module.sockets.get(connect_id) is not None or self._tcp.owns(connect_id):
            return QiopenError.CONNECT_ID_IN_USE
        if service == "TCP":
            opened = self._tcp.open(connect_id, host, ports, is_direct_push=mode is AccessMode.DIRECT_PUSH)
            return None if opened is OpenResult.OPENED else OPEN_ERRORS[opened]
        remote_port, local_port = ports
        result = self._module.sockets.open(connect_id, host, remote_port, local_port)
        if result is OpenResult.OPENED:
            self._modes[connect_id] = mode
        return OPEN_ERRORS[result]
