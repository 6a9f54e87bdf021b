"""dialects layer: UDP and TCP through the Quectel TCP/IP command set of the BC660K-GL / BC950K-GL
(BC660K-GL AT Commands Manual v1.4 [S5] §14.1 lists them; exchanges from the BG95/BG96 TCP/IP application
notes [S13]; cellular-iot.md §3.1):

    AT+QIOPEN=0,<id>,"UDP"|"TCP","<host>",<port>,0,<access_mode>  -> OK, then URC +QIOPEN: <id>,<err>
                             (TCP: once the connect has ended; command to URC is the connect time)
    AT+QISEND=<id>,<len>  -> "> " prompt, <len> bytes        -> OK, then SEND OK (buffered, not delivered);
                             SEND FAIL: the send buffer is full ([S13]; a TCP piece is sent again)
    AT+QISEND=<id>,<len>,<RAI>  the same with release assistance (harness.dialects.release_assistance); the
                          BC660K TCP/IP note was not readable: <RAI> after <len> is our reading, as the
                          virtual module's (harness.virtual.quectel_sockets)
    direct push (access_mode 1): +QIURC: "recv",<id>,<len><CR><LF><data>
    buffer (access_mode 0): +QIURC: "recv",<id>, then AT+QIRD=<id>,<len> -> +QIRD: <n><CR><LF><data> OK
    AT+QICLOSE=<id> -> OK;  +QIURC: "closed",<id> when the peer or the network side closes
A TCP stream is read with the same commands: AT+QIRD returns up to READ_BYTES of it.

The BC660K's context ID is 0 (Renode's model rejects any other [S6]); connect IDs 0-4 (not verified for
BC660K in the manual, cellular-iot.md §3.1).
"""

from __future__ import annotations

import contextlib
import threading
import time
from enum import IntEnum, StrEnum

from harness.at import ATSession, Urc, data_length_field, quote_arg
from harness.dialects.modem import Connected, Datagram
from harness.dialects.quectel_nbiot_inbox import Inbox, Read
from harness.dialects.quectel_redcap_ping import ERROR_TEXTS
from harness.dialects.release_assistance import ReleaseAssistance
from harness.errors import ATError, ModemError

CONTEXT_ID = 0
CONNECT_IDS = range(5)
OPEN_TIMEOUT_S = 150.0  # vendors advise waiting up to 150 s for +QIOPEN (cellular-iot.md §3.1)
SEND_TIMEOUT_S = 10.0
SEND_RETRY_S = 0.1  # after SEND FAIL (a full send buffer), try again this much later, until SEND_TIMEOUT_S
MAX_SEND_BYTES = 1460  # <send_length> of AT+QISEND, a BG95 figure [S13]; a longer TCP send is cut
READ_BYTES = 1500
# The most one +QIURC "recv" can push: a UDP datagram the module accepts (QISEND's 1460 and QIRD's 1500 are
# BG95 figures [S13], not verified for BC660K); a larger count is a garbled line, not data.
MAX_DATAGRAM_BYTES = 1500


class AccessMode(IntEnum):
    """<access_mode> of AT+QIOPEN."""

    BUFFER = 0
    DIRECT_PUSH = 1


class Service(StrEnum):
    """<service_type> of AT+QIOPEN."""

    UDP = "UDP"
    TCP = "TCP"


class ConnectIds:
    """The connect IDs of one module, handed out and given back; and the lock that keeps one AT+QISEND at a
    time (SEND OK / SEND FAIL name no socket, so only one send may wait for one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[int] = set()
        self.send_lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            free = [i for i in CONNECT_IDS if i not in self._open]
            if not free:
                raise ModemError(f"all {len(CONNECT_IDS)} socket connect IDs are in use")
            self._open.add(free[0])
            return free[0]

    def give_back(self, connect_id: int) -> None:
        with self._lock:
            self._open.discard(connect_id)


def add_qi_framing(session: ATSession) -> None:
    """Tell the session which lines are URCs and which carry raw data in this command set."""
    session.add_urc_prefix("+QIURC")
    session.add_data_rule("+QIRD", _qird_data_bytes)
    session.add_data_rule('+QIURC: "recv"', data_length_field(2, max_bytes=MAX_DATAGRAM_BYTES))


class QuectelSocket:
    """One AT+QIOPEN service, UDP (a ModuleSocket) or TCP (a ModuleStream); data arrives through +QIURC
    "recv" URCs. A TCP open waits `open_timeout_s` for its result."""

    def __init__(
        self,
        session: ATSession,
        ids: ConnectIds,
        host: str,
        port: int,
        *,
        access_mode: AccessMode,
        service: Service = Service.UDP,
        open_timeout_s: float = OPEN_TIMEOUT_S,
    ) -> None:
        if not 0 < port <= 65535:
            raise ValueError(f"port {port} is outside 1..65535")
        open_command = (
            f"AT+QIOPEN={CONTEXT_ID},{{id}},{quote_arg(service.value)},{quote_arg(host)},{int(port)},0,"
            f"{int(access_mode)}"
        )  # refuses a bad host before a connect id is taken
        self._session = session
        self._ids = ids
        self._access_mode = access_mode
        self._service = service
        self._id = ids.take()
        self._inbox = Inbox(f"socket {self._id}", self._read_once)
        try:
            self._unsubscribe = session.subscribe("+QIURC", self._on_qiurc)
        except BaseException:
            ids.give_back(self._id)
            raise
        try:
            self.connected = self._open(open_command.format(id=self._id), f"{host}:{port}", open_timeout_s)
        except BaseException:
            self._unsubscribe()
            ids.give_back(self._id)
            raise

    @property
    def is_ended(self) -> bool:
        return self._inbox.is_closed

    def send(self, payload: bytes) -> float:
        """Hand `payload` to the module (a TCP stream in pieces of MAX_SEND_BYTES); the time the first
        send command was written."""
        if self._service is Service.UDP:
            sent_s, result = self._send_once(payload)
            self._check_sent(payload, result)
            return sent_s
        pieces = [payload[i : i + MAX_SEND_BYTES] for i in range(0, len(payload), MAX_SEND_BYTES)]
        times_s = [self._send_piece(piece) for piece in pieces]
        return times_s[0] if times_s else self._session.now_s()

    def send_with_release(self, payload: bytes, release: ReleaseAssistance) -> float:
        """One datagram with release assistance: the network may release the connection after it."""
        sent_s, result = self._send_once(payload, release)
        self._check_sent(payload, result)
        return sent_s

    def receive(self, timeout_s: float) -> Datagram | None:
        return self._inbox.receive(timeout_s)

    def close(self) -> None:
        self._unsubscribe()
        try:
            self._session.send(f"AT+QICLOSE={self._id}")
        finally:
            self._ids.give_back(self._id)

    def _open(self, command: str, where: str, timeout_s: float) -> Connected:
        response = self._session.send(command)
        try:
            opened = self._session.wait_for_urc(
                "+QIOPEN",
                timeout_s=timeout_s,
                match=lambda urc: _fields(urc.line)[:1] == [str(self._id)],
                since_s=response.started_s,
            )
        except ATError:
            with contextlib.suppress(ATError):  # a connect still under way must not hold the connect id
                self._session.send(f"AT+QICLOSE={self._id}")
            raise
        error = _fields(opened.line)[1:2]
        if error != ["0"]:
            code = int(error[0]) if error and error[0].isdigit() else None
            meaning = f" ({ERROR_TEXTS[code]})" if code in ERROR_TEXTS else ""
            raise ModemError(f"AT+QIOPEN for socket {self._id} to {where} failed: {opened.line}{meaning}")
        return Connected(command_s=response.started_s, connected_s=opened.t_s)

    def _send_once(self, payload: bytes, release: ReleaseAssistance | None = None) -> tuple[float, str]:
        """One AT+QISEND: when it was written, and its SEND OK or SEND FAIL line."""
        self._inbox.check_open()
        command = f"AT+QISEND={self._id},{len(payload)}"
        if release is not None:
            command += f",{int(release)}"
        with self._ids.send_lock:
            response = self._session.send_payload(command, payload, timeout_s=SEND_TIMEOUT_S)
            result = self._session.wait_for_urc("SEND", timeout_s=SEND_TIMEOUT_S, since_s=response.started_s)
        return response.started_s, result.line

    def _send_piece(self, piece: bytes) -> float:
        """A TCP piece, sent again while the module's send buffer is full (SEND FAIL), for SEND_TIMEOUT_S."""
        deadline_s = time.monotonic() + SEND_TIMEOUT_S
        while True:
            sent_s, result = self._send_once(piece)
            if result != "SEND FAIL" or time.monotonic() > deadline_s:
                self._check_sent(piece, result)
                return sent_s
            time.sleep(SEND_RETRY_S)

    def _check_sent(self, payload: bytes, result: str) -> None:
        if result != "SEND OK":
            raise ModemError(f"AT+QISEND={self._id},{len(payload)} ended with {result!r}")

    def _on_qiurc(self, urc: Urc) -> None:
        """Runs in the session's reader thread: only queue, never send from here."""
        fields = _fields(urc.line)
        if len(fields) < 2 or fields[1] != str(self._id):
            return
        if fields[0] == '"recv"':
            if self._access_mode is AccessMode.DIRECT_PUSH:
                self._inbox.push(urc.data, urc.t_s)
            else:
                self._inbox.announce(urc.t_s)
        elif fields[0] == '"closed"':
            self._inbox.close()

    def _read_once(self) -> Read:
        """AT+QIRD fetches one datagram; whether more wait is unknown until a read answers +QIRD: 0."""
        response = self._session.send(f"AT+QIRD={self._id},{READ_BYTES}")
        return Read(data=response.data, ended_s=response.ended_s, has_more=bool(response.data))


def _qird_data_bytes(line: str) -> int | None:
    """Bytes that follow a `+QIRD: <read_length>[,<unread>]` line; none after the statistics answer of
    AT+QIRD=<id>,0, `+QIRD: <total_received>,<have_read>,<unread>`, which has three fields."""
    if len(_fields(line)) > 2:
        return None
    return data_length_field(0, max_bytes=READ_BYTES)(line)


def _fields(line: str) -> list[str]:
    return [field.strip() for field in line.partition(":")[2].split(",")]
