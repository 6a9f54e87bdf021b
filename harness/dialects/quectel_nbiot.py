"""dialects layer: Quectel NB-IoT modules (BC660K-GL, BC950K-GL; BC660K-GL AT Commands Manual v1.4 [S5]).

Over the 27.007 baseline: the ICCID from AT+QCCID (§8.11) and UDP sockets through the TCP/IP command set
(cellular-iot.md §3.1; BG95/BG96 TCP/IP application notes [S13] for the exchanges):

    AT+QIOPEN=0,<id>,"UDP","<host>",<port>,0,<access_mode>  -> OK, then URC +QIOPEN: <id>,<err>
    AT+QISEND=<id>,<len>  -> "> " prompt, <len> bytes        -> OK, then SEND OK (buffered, not delivered)
    direct push (access_mode 1): +QIURC: "recv",<id>,<len><CR><LF><data>
    buffer (access_mode 0): +QIURC: "recv",<id>, then AT+QIRD=<id>,<len> -> +QIRD: <n><CR><LF><data> OK
    AT+QICLOSE=<id> -> OK;  +QIURC: "closed",<id> when the network side closes

The BC660K's context ID is 0 (Renode's model rejects any other [S6]); connect IDs 0-4 (not verified for
BC660K in the manual, cellular-iot.md §3.1). The older BC95/BC28 socket set (AT+NSOCR/NSOST) comes with
issue 3.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from enum import IntEnum

from harness.at import ATSession, Urc, data_length_field, quote_arg
from harness.dialects.modem import UDP_SOCKET, Datagram, ModuleSocket
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError

CONTEXT_ID = 0
CONNECT_IDS = range(5)
OPEN_TIMEOUT_S = 150.0  # vendors advise waiting up to 150 s for +QIOPEN (cellular-iot.md §3.1)
SEND_TIMEOUT_S = 10.0
READ_BYTES = 1500


class AccessMode(IntEnum):
    """<access_mode> of AT+QIOPEN."""

    BUFFER = 0
    DIRECT_PUSH = 1


def matches(manufacturer: str, model: str) -> bool:
    """True for the module families this dialect drives (+CGMI, +CGMM answers)."""
    return "QUECTEL" in manufacturer.upper() and any(
        family in model.upper() for family in ("BC660", "BC950", "BC66", "BC95", "BC28")
    )


class QuectelNbiotModem(Ts27007Modem):
    name = "quectel_nbiot"

    def __init__(self, session: ATSession, *, access_mode: AccessMode = AccessMode.DIRECT_PUSH) -> None:
        super().__init__(session)
        self.access_mode = access_mode
        self._lock = threading.Lock()
        self.send_lock = threading.Lock()
        self._open_ids: set[int] = set()
        session.add_urc_prefix("+QIURC")
        session.add_data_rule("+QIRD", _qird_data_bytes)
        session.add_data_rule('+QIURC: "recv"', data_length_field(2))

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset({UDP_SOCKET})

    def iccid(self) -> str | None:
        return self.session.send("AT+QCCID").value_of("+QCCID")

    def open_udp(self, host: str, port: int) -> ModuleSocket:
        with self._lock:
            free = [i for i in CONNECT_IDS if i not in self._open_ids]
            if not free:
                raise ModemError(f"all {len(CONNECT_IDS)} socket connect IDs are in use")
            connect_id = free[0]
            self._open_ids.add(connect_id)
        try:
            return QuectelUdpSocket(self, connect_id, host, port)
        except BaseException:
            self._release(connect_id)
            raise

    def _release(self, connect_id: int) -> None:
        with self._lock:
            self._open_ids.discard(connect_id)


class QuectelUdpSocket:
    """One AT+QIOPEN UDP service; datagrams arrive through +QIURC "recv" URCs."""

    def __init__(self, modem: QuectelNbiotModem, connect_id: int, host: str, port: int) -> None:
        self._modem = modem
        self._session = modem.session
        self._id = connect_id
        self._arrivals: queue.Queue[_Arrival] = queue.Queue()
        self._closed_by_network = threading.Event()
        self._last_read_s = float("-inf")
        self._unsubscribe = self._session.subscribe("+QIURC", self._on_qiurc)
        try:
            self._open(host, port)
        except BaseException:
            self._unsubscribe()
            raise

    def send(self, payload: bytes) -> float:
        if self._closed_by_network.is_set():
            raise ModemError(f"socket {self._id} was closed by the network")
        # SEND OK / SEND FAIL name no socket: one send at a time per module keeps each result with its send.
        with self._modem.send_lock:
            response = self._session.send_payload(
                f"AT+QISEND={self._id},{len(payload)}", payload, timeout_s=SEND_TIMEOUT_S
            )
            result = self._session.wait_for_urc("SEND", timeout_s=SEND_TIMEOUT_S, since_s=response.started_s)
        if result.line != "SEND OK":
            raise ModemError(f"AT+QISEND={self._id},{len(payload)} ended with {result.line!r}")
        return response.started_s

    def receive(self, timeout_s: float) -> Datagram | None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                arrival = self._arrivals.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                return None
            if arrival is _CLOSED:
                self._arrivals.put(_CLOSED)  # every later receive() raises too
                raise ModemError(f"socket {self._id} was closed by the network")
            if self._modem.access_mode is AccessMode.DIRECT_PUSH and arrival.t_s is not None:
                return Datagram(data=arrival.data, t_s=arrival.t_s)
            datagram = self._read_buffered(arrival)
            if datagram is not None:
                return datagram

    def close(self) -> None:
        self._unsubscribe()
        try:
            self._session.send(f"AT+QICLOSE={self._id}")
        finally:
            self._modem._release(self._id)

    def _open(self, host: str, port: int) -> None:
        response = self._session.send(
            f'AT+QIOPEN={CONTEXT_ID},{self._id},"UDP",{quote_arg(host)},{int(port)},0,'
            f"{int(self._modem.access_mode)}"
        )
        opened = self._session.wait_for_urc(
            "+QIOPEN",
            timeout_s=OPEN_TIMEOUT_S,
            match=lambda urc: _fields(urc.line)[:1] == [str(self._id)],
            since_s=response.started_s,
        )
        error = _fields(opened.line)[1:2]
        if error != ["0"]:
            raise ModemError(f"AT+QIOPEN for socket {self._id} to {host}:{port} failed: {opened.line}")

    def _on_qiurc(self, urc: Urc) -> None:
        """Runs in the session's reader thread: only queue, never send from here."""
        fields = _fields(urc.line)
        if len(fields) < 2 or fields[1] != str(self._id):
            return
        if fields[0] == '"recv"':
            self._arrivals.put(_Arrival(data=urc.data, t_s=urc.t_s))
        elif fields[0] == '"closed"':
            self._closed_by_network.set()
            self._arrivals.put(_CLOSED)

    def _read_buffered(self, arrival: _Arrival) -> Datagram | None:
        """Buffer mode: AT+QIRD fetches one datagram. The module announces only data that lands in an empty
        buffer, so after a read there may be more: another read is queued until +QIRD: 0.

        Times: an announcement that came after the previous read ended names the first datagram in the
        buffer, which then carries the announcement's time. Any other datagram (found by a queued re-read,
        or after an announcement that arrived while a read was under way and may already have been
        served) carries the time of the read that returned it: later than its arrival, never earlier."""
        previous_read_s = self._last_read_s
        response = self._session.send(f"AT+QIRD={self._id},{READ_BYTES}")
        self._last_read_s = response.ended_s
        if not response.data:
            return None
        self._arrivals.put(_Arrival(data=b"", t_s=None))
        is_announced = arrival.t_s is not None and arrival.t_s > previous_read_s
        t_s = arrival.t_s if is_announced and arrival.t_s is not None else response.ended_s
        return Datagram(data=response.data, t_s=t_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Arrival:
    """A +QIURC "recv" (with its data in direct push mode), or a queued re-read (t_s None)."""

    data: bytes
    t_s: float | None


# Queued when the network closes the socket: data that came before it is still delivered first.
_CLOSED = _Arrival(data=b"", t_s=None)


def _qird_data_bytes(line: str) -> int | None:
    """Bytes that follow a `+QIRD: <read_length>[,<unread>]` line; none after the statistics answer of
    AT+QIRD=<id>,0, `+QIRD: <total_received>,<have_read>,<unread>`, which has three fields."""
    if len(_fields(line)) > 2:
        return None
    return data_length_field(0)(line)


def _fields(line: str) -> list[str]:
    return [field.strip() for field in line.partition(":")[2].split(",")]


MODEM = QuectelNbiotModem
