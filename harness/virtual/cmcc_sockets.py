"""virtual layer: China Mobile OneMO TCP/IP commands (ML307R, LTE Cat-1) over the virtual module's UDP
sockets (via="module").

Syntax from the OneMO TCP/IP AT manual V5.1.5 (search index id 58929532626; cellular-iot.md §3.4 [S11]),
ML307R's footnotes applied; connect ids 0-5:
  AT+MIPCFG="encoding"|"autofree"|"timeout"[,<id>[,<values>]]   §3.1: set, or query one id or all of them;
      encoding <send_format> 0 ASCII / 1 HEX / 2 escaped (read as ASCII here), <recv_format> 0 ASCII / 1 HEX;
      autofree 0: a connection the network ended is freed at once, 1: it waits for AT+MIPCLOSE
  AT+MIPOPEN=<id>,"UDP",<host>,<port>[,<timeout>[,<mode 0 normal|3 packet cache>[,<lport>]]]   §3.3:
      OK, then +MIPOPEN: <id>,<result>: 0, or a §5 code (580 not an IPv4 address, 555 bind failed, 559
      connection failed: an address outside the network rule); "TCP" is harness.virtual.cmcc_tcp_sockets'
      (which is the +MIPOPEN result once the connect has ended). An id in use
      is +CME ERROR: 552, no registration +CME ERROR: 570; transparent mode (1) +CME ERROR: 4, stream cache
      (2, TCP only) +CME ERROR: 50
  AT+MIPSEND=<id>,<len>     §3.5: ">" then exactly <len> raw bytes (1-8192); <len> 0 or absent: raw bytes up
                            to Ctrl-Z (at most the 1460 bytes of "sndbuf"); AT+MIPSEND=<id>,<len>,"<data>"
                            inline, ASCII or HEX per <send_format>. Answer: +MIPSEND: <id>,<len> then OK
                            (taken into the stack's buffer, not delivered). <rai> and <seq> are for NB parts
                            ("4G ... 不支持", footnotes 24, 25): +CME ERROR: 50
  AT+MIPRD=<id>[,<count>]   §3.6, packet cache mode: +MIPRD: <id>,<unread> alone, or one line per datagram
                            read, +MIPRD: <id>,<unread>,<len>,<data> (count 0: all); only OK when empty
  AT+MIPCLOSE=<id>          §3.4: OK, then +MIPCLOSE: <id>; an id not in use is +CME ERROR: 551
  AT+MIPSTATE[?|=<id>]      §3.8: +MIPSTATE: <id>,"UDP","<host>",<port>,"CONNECTED" (or ,,,,"INITIAL")
  URCs §3.20: +MIPURC: "rudp",<id>,<len>,<data> (normal mode), "rudp",<id>,<cached> (cache mode; a Cat-1
  part caches 256 packets, then "drop",<id>,<len>), "disconn",<id>,3 when the registration is lost (2 when
  the network ends the one socket: the fault socket_closed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING

from harness.virtual.at_front import DataRequest, Handler, Reply, cme_error, error, ok, prompt
from harness.virtual.cmcc_tcp_sockets import CmccTcp
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.udp_sockets import CloseCause, OpenResult

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

NORMAL, TRANSPARENT, STREAM_CACHE, PACKET_CACHE = 0, 1, 2, 3
ASCII, HEX = 0, 1
OPERATION_NOT_SUPPORTED = 4
INCORRECT_PARAMETERS = 50
NOT_IN_USE, IN_USE, NOT_CONNECTED = 551, 552, 553
BIND_FAILED, CONNECT_FAILED = 555, 559
PDP_NOT_ACTIVE, DNS_FAILED = 570, 580
CAT1_CACHE_PACKETS = 256  # §3.6 <pack_count>, ML307R footnote 29
DATA_MODE_MAX_BYTES = 8192
INLINE_MAX_BYTES = 1460
SNDBUF_BYTES = 1460  # §3.1 <send_buffer> default: the Ctrl-Z data mode limit
DEFAULTS = MappingProxyType({"encoding": (ASCII, ASCII), "autofree": (0,), "timeout": (10,)})
RANGES = MappingProxyType({"encoding": ((0, 2), (0, 1)), "autofree": ((0, 1),), "timeout": ((1, 120),)})
# §3.20 <connect_state>: 1 closed by the server, 2 connection abnormal, 3 PDP deactivated. A network that ends
# one UDP socket is "abnormal" (judgement: UDP has no server close).
DISCONN_STATES = MappingProxyType(
    {CloseCause.PEER_CLOSED: 1, CloseCause.CONNECTION_FAILED: 2, CloseCause.PDP_DEACTIVATED: 3}
)
OPEN_RESULTS = MappingProxyType(
    {
        OpenResult.OPENED: 0,
        OpenResult.IN_USE: IN_USE,
        OpenResult.NOT_AN_ADDRESS: DNS_FAILED,
        OpenResult.REFUSED_ADDRESS: CONNECT_FAILED,
        OpenResult.BIND_FAILED: BIND_FAILED,
    }
)


class CmccSockets:
    """The command handlers, and the socket table's listener that turns arrivals into +MIPURC."""

    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self._ids = range(module.options.max_sockets)
        self._config: dict[tuple[str, int], tuple[int, ...]] = {}
        self._modes: dict[int, int] = {}
        self._targets: dict[int, tuple[str, int]] = {}
        self._ended_by_network: set[int] = set()  # autofree 1: waiting for AT+MIPCLOSE
        module.sockets.listener = self
        module.sockets.max_queued_datagrams = CAT1_CACHE_PACKETS
        module.reboot_watchers.append(self._reboot)
        self._tcp = CmccTcp(module, shown=self._shown, closed=self.on_closed)

    def table(self) -> dict[str, Handler]:
        return {
            "+MIPCFG": self.mipcfg,
            "+MIPOPEN": self.mipopen,
            "+MIPSEND": self.mipsend,
            "+MIPRD": self.miprd,
            "+MIPCLOSE": self.mipclose,
            "+MIPSTATE": self.mipstate,
        }

    def mipcfg(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            names = ",".join(f'"{name}"' for name in DEFAULTS)
            return ok(f"+MIPCFG: ({names}),({self._id_range()})")
        if command.kind is not CommandKind.WRITE:
            return error()
        name = command.args[0]
        if name not in DEFAULTS:
            return cme_error(INCORRECT_PARAMETERS)
        if len(command.args) == 1:
            return ok(*(self._config_line(name, connect_id) for connect_id in self._ids))
        connect_id = self._id(command, 1)
        if len(command.args) == 2:
            return ok(self._config_line(name, connect_id))
        ranges = RANGES[name]
        values = tuple(int_arg(command, 2 + index, low, high) for index, (low, high) in enumerate(ranges))
        self._config[(name, connect_id)] = values
        return ok()

    def mipopen(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok(f'+MIPOPEN: ({self._id_range()}),("TCP","UDP"),,(0-65535),(1-180),(0,3),(0-65535)')
        if command.kind is not CommandKind.WRITE or len(command.args) < 4:
            return error()
        connect_id = self._id(command, 0)
        protocol = command.args[1].upper()
        host = command.args[2]
        remote_port = int_arg(command, 3, 0, 65535)
        timeout_s = int_arg(command, 4, 1, 180, default=60)  # the connect timeout: UDP needs no handshake
        mode = int_arg(command, 5, NORMAL, PACKET_CACHE, default=NORMAL)
        local_port = int_arg(command, 6, 0, 65535, default=0)
        if (
            protocol not in ("TCP", "UDP")
            or mode == STREAM_CACHE
            or (protocol, mode) == ("TCP", PACKET_CACHE)
        ):
            return cme_error(INCORRECT_PARAMETERS)
        if mode == TRANSPARENT:
            return cme_error(OPERATION_NOT_SUPPORTED)
        if self._is_in_use(connect_id):
            return cme_error(IN_USE)
        if not self._module.registration.is_registered:
            return cme_error(PDP_NOT_ACTIVE)
        if protocol == "TCP":
            opened = self._tcp.open(connect_id, host, (remote_port, local_port), timeout_s=timeout_s)
            if opened is not OpenResult.OPENED:  # else the result comes once the connect has ended
                self._module.front.emit_urc(f"+MIPOPEN: {connect_id},{OPEN_RESULTS[opened]}")
            return ok()
        result = OPEN_RESULTS[self._module.sockets.open(connect_id, host, remote_port, local_port)]
        if result == 0:
            self._modes[connect_id] = mode
            self._targets[connect_id] = (host, remote_port)
        self._module.front.emit_urc(f"+MIPOPEN: {connect_id},{result}")
        return ok()

    def mipsend(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok(f"+MIPSEND: ({self._id_range()}),(0-{INLINE_MAX_BYTES})")
        if command.kind is not CommandKind.WRITE:
            return error()
        connect_id = self._id(command, 0)
        length_bytes = int_arg(command, 1, 0, DATA_MODE_MAX_BYTES, default=0)
        if any(arg not in ("", "0") for arg in command.args[3:]):
            return cme_error(INCORRECT_PARAMETERS)  # <rai>, <seq>, <pri_flag>: not on 4G parts
        if self._tcp.owns(connect_id):
            return self._send_with(command, connect_id, length_bytes, self._tcp.send)
        if self._module.sockets.get(connect_id) is None:
            return cme_error(NOT_CONNECTED if connect_id in self._ended_by_network else NOT_IN_USE)

        def send(connect_id: int, payload: bytes) -> Reply:
            if not self._module.sockets.send(connect_id, payload):
                return cme_error(NOT_CONNECTED)
            return ok(f"+MIPSEND: {connect_id},{len(payload)}")

        return self._send_with(command, connect_id, length_bytes, send)

    def _send_with(
        self, command: ATCommand, connect_id: int, length_bytes: int, send: Callable[[int, bytes], Reply]
    ) -> Reply:
        """AT+MIPSEND's data, inline or after the prompt, handed to `send`."""
        if len(command.args) > 2:
            return send(connect_id, self._inline_data(command, connect_id, length_bytes))
        on_data = functools.partial(send, connect_id)
        if length_bytes == 0:
            return prompt(DataRequest(length_bytes=None, max_bytes=SNDBUF_BYTES, on_data=on_data))
        return prompt(DataRequest(length_bytes=length_bytes, max_bytes=length_bytes, on_data=on_data))

    def miprd(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok(f"+MIPRD: ({self._id_range()}),(0-{CAT1_CACHE_PACKETS})")
        if command.kind is not CommandKind.WRITE:
            return error()
        connect_id = self._id(command, 0)
        if self._tcp.owns(connect_id):
            return cme_error(INCORRECT_PARAMETERS)  # TCP in normal mode: the data came in the URC
        entry = self._module.sockets.get(connect_id)
        if entry is None:
            return cme_error(NOT_IN_USE)
        if self._modes.get(connect_id) != PACKET_CACHE:
            return cme_error(INCORRECT_PARAMETERS)
        if len(command.args) == 1:
            return ok(f"+MIPRD: {connect_id},{len(entry.queue)}")
        count = int_arg(command, 1, 0, CAT1_CACHE_PACKETS) or CAT1_CACHE_PACKETS
        lines: list[bytes] = []
        while len(lines) < count and (datagram := self._module.sockets.pop(connect_id)) is not None:
            head = f"+MIPRD: {connect_id},{len(entry.queue)},{len(datagram)},".encode()
            lines.append(head + self._shown(connect_id, datagram))
        return ok(*lines)

    def mipclose(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok(f"+MIPCLOSE: ({self._id_range()})")
        if command.kind is not CommandKind.WRITE:
            return error()
        connect_id = self._id(command, 0)
        is_open = self._module.sockets.close(connect_id) or self._tcp.close(connect_id)
        if not is_open and connect_id not in self._ended_by_network:
            return cme_error(NOT_IN_USE)
        self._forget(connect_id)
        self._module.front.emit_urc(f"+MIPCLOSE: {connect_id}")
        return ok()

    def mipstate(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                return ok(*(self._state_line(connect_id) for connect_id in self._ids))
            case CommandKind.WRITE:
                return ok(self._state_line(self._id(command, 0)))
        return error()

    # --- SocketListener ----------------------------------------------------------------------------------

    def on_datagram(self, connect_id: int) -> None:
        entry = self._module.sockets.get(connect_id)
        if entry is None:
            return
        if self._modes.get(connect_id) == PACKET_CACHE:
            self._module.front.emit_urc(f'+MIPURC: "rudp",{connect_id},{len(entry.queue)}')
            return
        datagram = self._module.sockets.pop(connect_id) or b""
        head = f'+MIPURC: "rudp",{connect_id},{len(datagram)},'.encode()
        self._module.front.emit_urc(head + self._shown(connect_id, datagram))

    def on_closed(self, connect_id: int, cause: CloseCause) -> None:
        self._module.front.emit_urc(f'+MIPURC: "disconn",{connect_id},{DISCONN_STATES[cause]}')
        self._forget(connect_id)
        if self._setting("autofree", connect_id)[0] == 1:
            self._ended_by_network.add(connect_id)
        else:
            self._tcp.close(connect_id)  # a TCP connection the peer closed is freed at once

    def on_dropped(self, connect_id: int, length_bytes: int) -> None:
        if self._modes.get(connect_id) == PACKET_CACHE:
            self._module.front.emit_urc(f'+MIPURC: "drop",{connect_id},{length_bytes}')

    # --- helpers -----------------------------------------------------------------------------------------

    def _id(self, command: ATCommand, index: int) -> int:
        return int_arg(command, index, self._ids.start, self._ids.stop - 1)

    def _id_range(self) -> str:
        return f"{self._ids.start}-{self._ids.stop - 1}"

    def _setting(self, name: str, connect_id: int) -> tuple[int, ...]:
        return self._config.get((name, connect_id), DEFAULTS[name])

    def _config_line(self, name: str, connect_id: int) -> str:
        values = ",".join(str(value) for value in self._setting(name, connect_id))
        return f'+MIPCFG: "{name}",{connect_id},{values}'

    def _inline_data(self, command: ATCommand, connect_id: int, length_bytes: int) -> bytes:
        """The data of AT+MIPSEND=<id>,<len>,"<data>" in the socket's <send_format>; ValueError when it
        is not that format or not <len> long (a length of 0 is not checked, §3.5)."""
        text = command.args[2]
        if self._setting("encoding", connect_id)[0] == HEX:
            data = bytes.fromhex(text)
        else:
            data = text.encode("latin-1")
        if len(data) > INLINE_MAX_BYTES or (length_bytes and len(data) != length_bytes):
            raise ValueError(f"AT+MIPSEND data of {len(data)} bytes, announced {length_bytes}")
        return data

    def _shown(self, connect_id: int, data: bytes) -> bytes:
        """Data as the socket's <recv_format> prints it."""
        return data.hex().upper().encode() if self._setting("encoding", connect_id)[1] == HEX else data

    def _state_line(self, connect_id: int) -> str:
        if (tcp_line := self._tcp.state_line(connect_id)) is not None:
            return tcp_line
        target = self._targets.get(connect_id)
        if target is None:
            state = "CLOSED" if connect_id in self._ended_by_network else "INITIAL"
            return f'+MIPSTATE: {connect_id},,,,"{state}"'
        host, port = target
        return f'+MIPSTATE: {connect_id},"UDP","{host}",{port},"CONNECTED"'

    def _is_in_use(self, connect_id: int) -> bool:
        return (
            self._module.sockets.get(connect_id) is not None
            or self._tcp.owns(connect_id)
            or connect_id in self._ended_by_network
        )

    def _forget(self, connect_id: int) -> None:
        self._modes.pop(connect_id, None)
        self._targets.pop(connect_id, None)
        self._ended_by_network.discard(connect_id)

    def _reboot(self) -> None:
        """Settings of AT+MIPCFG hold "for this power-on cycle" (§3.1)."""
        self._config.clear()
        self._modes.clear()
        self._targets.clear()
        self._ended_by_network.clear()
