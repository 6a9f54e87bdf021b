"""dialects layer: UDP and TCP sockets in the IP stack of a China Mobile OneMO ML307R (LTE Cat-1), the
ModuleSocket and ModuleStream of harness.dialects.cmcc_cat1, from the OneMO TCP/IP AT manual V5.1.5
(cellular-iot.md §3.4 [S11], search index id 58929532626; section numbers below are that manual's):

    AT+MIPCFG="encoding",<id>,<send_format>,<recv_format>   §3.1: data in and out as ASCII (0) or HEX (1)
    AT+MIPOPEN=<id>,"UDP"|"TCP",<host>,<port>,<timeout>,<mode>  §3.3: OK, then URC +MIPOPEN: <id>,<result>
                                                        (TCP: once the connect has ended, within <timeout>)
    AT+MIPSEND=<id>,<len>  -> ">", <len> raw bytes           §3.5: +MIPSEND: <id>,<len> = taken into the
    AT+MIPSEND=<id>,<len>,"<data>"  (ASCII or HEX)                 module's buffer, not delivered
    normal mode 0:       +MIPURC: "rudp"|"rtcp",<id>,<len>,<data>  §3.20: the datagram or bytes in the URC
    packet cache mode 3: +MIPURC: "rudp",<id>,<cached packets>   §3.20, then AT+MIPRD=<id>,1 (§3.6) ->
                         +MIPRD: <id>,<unread>,<len>,<data>      one datagram per read, oldest first
    +MIPURC: "disconn",<id>,<state>   the server or the network side ended it; with the default "autofree" 0
                                      the module frees the connection itself (§3.20)
    AT+MIPCLOSE=<id>  -> OK, then URC +MIPCLOSE: <id>[,<ret_code>]   §3.4

A TCP socket is opened in normal mode (the bytes come in the URC; stream cache, mode 2, is not driven here);
a TCP send longer than data mode takes is cut into pieces, and a piece the module refuses with +CME ERROR:
560 (socket write error: taken here as a full send buffer, the manual names no other code for it) is sent
again for SEND_TIMEOUT_S.

Received data is always asked for in HEX (harness.dialects.cmcc_cat1_lines says why). Sent data goes raw
after the prompt (data mode: the encoding does not apply to it, §3.5), or inline as HEX or ASCII. The
OneMO ML307R bench notes (index id 56477515518) saw inline data refused with +CME ERROR: 50 on one firmware
and recommend data mode, which is the default here. An empty datagram cannot be sent: a zero length means
"no length given" on the ML307R (§3.5 note 20).

A result URC of one command (+MIPOPEN, +MIPCLOSE) may arrive before the OK, among the response lines, or
after it; both are looked at. One command per result prefix is in flight at a time, so a result cannot be
taken as a response line of another command of the same prefix (harness.at.urcs names that limit).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass

from harness.at import ATCommandError, Urc, quote_arg
from harness.dialects.cmcc_cat1_lines import (
    Cached,
    Disconnected,
    Dropped,
    Received,
    explain,
    read_miprd,
    read_mipurc,
    read_socket_result,
)
from harness.dialects.cmcc_cat1_socket_table import (
    OPEN_TIMEOUT_S,
    RESULT_MARGIN_S,
    SEND_TIMEOUT_S,
    AccessMode,
    ConnectIds,
    SendForm,
    SocketOptions,
)
from harness.dialects.modem import Connected, Datagram
from harness.errors import ModemError, ParseError

CLOSE_TIMEOUT_S = 10.0  # the manual gives none; a UDP close needs no peer, this only bounds the wait
INLINE_MAX_BYTES = 1460  # <send_length> with the data in the command (§3.5)
DATA_MODE_MAX_BYTES = 8192  # <send_length> in data mode (§3.5)
_GONE_CODES = (551, 553)  # "not in use", "not connected": nothing left to close (§5)
_SOCKET_WRITE_ERROR = 560  # §5
SEND_RETRY_S = 0.1  # after a refused TCP piece, try again this much later
TIMEOUT_RANGE_S = (1, 180)  # <timeout> of AT+MIPOPEN (§3.3)


class SocketTable(ConnectIds):
    """The sockets of one module, opened on a free connect id."""

    def open_udp(self, host: str, port: int) -> CmccSocket:
        return self._open(host, port, "UDP", OPEN_TIMEOUT_S)

    def open_tcp(self, host: str, port: int, *, timeout_s: float) -> CmccSocket:
        return self._open(host, port, "TCP", timeout_s)

    def _open(self, host: str, port: int, protocol: str, timeout_s: float) -> CmccSocket:
        connect_id = self.take()
        try:
            return CmccSocket(self, connect_id, host, port, protocol=protocol, open_timeout_s=timeout_s)
        except BaseException:
            self.release(connect_id)
            raise


@dataclass(frozen=True, slots=True, kw_only=True)
class _Arrival:
    """What the reader thread hands to receive(): a datagram (normal mode), an announcement of a cached
    one (data None; t_s None for a re-read the module's unread count asked for), or a problem to raise."""

    data: bytes | None = None
    t_s: float | None = None
    problem: ParseError | None = None
    is_closed: bool = False


class CmccSocket:
    """One AT+MIPOPEN connection, "UDP" (a ModuleSocket) or "TCP" (a ModuleStream)."""

    def __init__(
        self,
        table: SocketTable,
        connect_id: int,
        host: str,
        port: int,
        *,
        protocol: str,
        open_timeout_s: float,
    ) -> None:
        self._table = table
        self._sender = table.sender
        self._session = table.session
        self._is_tcp = protocol == "TCP"
        # TCP is opened in normal mode (see the module docstring); packet cache mode is UDP's
        self._options = SocketOptions(send_form=table.options.send_form) if self._is_tcp else table.options
        self._kind = "rtcp" if self._is_tcp else "rudp"
        self._id = connect_id
        self._arrivals: queue.Queue[_Arrival] = queue.Queue()
        self._closed_by_network = threading.Event()
        self._network_reason = ""
        self._is_closed = False
        self.dropped_bytes = 0
        timeout_s = min(max(math.ceil(open_timeout_s), TIMEOUT_RANGE_S[0]), TIMEOUT_RANGE_S[1])
        # refuses a bad host before anything is written
        open_command = self._open_command(host, port, protocol, timeout_s)
        self._unsubscribe = self._session.subscribe("+MIPURC", self._on_mipurc)
        try:
            self.connected = self._open(open_command, f"{host}:{port}", timeout_s)
        except BaseException:
            self._unsubscribe()
            raise

    @property
    def connect_id(self) -> int:
        return self._id

    @property
    def is_ended(self) -> bool:
        return self._closed_by_network.is_set()

    def send(self, payload: bytes) -> float:
        """Hand `payload` to the module (a TCP stream in pieces data mode takes); the time the first send
        command was written."""
        if not self._is_tcp:
            return self._send_once(payload)
        limit = DATA_MODE_MAX_BYTES if self._options.send_form is SendForm.DATA_MODE else INLINE_MAX_BYTES
        times_s = [self._send_piece(payload[i : i + limit]) for i in range(0, len(payload), limit)]
        return times_s[0] if times_s else self._session.now_s()

    def _send_piece(self, piece: bytes) -> float:
        deadline_s = time.monotonic() + SEND_TIMEOUT_S
        while True:
            try:
                return self._send_once(piece)
            except _Refused:
                if time.monotonic() > deadline_s:
                    raise ModemError(f"socket {self._id}: the module's send buffer stayed full") from None
            time.sleep(SEND_RETRY_S)

    def _send_once(self, payload: bytes) -> float:
        self._check_open()
        shown = f"AT+MIPSEND={self._id},{len(payload)}"
        command, raw = self._send_command(payload)
        try:
            if raw is None:
                response = self._sender.send_command(command)
            else:
                timeout_s = self._sender.command_timeout_s(command)
                response = self._session.send_payload(command, raw, timeout_s=timeout_s)
        except ATCommandError as error:
            if self._is_tcp and error.code == _SOCKET_WRITE_ERROR:
                raise _Refused from error
            raise ModemError(f"{shown} failed: {explain(error.final, error.code)}") from error
        for line in response.matching("+MIPSEND"):
            accepted = read_socket_result(line)
            if accepted.connect_id == self._id and accepted.value != len(payload):
                raise ModemError(f"{shown}: the module took {accepted.value} of {len(payload)} bytes")
        return response.started_s

    def receive(self, timeout_s: float) -> Datagram | None:
        deadline_s = time.monotonic() + timeout_s
        while True:
            try:
                arrival = self._arrivals.get(timeout=max(deadline_s - time.monotonic(), 0.0))
            except queue.Empty:
                return None
            if arrival.is_closed:
                self._arrivals.put(arrival)  # every later receive() raises too
                raise ModemError(self._closed_message())
            if arrival.problem is not None:
                raise arrival.problem
            if arrival.data is not None and arrival.t_s is not None:
                return Datagram(data=arrival.data, t_s=arrival.t_s)
            datagram = self._read_cached(arrival.t_s)
            if datagram is not None:
                return datagram

    def close(self) -> None:
        if self._is_closed:
            return
        self._is_closed = True
        self._unsubscribe()
        try:
            self._close()
        finally:
            self._table.release(self._id)

    # --- commands --------------------------------------------------------------------------------------

    def _open_command(self, host: str, port: int, protocol: str, timeout_s: int) -> str:
        low = 1 if protocol == "TCP" else 0  # a TCP connect needs a port; UDP's 0 is the manual's
        if not low <= port <= 65535:
            raise ValueError(f"port {port} is outside {low}..65535")
        mode = int(self._options.access_mode)
        target = f"{quote_arg(protocol)},{quote_arg(host)},{int(port)}"
        return f"AT+MIPOPEN={self._id},{target},{timeout_s},{mode}"

    def _open(self, command: str, where: str, timeout_s: int) -> Connected:
        send_format = 1 if self._options.send_form is SendForm.HEX else 0
        try:
            self._sender.send_command(f'AT+MIPCFG="encoding",{self._id},{send_format},1')
            result = self._table.send_for_result(
                command, prefix="+MIPOPEN", match=self._is_mine, timeout_s=timeout_s + RESULT_MARGIN_S
            )
        except ATCommandError as error:
            raise ModemError(f"{error.command} failed: {explain(error.final, error.code)}") from error
        code = read_socket_result(result.line).value
        if code != 0:
            failure = explain(result.line, code)
            raise ModemError(f"AT+MIPOPEN for socket {self._id} to {where} failed: {failure}")
        return Connected(command_s=result.command_s, connected_s=result.t_s)

    def _send_command(self, payload: bytes) -> tuple[str, bytes | None]:
        """The AT+MIPSEND command for `payload`, and the raw bytes to write after its prompt (data mode)."""
        form = self._options.send_form
        limit = DATA_MODE_MAX_BYTES if form is SendForm.DATA_MODE else INLINE_MAX_BYTES
        if not 1 <= len(payload) <= limit:
            raise ValueError(f"a {form} datagram holds 1 to {limit} bytes, this one {len(payload)}")
        if form is SendForm.DATA_MODE:
            return f"AT+MIPSEND={self._id},{len(payload)}", payload
        data = payload.hex().upper() if form is SendForm.HEX else _ascii_text(payload)
        return f"AT+MIPSEND={self._id},{len(payload)},{quote_arg(data)}", None

    def _read_cached(self, announced_s: float | None) -> Datagram | None:
        """Packet cache mode: read the oldest cached datagram. It carries the time of the announcement that
        triggered the read (one announcement per datagram, §3.20, read oldest first); one read because the
        module's unread count exceeded the announcements waiting carries the time of the read."""
        command = f"AT+MIPRD={self._id},1"
        try:
            response = self._sender.send_command(command)
        except ATCommandError as error:
            raise ModemError(f"{command} failed: {explain(error.final, error.code)}") from error
        line = response.first("+MIPRD")
        if line is None:  # only OK: the cache is empty (§3.6)
            return None
        read = read_miprd(line)
        if read.connect_id != self._id or read.data is None:
            raise ModemError(f"{command} answered {line!r}, not a datagram of socket {self._id}")
        if read.unread > self._arrivals.qsize():
            self._arrivals.put(_Arrival())
        return Datagram(data=read.data, t_s=response.ended_s if announced_s is None else announced_s)

    def _close(self) -> None:
        command = f"AT+MIPCLOSE={self._id}"
        try:
            if self._closed_by_network.is_set():
                # Freed by the module already (autofree 0), or waiting for this (autofree 1): no result.
                self._sender.send_command(command)
                return
            self._table.send_for_result(
                command, prefix="+MIPCLOSE", match=self._is_mine, timeout_s=CLOSE_TIMEOUT_S
            )
        except ATCommandError as error:
            if error.code not in _GONE_CODES:
                raise ModemError(f"{command} failed: {explain(error.final, error.code)}") from error

    # --- URCs (reader thread: only queue, never send) -------------------------------------------------

    def _on_mipurc(self, urc: Urc) -> None:
        try:
            event = read_mipurc(urc.line, is_cached=self._options.access_mode is AccessMode.PACKET_CACHE)
        except ParseError as error:
            if _connect_id_text(urc.line) == str(self._id):
                self._arrivals.put(_Arrival(problem=error))
            return
        if event is None or event.connect_id != self._id:
            return
        if isinstance(event, Received) and event.kind == self._kind:
            self._arrivals.put(_Arrival(data=event.data, t_s=urc.t_s))
        elif isinstance(event, Cached) and event.kind == self._kind:
            self._arrivals.put(_Arrival(t_s=urc.t_s))
        elif isinstance(event, Dropped):
            self.dropped_bytes += event.drop_length
        elif isinstance(event, Disconnected):
            self._network_reason = event.reason
            self._closed_by_network.set()
            self._arrivals.put(_Arrival(is_closed=True))

    def _is_mine(self, line: str) -> bool:
        return _connect_id_text(line) == str(self._id)

    def _check_open(self) -> None:
        if self._is_closed:
            raise ModemError(f"socket {self._id} is closed")
        if self._closed_by_network.is_set():
            raise ModemError(self._closed_message())

    def _closed_message(self) -> str:
        return f"socket {self._id} was closed by the network ({self._network_reason})"


class _Refused(Exception):
    """A TCP piece the module did not take (+CME ERROR: 560): sent again."""


def _ascii_text(payload: bytes) -> str:
    """The payload as the ASCII form carries it (<send_format> 0): printable ASCII that quote_arg allows."""
    try:
        return payload.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(
            f"the ASCII send form carries printable ASCII only, not {payload[:20]!r}; use HEX or data mode"
        ) from None


def _connect_id_text(line: str) -> str:
    """The connect id field of a +MIPOPEN/+MIPCLOSE (first) or +MIPURC (second) line, read leniently to
    tell whose line it is even when the rest of it cannot be read."""
    head, _, rest = line.partition(":")
    fields = rest.split(",")
    index = 1 if head.strip() == "+MIPURC" else 0
    return fields[index].strip(" \t") if index < len(fields) else ""
