"""dialects layer: UDP through the socket commands of the HiSilicon-based Quectel BC95 / BC28 firmware
(BC95 AT Commands Manual [S12] §5.4-5.8; cellular-iot.md §3.2):

    AT+NSOCR=DGRAM,17,<listen_port>,1         -> <socket> OK      (1: announce received data with +NSONMI)
    AT+NSOST=<socket>,<ip>,<port>,<len>,<hex>  -> <socket>,<len> OK (accepted by the module, not delivered)
    +NSONMI:<socket>,<len>                     URC, no space after the colon: data waits in the module
    AT+NSORF=<socket>,<max_len>  -> <socket>,<ip>,<port>,<len>,<hex>,<remaining> OK  (just OK: nothing)
    AT+NSOCL=<socket>                          -> OK

Payloads travel as hex, so any byte is safe on the line. The remote is an IP address (these commands do no
DNS) and is written unquoted, so it is checked as an IPv4 address before it reaches a command line. Listen
ports count up from 56000, the manual's example; 5683 is the module's own CoAP port.
"""

from __future__ import annotations

import ipaddress

from harness.at import ATSession, Urc
from harness.dialects.modem import Datagram
from harness.dialects.quectel_nbiot_inbox import Inbox, Read
from harness.errors import ModemError

MAX_PAYLOAD_BYTES = 512  # the <length> limit of AT+NSOST and AT+NSORF [S12 §5.5, §5.7]
LISTEN_PORT_BASE = 56000
COAP_PORT = 5683
_UDP = 17


class NsoUdpSocket:
    """One AT+NSOCR UDP socket; data is announced by +NSONMI and fetched with AT+NSORF."""

    def __init__(self, session: ATSession, host: str, port: int, *, listen_port: int) -> None:
        if listen_port == COAP_PORT:
            raise ValueError(f"listen port {COAP_PORT} is the module's CoAP port")
        self._session = session
        self._host = _ipv4(host)
        self._port = int(port)
        response = session.send(f"AT+NSOCR=DGRAM,{_UDP},{int(listen_port)},1")
        self._id = _socket_id(response.lines)
        self._inbox = Inbox(f"socket {self._id}", self._read_once)
        self._unsubscribe = session.subscribe("+NSONMI", self._on_nsonmi)

    def send(self, payload: bytes) -> float:
        self._inbox.check_open()
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise ModemError(f"AT+NSOST carries at most {MAX_PAYLOAD_BYTES} bytes, not {len(payload)}")
        cmd = f"AT+NSOST={self._id},{self._host},{self._port},{len(payload)},{payload.hex().upper()}"
        response = self._session.send(cmd)
        expected = f"{self._id},{len(payload)}"
        if [line.replace(" ", "") for line in response.lines] != [expected]:
            raise ModemError(
                f"AT+NSOST on socket {self._id} answered {list(response.lines)}, not {expected!r}"
            )
        return response.started_s

    def receive(self, timeout_s: float) -> Datagram | None:
        return self._inbox.receive(timeout_s)

    def close(self) -> None:
        self._unsubscribe()
        self._session.send(f"AT+NSOCL={self._id}")

    def _on_nsonmi(self, urc: Urc) -> None:
        """Runs in the session's reader thread: only queue, never send from here."""
        fields = [field.strip() for field in urc.line.partition(":")[2].split(",")]
        if fields[:1] == [str(self._id)]:
            self._inbox.announce(urc.t_s)

    def _read_once(self) -> Read:
        response = self._session.send(f"AT+NSORF={self._id},{MAX_PAYLOAD_BYTES}")
        if not response.lines:
            return Read(data=b"", ended_s=response.ended_s, has_more=False)
        data, remaining_bytes = _read_nsorf(response.lines[0], self._id)
        return Read(data=data, ended_s=response.ended_s, has_more=remaining_bytes > 0)


def _read_nsorf(line: str, socket_id: int) -> tuple[bytes, int]:
    """`<socket>,<ip>,<port>,<len>,<hex>,<remaining>` -> (data, remaining bytes); ModemError for anything
    that does not add up, never a guessed payload."""
    fields = [field.strip().strip('"') for field in line.removeprefix("+NSORF:").split(",")]
    if len(fields) != 6 or fields[0] != str(socket_id):
        raise ModemError(f"AT+NSORF on socket {socket_id} answered {line!r}")
    length, hex_data, remaining = fields[3], fields[4], fields[5]
    try:
        data = bytes.fromhex(hex_data)
    except ValueError:
        raise ModemError(f"AT+NSORF answered a payload that is not hex: {line!r}") from None
    if not (length.isdigit() and remaining.isdigit()) or int(length) != len(data):
        raise ModemError(f"AT+NSORF answered a length that does not match its payload: {line!r}")
    return data, int(remaining)


def _socket_id(lines: tuple[str, ...]) -> int:
    text = lines[0].strip() if len(lines) == 1 else ""
    if not (text.isascii() and text.isdigit()):
        raise ModemError(f"AT+NSOCR answered {list(lines)}, not a socket number")
    return int(text)


def _ipv4(host: str) -> str:
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        raise ValueError(
            f"BC95/BC28 sockets take an IPv4 address, and {host!r} is not one (these commands do no DNS)"
        ) from None
