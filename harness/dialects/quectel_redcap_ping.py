"""dialects layer: Quectel's AT+QPING, its result lines read and tallied into a PingResult.

Syntax (Quectel BG96 / BG95 TCP/IP Application Notes, AT+QPING [S13]; the same command set on RM5xx and
BC660K, cellular-iot.md §3.1, §3.3):

    AT+QPING=<contextID>,"<host>"[,<timeout 1-255 s, default 4>[,<pingnum 1-10, default 4>]]
    OK                                                          then, as URCs:
    +QPING: <result>[,"<IP_address>",<bytes>,<time_ms>,<ttl>]   one per request; result 0 with the rest
    +QPING: <finresult>[,<sent>,<rcvd>,<lost>,<min>,<max>,<avg>] the summary; finresult 0 with the rest

A request that got no answer is `+QPING: 569` (569 = operation timeout in the TCP/IP error table, chapter 4
of those notes; a public driver, index id 70081201270, saw four before the summary of a ping to a silent
host), and some firmware ends such a ping with a summary of only `<finresult>,<sent>,<rcvd>,<lost>`. Any
other bare code is the failure of the whole ping (DNS, PDP context). So: a bare 569 while fewer than
<pingnum> requests are accounted for is one lost request; any other bare code, or one after every request
is accounted for, ends the ping, as a failure unless every request was accounted for. The summary must
agree with the replies seen (rcvd = reply lines), or the tally refuses to give a result rather than give a
wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at.fields import Field, read_text, require_int, split_line
from harness.dialects.modem import PingResult
from harness.errors import ModemError, ParseError

PREFIX = "+QPING"
REQUEST_TIMEOUT_CODE = 569
# Quectel TCP/IP error codes (chapter 4 of the TCP/IP application notes [S13])
ERROR_TEXTS: dict[int, str] = {
    550: "unknown error",
    551: "operation blocked",
    552: "invalid parameters",
    553: "memory not enough",
    554: "create socket failed",
    555: "operation not supported",
    556: "socket bind failed",
    561: "open PDP context failed",
    562: "close PDP context failed",
    563: "socket identity has been used",
    564: "DNS busy",
    565: "DNS parse failed",
    566: "socket connect failed",
    567: "socket has been closed",
    568: "operation busy",
    569: "operation timeout",
    570: "PDP context broken down",
    572: "operation not allowed",
    573: "APN not configured",
}
_MAX_MS = 3_600_000


@dataclass(frozen=True, slots=True, kw_only=True)
class PingReply:
    ip: str
    size_bytes: int
    time_ms: int
    ttl: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PingSummary:
    sent: int
    rcvd: int
    lost: int
    min_ms: int | None
    max_ms: int | None
    avg_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PingCode:
    """A bare result code: one lost request (569) or the failure of the ping."""

    code: int

    def describe(self) -> str:
        return f"{self.code} ({ERROR_TEXTS.get(self.code, 'no description known')})"


def read_ping_line(line: str) -> PingReply | PingSummary | PingCode:
    try:
        return _read(split_line(line)[1])
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def _read(fields: tuple[Field, ...]) -> PingReply | PingSummary | PingCode:
    code = require_int(fields[0], "result", low=0, high=65_535) if fields else None
    if code is None:
        raise ValueError("no result code")
    if len(fields) == 1:
        if code == 0:
            raise ValueError("result 0 without the reply or summary that must follow it")
        return PingCode(code=code)
    if code != 0:
        raise ValueError(f"result {code} followed by values (only result 0 has them)")
    if len(fields) == 5:
        ip = read_text(fields[1])
        if ip is None:
            raise ValueError("a reply without the IP address")
        return PingReply(
            ip=ip,
            size_bytes=require_int(fields[2], "bytes", low=0, high=65_535),
            time_ms=require_int(fields[3], "time", low=0, high=_MAX_MS),
            ttl=require_int(fields[4], "ttl", low=0, high=255),
        )
    if len(fields) in (4, 7):
        return _summary(fields)
    raise ValueError(f"{len(fields)} fields make neither a reply (5) nor a summary (4 or 7)")


def _summary(fields: tuple[Field, ...]) -> PingSummary:
    sent = require_int(fields[1], "sent", low=0, high=255)
    rcvd = require_int(fields[2], "rcvd", low=0, high=255)
    lost = require_int(fields[3], "lost", low=0, high=255)
    if sent != rcvd + lost:
        raise ValueError(f"sent {sent} is not rcvd {rcvd} + lost {lost}")
    times: list[int | None] = [None, None, None]
    for at, (field, name) in enumerate(zip(fields[4:], ("min", "max", "avg"), strict=False)):
        times[at] = require_int(field, name, low=0, high=_MAX_MS)
    return PingSummary(sent=sent, rcvd=rcvd, lost=lost, min_ms=times[0], max_ms=times[1], avg_ms=times[2])


class PingTally:
    """The lines of one AT+QPING, in order, until the ping is over."""

    def __init__(self, host: str, count: int) -> None:
        self.host = host
        self.count = count
        self._rtts_ms: list[float] = []
        self._accounted = 0
        self._summary: PingSummary | None = None
        self._final: PingCode | None = None

    @property
    def is_done(self) -> bool:
        return self._summary is not None or self._final is not None

    def add(self, item: PingReply | PingSummary | PingCode) -> None:
        if self.is_done:
            return  # a line after the end belongs to nobody; the result is already decided
        if isinstance(item, PingReply):
            self._rtts_ms.append(float(item.time_ms))
            self._accounted += 1
        elif isinstance(item, PingSummary):
            self._summary = item
        elif item.code == REQUEST_TIMEOUT_CODE and self._accounted < self.count:
            self._accounted += 1
        else:
            self._final = item

    def result(self) -> PingResult:
        """The ping's result; ModemError when it failed or its lines disagree."""
        if self._summary is not None:
            if self._summary.rcvd != len(self._rtts_ms):
                raise ModemError(
                    f"AT+QPING to {self.host}: the summary counts {self._summary.rcvd} replies, "
                    f"{len(self._rtts_ms)} reply lines were read"
                )
            return PingResult(host=self.host, sent=self._summary.sent, rtts_ms=tuple(self._rtts_ms))
        if self._final is None:
            raise ModemError(f"AT+QPING to {self.host} is not over: no summary and no final code yet")
        if self._accounted < self.count:
            raise ModemError(
                f"AT+QPING to {self.host} failed with {self._final.describe()} after {self._accounted} of "
                f"{self.count} requests"
            )
        return PingResult(host=self.host, sent=self._accounted, rtts_ms=tuple(self._rtts_ms))
