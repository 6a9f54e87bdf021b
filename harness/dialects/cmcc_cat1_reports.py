"""dialects layer: typed readers of what a China Mobile OneMO ML307R (LTE Cat-1) reports about its ping
(+MPING, OneMO TCP/IP AT manual V5.1.5 §3.18, cellular-iot.md §3.4 [S11], search index id 58929532626) and
its radio (+MUESTATS, OneMO "扩展AT用户手册 4G系列" V1.7.4 §4.5, index id 58854057303); used by
harness.dialects.cmcc_cat1. Readers as in harness.dialects.cmcc_cat1_lines: a frozen dataclass, None for a
line of a kind not read here, ParseError for a line that cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from harness.at.fields import Field, require_int
from harness.dialects.cmcc_cat1_lines import (
    HEX_DIGITS,
    line_reader,
    read_length,
    read_signed,
    require_count,
)

INVALID_MEASUREMENT = -32768  # +MUESTATS "no value" for RSRP, RSSI, RSRQ, SINR, TX power (§4.5)

# <result> of a +MPING reply (§3.18): 0 is an answered echo request.
PING_RESULTS: Final = MappingProxyType(
    {
        0: "answered",
        1: "DNS resolution failed",
        2: "DNS resolution timed out",
        3: "response error",
        4: "response timed out",
        5: "other error",
    }
)


# --- +MPING -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PingReply:
    """`+MPING: <result>[,<ip>,<packet_len>,<time>,<ttl>]` (§3.18): one echo request's outcome."""

    result: int
    ip: str | None
    packet_len: int | None
    rtt_ms: int | None
    ttl: int | None

    @property
    def is_answered(self) -> bool:
        return self.result == 0

    @property
    def meaning(self) -> str:
        return PING_RESULTS.get(self.result, f"result {self.result}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PingStatistics:
    """`+MPING: "statistics",<sent>,<lost>,<rtt_min>,<rtt_max>,<rtt_avg>` (§3.18, when ping_num > 1)."""

    sent: int
    lost: int
    rtt_min_ms: int
    rtt_max_ms: int
    rtt_avg_ms: int


@line_reader
def read_mping(line: str, fields: tuple[Field, ...]) -> PingReply | PingStatistics:
    """A +MPING reply or the closing statistics."""
    if fields and fields[0].text.strip(" \t").lower() == "statistics":
        require_count(fields, 6, '"statistics"')
        sent, lost, low, high, avg = (
            read_length(f, name) for f, name in zip(fields[1:], _STATISTICS, strict=True)
        )
        if lost > sent:
            raise ValueError(f"{lost} lost of {sent} sent")
        return PingStatistics(sent=sent, lost=lost, rtt_min_ms=low, rtt_max_ms=high, rtt_avg_ms=avg)
    if len(fields) not in (1, 5):
        raise ValueError(f"a +MPING reply has 1 or 5 fields, this line {len(fields)}")
    result = require_int(fields[0], "result", low=0, high=255)
    if len(fields) == 1:
        if result == 0:
            raise ValueError("an answered request without its address and time")
        return PingReply(result=result, ip=None, packet_len=None, rtt_ms=None, ttl=None)
    ip = fields[1].text.strip(" \t")
    if not ip:
        raise ValueError("no address")
    return PingReply(
        result=result,
        ip=ip,
        packet_len=read_length(fields[2], "packet_len"),
        rtt_ms=read_length(fields[3], "time"),
        ttl=require_int(fields[4], "ttl", low=0, high=255),
    )


_STATISTICS = ("sent", "lost", "rtt_min", "rtt_max", "rtt_avg")


# --- +MUESTATS ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UeRadio:
    """`+MUESTATS: "radio",<rat>,<rsrp>,<rssi>,<tx_power>,<tx_time>,<rx_time>,<last_cellid>,<last_ecl>,
    <last_sinr>,<last_earfcn>,<last_pci>,<rsrq>` (extended manual §4.5, LTE form). Raw tenths as sent,
    converted values in dB/dBm; the manual's invalid codes (-32768, cell id FFFFFFFF, ECL 255, EARFCN -1,
    PCI 65535) and fields an ML307R leaves empty become None."""

    rat: int
    rsrp: int | None
    rssi: int | None
    sinr: int | None
    rsrq: int | None
    cell_id: str | None
    ecl: int | None
    earfcn: int | None
    pci: int | None

    @property
    def rsrp_dbm(self) -> float | None:
        return _tenths(self.rsrp)

    @property
    def rssi_dbm(self) -> float | None:
        return _tenths(self.rssi)

    @property
    def sinr_db(self) -> float | None:
        return _tenths(self.sinr)

    @property
    def rsrq_db(self) -> float | None:
        return _tenths(self.rsrq)


@dataclass(frozen=True, slots=True, kw_only=True)
class UeBand:
    """`+MUESTATS: "sband",<sband>`: the band of the serving cell."""

    band: int


_RADIO_FIELDS = 13  # "radio" and its 12 parameters
_RAT_LTE_FAMILY = range(4, 7)  # 4 LTE, 5 eMTC, 6 NB-IoT share the layout; GSM (1) has another


@line_reader
def read_muestats(line: str, fields: tuple[Field, ...]) -> UeRadio | UeBand | None:
    """A +MUESTATS "radio" (LTE family) or "sband" line; None for the other types ("cell", "bler"...)."""
    kind = fields[0].text.strip(" \t").lower() if fields else ""
    if kind == "sband":
        require_count(fields, 2, '"sband"')
        return UeBand(band=require_int(fields[1], "sband", low=1, high=255))
    if kind != "radio":
        return None
    rat = require_int(fields[1], "rat", low=0, high=255) if len(fields) > 1 else None
    if rat is None or rat not in _RAT_LTE_FAMILY:
        raise ValueError(f"rat {rat} is not LTE, eMTC or NB-IoT: the layout of this line is another")
    require_count(fields, _RADIO_FIELDS, '"radio"')
    values = {name: _optional(fields[index], name) for index, name in _RADIO_VALUES.items()}
    return UeRadio(rat=rat, cell_id=_cell_id(fields[7]), **values)


# Position in the line, invalid code and the widest valid range over the models of §4.5 (notes 9-23).
_RADIO_VALUES = {2: "rsrp", 3: "rssi", 8: "ecl", 9: "sinr", 10: "earfcn", 11: "pci", 12: "rsrq"}
_VALID = {
    "rsrp": (INVALID_MEASUREMENT, -1650, -400),
    "rssi": (INVALID_MEASUREMENT, -1330, -250),
    "rsrq": (INVALID_MEASUREMENT, -400, 0),
    "sinr": (INVALID_MEASUREMENT, -600, 400),
    "ecl": (255, 0, 2),
    "earfcn": (-1, 0, 262143),  # the widest range AT+MLOCKFREQ takes (§4.3)
    "pci": (65535, 0, 503),
}


def _optional(field: Field, name: str) -> int | None:
    """A signed field; None when empty (a parameter the model does not support) or the invalid code,
    ValueError outside the valid range."""
    if field.is_empty:
        return None
    value = read_signed(field, name)
    invalid, low, high = _VALID[name]
    if value == invalid:
        return None
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is outside {low}..{high} (invalid: {invalid})")
    return value


def _cell_id(field: Field) -> str | None:
    """28-bit E-UTRAN cell identity in hex; FFFFFFFF is the manual's invalid value."""
    text = field.text.strip(" \t").upper()
    if not text or text == "FFFFFFFF":
        return None
    if len(text) > 8 or set(text) - HEX_DIGITS or int(text, 16) >= 1 << 28:
        raise ValueError(f"last_cellid {text!r} is not a 28-bit cell identity in hex")
    return text


def _tenths(value: int | None) -> float | None:
    return None if value is None else value / 10
