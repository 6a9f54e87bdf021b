"""dialects layer: the module's own ping on Quectel NB-IoT firmware (cellular-iot.md §3.1, §3.2).

BC660K-GL / BC950K-GL (AT+QPING is in the TCP/IP set of [S5] §14.1; syntax and URCs from the BG95/BG96
TCP/IP application notes [S13]):

    AT+QPING=<contextID>,"<host>"[,<timeout 1-255 s>[,<pingnum 1-10>]]  -> OK, then per echo request
    +QPING: 0,"<ip>",<bytes>,<time_ms>,<ttl>      (or +QPING: 569 when that echo timed out)
    +QPING: 0,<sent>,<rcvd>,<lost>,<min>,<max>,<avg>   (or +QPING: <err> when the ping could not run)

BC95 / BC28 firmware ([S12] p.49 AT+NPING): one echo request per command, IPv4 only,

    AT+NPING=<ip>[,<p_size>[,<timeout_ms>]]  -> OK, then +NPING:<ip>,<ttl>,<rtt_ms>
                                                  or +NPINGERR:<1 no reply | 2 send failed>

Some firmware puts a retry number before the address in +NPING, so the round-trip time is read from the last
field.
"""

from __future__ import annotations

import ipaddress
import queue
import time

from harness.at import ATSession, Urc, quote_arg
from harness.dialects.modem import PingResult
from harness.errors import ModemError

QPING_TIMEOUTS_S = range(1, 256)
QPING_COUNTS = range(1, 11)
QPING_ECHO_TIMED_OUT = 569  # "operation timeout" in the Quectel TCP/IP error table [S13]
NPING_BYTES = 12  # the smallest echo payload the BC95 manual allows
NPING_TIMEOUTS_MS = range(10, 60_001)
URC_MARGIN_S = 5.0  # beyond the module's own timeouts: the URCs still have to reach the host


def ping_with_qping(
    session: ATSession, host: str, *, context_id: int, count: int, timeout_s: float
) -> PingResult:
    """AT+QPING and its URCs, until the summary line (or `count` echo lines and a final error)."""
    timeout_whole_s = int(timeout_s)
    if count not in QPING_COUNTS or timeout_whole_s not in QPING_TIMEOUTS_S:
        raise ModemError(
            f"AT+QPING takes 1-10 echo requests and a 1-255 s timeout, not {count} and {timeout_s}"
        )
    response = session.send(f"AT+QPING={context_id},{quote_arg(host)},{timeout_whole_s},{count}")
    deadline = time.monotonic() + count * timeout_whole_s + URC_MARGIN_S
    rtts_ms: list[float] = []
    echoes = 0
    while True:
        left_s = deadline - time.monotonic()
        if left_s <= 0:
            raise ModemError(
                f"AT+QPING to {host}: no summary within {count * timeout_whole_s + URC_MARGIN_S:g} s"
            )
        fields = _fields(session.wait_for_urc("+QPING", timeout_s=left_s, since_s=response.started_s))
        if len(fields) >= 7:  # the summary
            return PingResult(host=host, sent=_number(fields[1], fields), rtts_ms=tuple(rtts_ms))
        if len(fields) == 5 and fields[0] == "0":
            rtts_ms.append(float(_number(fields[3], fields)))
            echoes += 1
        elif fields == [str(QPING_ECHO_TIMED_OUT)] and echoes < count:
            echoes += 1
        else:
            raise ModemError(f"AT+QPING to {host} failed: +QPING: {','.join(fields)}")


def ping_with_nping(session: ATSession, host: str, *, count: int, timeout_s: float) -> PingResult:
    """`count` AT+NPING commands, each waiting for its +NPING or +NPINGERR."""
    try:
        address = str(ipaddress.IPv4Address(host))
    except ValueError:
        raise ModemError(f"AT+NPING takes an IPv4 address, not {host!r}") from None
    timeout_ms = int(timeout_s * 1000)
    if timeout_ms not in NPING_TIMEOUTS_MS:
        raise ModemError(f"AT+NPING takes a timeout of 10 ms to 60 s, not {timeout_s} s")
    results: queue.Queue[Urc] = queue.Queue()
    unsubscribe = [session.subscribe(prefix, results.put) for prefix in ("+NPING", "+NPINGERR")]
    try:
        rtts_ms = [
            rtt_ms
            for _ in range(count)
            if (rtt_ms := _one_nping(session, results, address, timeout_ms)) is not None
        ]
    finally:
        for stop in unsubscribe:
            stop()
    return PingResult(host=host, sent=count, rtts_ms=tuple(rtts_ms))


def _one_nping(session: ATSession, results: queue.Queue[Urc], address: str, timeout_ms: int) -> float | None:
    session.send(f"AT+NPING={address},{NPING_BYTES},{timeout_ms}")
    try:
        urc = results.get(timeout=timeout_ms / 1000 + URC_MARGIN_S)
    except queue.Empty:
        raise ModemError(f"AT+NPING={address}: neither +NPING nor +NPINGERR within {timeout_ms} ms") from None
    if urc.line.startswith("+NPINGERR"):
        return None
    fields = _fields(urc)
    return float(_number(fields[-1], fields))


def _fields(urc: Urc) -> list[str]:
    return [field.strip() for field in urc.line.partition(":")[2].split(",")]


def _number(text: str, fields: list[str]) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ModemError(f"a ping result that is not a number: {','.join(fields)}")
    return int(text)
