"""dialects layer: China Mobile OneMO LTE Cat-1 modules: ML307R and the ML30x family the OneMO TCP/IP AT
manual covers (ML302A/S, ML305A/U/M, ML307A/S/R/G/M/H/C/N/X; manual V5.1.5 Table 1, cellular-iot.md §3.4
[S11], search index id 58929532626).

Over the 27.007 baseline:
- ICCID from AT+MCCID -> `+MCCID: <ICCID>` (OneMO extended AT manual "4G系列" V1.7.4 §4.6, index id
  58854057303);
- UDP and TCP sockets through AT+MIPOPEN/MIPSEND/MIPRD/MIPCLOSE and +MIPURC
  (harness.dialects.cmcc_cat1_socket);
- the ECM/RNDIS dial-up behind the host data interface, AT+MDIALUP (harness.dialects.cmcc_cat1_dialup);
  the host's name for the interface is not readable over AT, so data_interface() gives None;
- the module's own ping, AT+MPING (TCP/IP manual §3.18):
      AT+MPING=<host>[,<timeout 1-60 s>[,<ping_num 1-65535>]]  -> OK, then per request
      +MPING: <result>[,<ip>,<packet_len>,<time_ms>,<ttl>]      result 0 answered, 1/2 DNS failed or timed
      +MPING: "statistics",<sent>,<lost>,<min>,<max>,<avg>      out, 3 response error, 4 response timeout,
                                                                5 other; statistics only when ping_num > 1
  The manual's example ends a ping after `+MPING: 3` with no statistics, so a ping ends on its statistics,
  on its last request's result when ping_num is 1, or at its deadline; requests without a result by then
  count as lost;
- the radio snapshot from AT+MUESTATS="radio" and ="sband" (extended manual §4.5): RSRP, RSRQ and SINR in
  tenths, cell id, EARFCN, PCI, band; the 27.007 +CESQ reading (whole dB, lower range edge) when the
  firmware has no AT+MUESTATS.

Detection: +CGMI answers "CMCC" on OneMO parts (ATI example, extended manual §4.2), +CGMM the model.
The NB-IoT MN31x parts and the MR880A share the command names but not the ranges (connect ids 0-3/0-4/0-9,
no data mode), so they are not claimed here.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from harness.at import ATCommandError, ATResponse, ATSession, quote_arg
from harness.dialects import cmcc_cat1_dialup
from harness.dialects.cmcc_cat1_lines import explain
from harness.dialects.cmcc_cat1_reports import (
    PingReply,
    PingStatistics,
    UeBand,
    UeRadio,
    read_mping,
    read_muestats,
)
from harness.dialects.cmcc_cat1_socket import CmccSocket, SocketTable
from harness.dialects.cmcc_cat1_socket_table import SEND_TIMEOUT_S, AccessMode, SendForm, SocketOptions
from harness.dialects.modem import DATA_INTERFACE, PING, TCP_SOCKET, UDP_SOCKET, PingResult, RadioSnapshot
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ATTimeout, ModemError

__all__ = ["MODEM", "AccessMode", "CmccCat1Modem", "SendForm", "SocketOptions", "matches"]

PING_TIMEOUT_RANGE_S = (1, 60)  # <timeout> of AT+MPING (§3.18)
PING_COUNT_RANGE = (1, 65535)  # <ping_num> of AT+MPING (§3.18)
PING_MARGIN_S = 5.0  # on top of count x timeout, for the last URC to reach the host
STATISTICS_GRACE_S = 3.0  # how long the statistics may trail the last request's result
_DNS_FAILED = (1, 2)  # the ping cannot start: no address (§3.18)
_CME_NOT_SUPPORTED = 4  # 27.007 §9.2 "operation not supported"
# Per-command default timeouts over the baseline's (ts27007.COMMAND_TIMEOUTS_S). The result URCs of
# AT+MIPOPEN, AT+MIPCLOSE and AT+MPING have their own deadlines, set where they are awaited.
COMMAND_TIMEOUTS_S: Mapping[str, float] = MappingProxyType(
    {**Ts27007Modem.command_timeouts_s, "+MIPSEND=": SEND_TIMEOUT_S}
)
_MANUFACTURERS = ("CMCC", "CHINA MOBILE", "CMIOT", "ONEMO")
_MODEL = re.compile(r"(?<![A-Z0-9])ML30[257][A-Z]?(?![A-Z0-9])")


def matches(manufacturer: str, model: str) -> bool:
    """True for OneMO ML30x Cat-1 modules (+CGMI, +CGMM answers)."""
    maker = manufacturer.upper()
    return any(name in maker for name in _MANUFACTURERS) and _MODEL.search(model.upper()) is not None


class CmccCat1Modem(Ts27007Modem):
    name = "cmcc_cat1"
    ready_urc: ClassVar[str | None] = "+MATREADY"  # printed once booted (extended AT manual V1.7.4 §3.1)
    command_timeouts_s: ClassVar[Mapping[str, float]] = COMMAND_TIMEOUTS_S

    def __init__(self, session: ATSession, *, options: SocketOptions | None = None) -> None:
        super().__init__(session)
        self.options = options or SocketOptions()
        self._sockets = SocketTable(self, self.options)
        self._ping_lock = threading.Lock()
        self._has_muestats = True

    @property
    def capabilities(self) -> frozenset[str]:
        return super().capabilities | {UDP_SOCKET, TCP_SOCKET, PING, DATA_INTERFACE}

    def iccid(self) -> str | None:
        try:
            value = self.send_command("AT+MCCID").value_of("+MCCID")
        except ATCommandError:  # no SIM, or a SIM not ready yet: no ICCID, as for the IMSI
            return None
        return None if value is None else value.strip('" ') or None

    def open_udp(self, host: str, port: int) -> CmccSocket:
        return self._sockets.open_udp(host, port)

    def open_tcp(self, host: str, port: int, *, timeout_s: float = 60.0) -> CmccSocket:
        return self._sockets.open_tcp(host, port, timeout_s=timeout_s)

    def connect_data(self, cid: int = cmcc_cat1_dialup.DEFAULT_CID, *, timeout_s: float = 30.0) -> str:
        """Dial the data call of context `cid` (AT+MDIALUP); the address the module reports for it."""
        return cmcc_cat1_dialup.dial(self.session, cid, timeout_s=timeout_s)

    def disconnect_data(self, cid: int = cmcc_cat1_dialup.DEFAULT_CID) -> None:
        cmcc_cat1_dialup.hang_up(self.session, cid)

    def data_interface(self) -> str | None:
        return None  # not readable over AT: the rig names it

    def ping(self, host: str, *, count: int = 4, timeout_s: float = 4.0) -> PingResult:
        command, request_timeout_s = _ping_command(host, count, timeout_s)
        with self._ping_lock:
            try:
                response = self.send_command(command)
            except ATCommandError as error:
                raise ModemError(f"{command} failed: {explain(error.final, error.code)}") from error
            deadline_s = time.monotonic() + count * request_timeout_s + PING_MARGIN_S
            return self._collect_ping(host, count, response, deadline_s)

    def radio_snapshot(self) -> RadioSnapshot:
        radio = self._ue_radio() if self._has_muestats else None
        if radio is None:
            return super().radio_snapshot()
        return RadioSnapshot(
            rsrp_dbm=radio.rsrp_dbm,
            rsrq_db=radio.rsrq_db,
            sinr_db=radio.sinr_db,
            ce_level=radio.ecl,
            cell_id=radio.cell_id,
            pci=radio.pci,
            earfcn=radio.earfcn,
            band=self._band(),
        )

    def _collect_ping(self, host: str, count: int, response: ATResponse, deadline_s: float) -> PingResult:
        waiting = list(response.matching("+MPING"))  # results a module put before its OK
        rtts_ms: list[float] = []
        results = 0
        while True:
            line = waiting.pop(0) if waiting else self._next_ping_line(response.started_s, deadline_s)
            if line is None:  # deadline: what did not come is lost
                return PingResult(host=host, sent=count, rtts_ms=tuple(rtts_ms))
            item = read_mping(line)
            if isinstance(item, PingStatistics):
                return PingResult(host=host, sent=item.sent, rtts_ms=tuple(rtts_ms))
            _check_started(host, item)
            results += 1
            if item.is_answered and item.rtt_ms is not None:
                rtts_ms.append(float(item.rtt_ms))
            if results >= count:
                if count == 1:
                    return PingResult(host=host, sent=1, rtts_ms=tuple(rtts_ms))
                deadline_s = min(deadline_s, time.monotonic() + STATISTICS_GRACE_S)

    def _next_ping_line(self, since_s: float, deadline_s: float) -> str | None:
        left_s = deadline_s - time.monotonic()
        if left_s <= 0:
            return None
        with contextlib.suppress(ATTimeout):
            return self.session.wait_for_urc("+MPING", timeout_s=left_s, since_s=since_s).line
        return None

    def _ue_radio(self) -> UeRadio | None:
        """The "radio" statistics; None (and +CESQ from then on) when the firmware has no AT+MUESTATS."""
        try:
            response = self.send_command('AT+MUESTATS="radio"')
        except ATCommandError as error:
            if error.code in (None, _CME_NOT_SUPPORTED):  # plain ERROR: an unknown command
                self._has_muestats = False
            return None
        for line in response.matching("+MUESTATS"):
            radio = read_muestats(line)
            if isinstance(radio, UeRadio):
                return radio
        raise ModemError(f'AT+MUESTATS="radio" gave no "radio" line: {response.lines}')

    def _band(self) -> int | None:
        try:
            response = self.send_command('AT+MUESTATS="sband"')
        except ATCommandError:  # not camped on a cell
            return None
        for line in response.matching("+MUESTATS"):
            band = read_muestats(line)
            if isinstance(band, UeBand):
                return band.band
        return None


def _ping_command(host: str, count: int, timeout_s: float) -> tuple[str, int]:
    """AT+MPING for these values (ValueError for ones the module cannot take) and its per-request timeout
    in whole seconds, rounded up: never shorter than asked."""
    request_timeout_s = math.ceil(timeout_s) if timeout_s > 0 else 0
    low_s, high_s = PING_TIMEOUT_RANGE_S
    if not low_s <= request_timeout_s <= high_s:
        raise ValueError(f"ping timeout {timeout_s:g} s is outside the module's {low_s}..{high_s} s")
    if not PING_COUNT_RANGE[0] <= count <= PING_COUNT_RANGE[1]:
        raise ValueError(f"ping count {count} is outside {PING_COUNT_RANGE[0]}..{PING_COUNT_RANGE[1]}")
    return f"AT+MPING={quote_arg(host)},{request_timeout_s},{count}", request_timeout_s


def _check_started(host: str, reply: PingReply) -> None:
    """A DNS failure means no request could be sent: a ping that did not run, not a loss."""
    if reply.result in _DNS_FAILED:
        raise ModemError(f"ping of {host!r} could not start: +MPING: {reply.result} ({reply.meaning})")


MODEM = CmccCat1Modem
