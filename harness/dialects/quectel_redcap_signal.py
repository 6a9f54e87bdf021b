"""dialects layer: typed readers of Quectel's AT+QNWINFO and AT+QCSQ answers (RM5xx / RG255 5G modules).

RG50xQ&RM5xxQ Series Network Application Note v1.0.0 [N] (search index id 58019748591):
- §3.2.1 `+QNWINFO: <AcT>,<oper>,<band>,<channel>`, one line per RAT (two in EN-DC), or `+QNWINFO: No
  Service` before registration. <AcT> is "TDD NR5G", "FDD LTE", "WCDMA"...; <oper> the numeric PLMN (quoted,
  though some firmware leaves the quotes off); <band> "NR5G BAND 78", "LTE BAND 3", "WCDMA_I_2100".
  Example from an RM520N in SA: `+QNWINFO: "TDD NR5G","99970","NR5G BAND 78",641280` [S14].
- §3.3.2 `+QCSQ: <sysmode>[,<value1>[,<value2>[,<value3>[,<value4>]]]]`: "NOSERVICE" (no values), "WCDMA"
  (rssi, rscp, ecio), "LTE" (rssi, rsrp, sinr, rsrq), "NR5G" (rsrp, sinr, rsrq). NR5G values are in dBm / dB
  (a real RM520N capture `+QCSQ: "NR5G",-75,4,-11` agreed with QENG within 1 dB [S30]); the LTE SINR unit
  is per firmware (quectel_redcap_layouts): where it is not known, only its raw value is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.at.fields import Field, split_line
from harness.dialects.quectel_redcap_layouts import (
    FirmwareLayout,
    read_digits,
    read_number,
    read_rsrp,
    read_rsrq,
    read_sinr,
    scale_sinr,
)
from harness.errors import ParseError

NO_SERVICE = "NO SERVICE"
_BAND = re.compile(r"(?:NR5G|LTE) BAND (\d{1,4})")
_VALUE_COUNTS = {"NOSERVICE": 0, "WCDMA": 3, "LTE": 4, "NR5G": 3}


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkInfo:
    """One +QNWINFO line. `band` is read from "NR5G BAND n" / "LTE BAND n" (None for WCDMA names)."""

    act: str
    oper: str | None
    band_name: str | None
    channel: int | None
    band: int | None

    @property
    def is_nr(self) -> bool:
        return "NR5G" in self.act


def read_network_info(line: str) -> NetworkInfo | None:
    """A +QNWINFO line; None for `+QNWINFO: No Service`."""
    try:
        fields = split_line(line)[1]
        if len(fields) == 1 and fields[0].text.strip(" \t").upper() == NO_SERVICE:
            return None
        return _network_info(fields)
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def _network_info(fields: tuple[Field, ...]) -> NetworkInfo:
    if len(fields) != 4:
        raise ValueError(f"+QNWINFO has 4 fields, this line {len(fields)}")
    act = fields[0].text.strip(" \t")
    if not act:
        raise ValueError("<AcT> is empty")
    band_name = fields[2].text.strip(" \t") or None
    found = _BAND.fullmatch(band_name) if band_name is not None else None
    if band_name is not None and found is None and ("NR5G" in band_name or "LTE" in band_name):
        raise ValueError(f"band {band_name!r} is not 'NR5G BAND <n>' or 'LTE BAND <n>'")
    return NetworkInfo(
        act=act,
        oper=_plmn(fields[1]),
        band_name=band_name,
        channel=read_number(fields[3], "channel", low=0, high=3_279_165),
        band=None if found is None else int(found[1]),
    )


def _plmn(field: Field) -> str | None:
    oper = read_digits(field, "oper", max_digits=6)
    if oper is not None and len(oper) < 5:
        raise ValueError(f"oper {oper!r} is not a 5- or 6-digit PLMN")
    return oper


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalQuality:
    """One +QCSQ line: the values as sent, and in dBm / dB what is known for this sysmode (WCDMA values, whose
    units [N] does not give, are kept as sent only)."""

    sysmode: str
    values: tuple[int | None, ...]
    rssi_dbm: int | None = None
    rsrp_dbm: int | None = None
    sinr_db: float | None = None
    rsrq_db: int | None = None


def read_signal_quality(line: str, layout: FirmwareLayout) -> SignalQuality:
    try:
        return _signal_quality(split_line(line)[1], layout)
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def _signal_quality(fields: tuple[Field, ...], layout: FirmwareLayout) -> SignalQuality:
    if not fields:
        raise ValueError("+QCSQ has no <sysmode>")
    sysmode = fields[0].text.strip(" \t").upper()
    if sysmode not in _VALUE_COUNTS:
        raise ValueError(f"sysmode {sysmode!r} is not one of {', '.join(_VALUE_COUNTS)}")
    values = fields[1:]
    if len(values) != _VALUE_COUNTS[sysmode]:
        raise ValueError(f"{sysmode} has {_VALUE_COUNTS[sysmode]} values, this line {len(values)}")
    raw = tuple(read_number(value, f"value{at}", low=-400, high=400) for at, value in enumerate(values, 1))
    if sysmode == "NR5G":
        return SignalQuality(
            sysmode=sysmode,
            values=raw,
            rsrp_dbm=read_rsrp(values[0]),
            sinr_db=read_sinr(values[1]),
            rsrq_db=read_rsrq(values[2]),
        )
    if sysmode == "LTE":
        return SignalQuality(
            sysmode=sysmode,
            values=raw,
            rssi_dbm=read_number(values[0], "lte_rssi", low=-130, high=0),
            rsrp_dbm=read_rsrp(values[1]),
            sinr_db=scale_sinr(raw[2], layout.lte_qcsq_sinr),
            rsrq_db=read_rsrq(values[3]),
        )
    return SignalQuality(sysmode=sysmode, values=raw)
