"""sim_card layer: SIM access commands, built and answered: AT+CRSM, restricted SIM access (3GPP TS 27.007
§8.18), and AT+CSIM, generic SIM access (§8.17), over a module's AT session.

`+CRSM=<command>[,<fileid>[,<P1>,<P2>,<P3>[,<data>[,<pathid>]]]]`: the command as a decimal INS code (READ
BINARY 176, READ RECORD 178, GET RESPONSE 192, UPDATE BINARY 214, UPDATE RECORD 220, STATUS 242), the file
id in decimal, P1/P2 (offset high/low byte for the binary commands, record number and mode for the record
ones), P3 the length, data as hex and the path from the MF as hex (ETSI TS 102 221 §8.4.2).
`+CSIM=<length>,<command>`: a whole APDU in hex, `<length>` its number of hex characters.
Every answer's status word is checked (harness.sim_card.status_words): anything but a normal ending raises
a SimError naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, TypeVar

from harness.at import ATResponse, quote_arg
from harness.at.responses import Crsm, Csim, parse_as
from harness.errors import ParseError
from harness.sim_card.status_words import StatusWord, check_status

T = TypeVar("T")

MAX_TRANSFER_BYTES = 255  # P3 of one READ/UPDATE BINARY (P3 = 0 would mean 256 on READ, 0 on UPDATE)
GET_RESPONSE_BYTES = 15  # P3 many modules expect with GET RESPONSE (TS 51.011 §9.2.1's minimum answer)
_FCP_TAG = 0x62
_FILE_SIZE_TAG = 0x80


class CrsmCommand(IntEnum):
    READ_BINARY = 176
    READ_RECORD = 178
    GET_RESPONSE = 192
    UPDATE_BINARY = 214
    UPDATE_RECORD = 220
    STATUS = 242


class CommandSession(Protocol):
    """What SIM access needs of an ATSession."""

    def send(self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False) -> ATResponse: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CrsmRequest:
    command: CrsmCommand
    fid: int | None = None
    p1: int = 0
    p2: int = 0
    p3: int = 0
    data: bytes = b""
    path: str | None = None  # hex DF ids from the MF down; None or "" leaves <pathid> out


def crsm_command(request: CrsmRequest) -> str:
    """`AT+CRSM=176,28539,0,0,12,,"7FFF"` for a request; ValueError for a value out of range."""
    for name, value, high in (("P1", request.p1, 255), ("P2", request.p2, 255), ("P3", request.p3, 255)):
        if not 0 <= value <= high:
            raise ValueError(f"+CRSM {name} {value} is outside 0..{high}")
    args = [str(int(request.command))]
    if request.fid is not None:
        if not 0 <= request.fid <= 0xFFFF:
            raise ValueError(f"file id {request.fid:#x} is not two bytes")
        args += [str(request.fid), str(request.p1), str(request.p2), str(request.p3)]
        if request.data or request.path:
            args.append(quote_arg(request.data.hex().upper()) if request.data else "")
        if request.path:
            args.append(quote_arg(request.path.upper()))
    return "AT+CRSM=" + ",".join(args)


def csim_command(apdu: bytes) -> str:
    """`AT+CSIM=10,"00B000000A"`: an APDU and its length in hex characters."""
    if len(apdu) < 4:
        raise ValueError(f"an APDU has at least CLA, INS, P1 and P2, not {len(apdu)} bytes")
    return f"AT+CSIM={2 * len(apdu)},{quote_arg(apdu.hex().upper())}"


def send_crsm(session: CommandSession, request: CrsmRequest, *, file: str) -> tuple[bytes, StatusWord]:
    """Send a +CRSM request; its data and status word, or the SimError its status word means."""
    answer = _answer(session.send(crsm_command(request)), Crsm)
    word = check_status(answer.sw1, answer.sw2, file=file, action=request.command.name.replace("_", " "))
    return answer.response, word


def send_apdu(session: CommandSession, apdu: bytes, *, file: str) -> tuple[bytes, StatusWord]:
    """Send an APDU with +CSIM; the card's data and status word, or the SimError its status word means."""
    answer = _answer(session.send(csim_command(apdu)), Csim)
    word = check_status(answer.sw1, answer.sw2, file=file, action=f"APDU {apdu[:4].hex().upper()}")
    return answer.response, word


def file_size_of(response: bytes) -> int:
    """The size of a transparent EF from GET RESPONSE: the FCP's tag 80 (TS 102 221 §11.1.1.3), or, from a
    GSM SIM, bytes 3-4 of its answer (TS 51.011 §9.2.1). ValueError when neither is there."""
    if response[:1] == bytes([_FCP_TAG]):
        at, end = 2, min(len(response), 2 + response[1])
        while at + 2 <= end:
            tag, length = response[at], response[at + 1]
            if tag == _FILE_SIZE_TAG and length >= 2:
                return int.from_bytes(response[at + 2 : at + 2 + length], "big")
            at += 2 + length
        raise ValueError(f"FCP {response.hex().upper()} has no file size (tag 80)")
    if len(response) >= 4:
        return int.from_bytes(response[2:4], "big")
    raise ValueError(f"GET RESPONSE {response.hex().upper()} is too short to hold a file size")


def _answer(response: ATResponse, kind: type[T]) -> T:
    lines = [line for line in response.lines if line.strip()]
    if len(lines) != 1:
        raise ParseError(" | ".join(lines), f"{response.command} answered {len(lines)} lines, expected one")
    return parse_as(lines[0], kind)
