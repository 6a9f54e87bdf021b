"""dialects layer: how Quectel 5G firmware lays out and scales its engineering readings, and the readers of
single values in those lines (used by quectel_redcap_cells).

Every +QENG="servingcell" layout seen agrees up to <SINR>; firmware differs after it and in units:

- RM5xx (RG50xQ&RM5xxQ Series Network Application Note v1.0.0, 2023-10-19, §3.2.2 and §3.3.2 [N]; search
  index id 58019748591; cellular-iot.md §3.3 [S14]): SA tail `<scs>,<srxlev>`; LTE tail
  `<CQI>,<tx_power>,<srxlev>`; <NR_DL_bandwidth> is a code (0 = 5 MHz ... 16 = 45 MHz); LTE <SINR> in QENG
  is X with "Y = (1/5) × X × 10 − 20" dB; <tx_power> in 1/10 dBm; "-" marks a value that is invalid now.
  The +QCSQ LTE SINR of the note's example (`+QCSQ: "LTE",-52,-81,195,-10`) lies outside any dB range: it
  is read in 1/5 dB above −20 dB (0-250 for −20..+30 dB), the convention of Quectel's LTE manuals
  (cellular-iot.md §3.3 "check units per firmware"; recalled from the EC2x manual, not re-read).
- RG255 (a public RG255 driver's fixtures written from the RG255 RTOS AT manual, index id 65903676210 [R]):
  SA lines carry three fields after <SINR> and LTE lines one, none of them named by that source, so they
  are kept as sent; <NR_DL_bandwidth> is in MHz (20 in an n28 and an n41 cell, where the RM5xx code table
  has no 20); LTE <SINR> is in dB.
- Some other firmware puts `<tx_power>,<srxlev>` where RM5xx has `<scs>,<srxlev>` (cellular-iot.md §3.3):
  same field count, so only the firmware can tell; no revision is known to do it, so it has no entry here.

A layout is keyed on the firmware revision (AT+CGMR); an unknown revision gets UNKNOWN_LAYOUT, which reads
only what every layout agrees on and keeps the rest as sent. A tail is named only when its length is the
layout's: a field is never read under a name the line does not support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from harness.at.fields import Field

INVALID = "-"  # [N] NOTE: "-" indicates the parameter is invalid under the current condition
INVALID_NUMBER = -32768  # [N] tx_power example; +QRSRP/+QRSRQ notes: -32768 = invalid
_NUMBER = re.compile(r"-?[0-9]+")
_HEX = re.compile(r"[0-9A-Fa-f]{1,12}")

# [N] §3.2.2 <NR_DL_bandwidth> codes, MHz
NR_BANDWIDTH_MHZ: dict[int, int] = {
    0: 5, 1: 10, 2: 15, 3: 20, 4: 25, 5: 30, 6: 40, 7: 50, 8: 60, 9: 70, 10: 80, 11: 90, 12: 100,
    13: 200, 14: 400, 15: 35, 16: 45,
}  # fmt: skip
NR_BANDWIDTHS_MHZ = frozenset(NR_BANDWIDTH_MHZ.values())
# [N] §3.2.2 <UL_bandwidth>/<DL_bandwidth> codes of LTE, MHz
LTE_BANDWIDTH_MHZ: dict[int, float] = {0: 1.4, 1: 3.0, 2: 5.0, 3: 10.0, 4: 15.0, 5: 20.0}
SCS_KHZ: dict[int, int] = {0: 15, 1: 30, 2: 60, 3: 120, 4: 240}  # [N] <scs>


class BandwidthCoding(StrEnum):
    CODE = "code"
    MHZ = "mhz"


@dataclass(frozen=True, slots=True, kw_only=True)
class SinrScale:
    """dB = raw × factor + offset_db."""

    factor: float
    offset_db: float

    def to_db(self, raw: int) -> float:
        return raw * self.factor + self.offset_db


IN_DB = SinrScale(factor=1.0, offset_db=0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareLayout:
    """What a firmware family puts after <SINR>, and the units it uses; None = not known, kept raw."""

    name: str
    nr_bandwidth: BandwidthCoding | None
    lte_qeng_sinr: SinrScale | None
    lte_qcsq_sinr: SinrScale | None
    sa_tail: tuple[str, ...]
    lte_tail: tuple[str, ...]


RM5XX_LAYOUT = FirmwareLayout(
    name="RM5xx (RG50xQ&RM5xxQ network note v1.0.0)",
    nr_bandwidth=BandwidthCoding.CODE,
    lte_qeng_sinr=SinrScale(factor=2.0, offset_db=-20.0),
    lte_qcsq_sinr=SinrScale(factor=0.2, offset_db=-20.0),
    sa_tail=("scs", "srxlev"),
    lte_tail=("cqi", "tx_power", "srxlev"),
)
RG255_LAYOUT = FirmwareLayout(
    name="RG255 (RTOS AT manual as quoted by a public driver)",
    nr_bandwidth=BandwidthCoding.MHZ,
    lte_qeng_sinr=IN_DB,
    lte_qcsq_sinr=None,
    sa_tail=(),
    lte_tail=(),
)
UNKNOWN_LAYOUT = FirmwareLayout(
    name="unknown firmware",
    nr_bandwidth=None,
    lte_qeng_sinr=None,
    lte_qcsq_sinr=None,
    sa_tail=(),
    lte_tail=(),
)

# Revision prefixes (AT+CGMR, e.g. RM520NGLAAR03A07M4G). RM255C is assumed to share RG255C's firmware.
_LAYOUTS: tuple[tuple[str, FirmwareLayout], ...] = (
    ("RG255", RG255_LAYOUT),
    ("RM255", RG255_LAYOUT),
    ("RM5", RM5XX_LAYOUT),
    ("RG5", RM5XX_LAYOUT),
)


def layout_for(revision: str) -> FirmwareLayout:
    """The layout of a firmware revision; UNKNOWN_LAYOUT when no family claims it."""
    key = revision.removeprefix("Revision:").strip().upper()
    return next((layout for prefix, layout in _LAYOUTS if key.startswith(prefix)), UNKNOWN_LAYOUT)


# --- single values -------------------------------------------------------------------------------------


def read_number(field: Field, name: str, *, low: int, high: int) -> int | None:
    """A signed integer in [low, high]; None for an empty field, "-" or Quectel's -32768."""
    text = field.text.strip(" \t")
    if text in ("", INVALID):
        return None
    if not (text.isascii() and _NUMBER.fullmatch(text)):
        raise ValueError(f"{name} {text!r} is not a whole number")
    value = int(text)
    if value == INVALID_NUMBER:
        return None
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is outside {low}..{high}")
    return value


def read_code(field: Field, name: str, table: dict[int, float] | dict[int, int]) -> int | None:
    """A code that must be a key of `table`; None when empty or "-"."""
    code = read_number(field, name, low=0, high=max(table))
    if code is not None and code not in table:
        raise ValueError(f"{name} code {code} is not one of {sorted(table)}")
    return code


def read_hex_id(field: Field, name: str, *, bits: int) -> str | None:
    """A hex identifier (cell ID, TAC) that fits `bits`, upper-cased as sent; None when empty or "-"."""
    text = field.text.strip(" \t")
    if text in ("", INVALID):
        return None
    if not (text.isascii() and _HEX.fullmatch(text)):
        raise ValueError(f"{name} {text!r} is not a hex number")
    if int(text, 16) >= 1 << bits:
        raise ValueError(f"{name} {text!r} does not fit in {bits} bits")
    return text.upper()


def read_digits(field: Field, name: str, *, max_digits: int) -> str | None:
    """A decimal code kept as text (MCC, MNC: "01" and "1" are different MNCs); None when empty or "-"."""
    text = field.text.strip(" \t")
    if text in ("", INVALID):
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= max_digits):
        raise ValueError(f"{name} {text!r} is not 1 to {max_digits} digits")
    return text


def read_word(field: Field, name: str, allowed: frozenset[str]) -> str | None:
    """One of a few words (TDD, FDD...), quoted or not; None when empty or "-"."""
    text = field.text.strip(" \t")
    if text in ("", INVALID):
        return None
    if text not in allowed:
        raise ValueError(f"{name} {text!r} is not one of {', '.join(sorted(allowed))}")
    return text


def named_tail(tail: tuple[Field, ...], names: tuple[str, ...]) -> dict[str, Field]:
    """The tail's fields by name when the layout names exactly that many; otherwise none are named."""
    if not names or len(tail) != len(names):
        return {}
    return dict(zip(names, tail, strict=True))


# --- measurements and codes -----------------------------------------------------------------------------
# Wide sanity bounds, not the manual's typical ranges ([N]: RSRP -140..-44 dBm, RSRQ -20..-3 dB, NR SINR
# -23..40 dB): a value outside them means the line is not laid out, or scaled, as read.
SINR_LOW_DB, SINR_HIGH_DB = -30, 50


def read_rsrp(field: Field) -> int | None:
    return read_number(field, "RSRP", low=-160, high=-20)


def read_rsrq(field: Field) -> int | None:
    return read_number(field, "RSRQ", low=-45, high=20)


def read_sinr(field: Field) -> int | None:
    return read_number(field, "SINR", low=SINR_LOW_DB, high=SINR_HIGH_DB)


def scale_sinr(raw: int | None, scale: SinrScale | None) -> float | None:
    """LTE SINR in dB by the firmware's scale; a result outside sanity bounds means another scale."""
    if raw is None or scale is None:
        return None
    sinr_db = scale.to_db(raw)
    if not SINR_LOW_DB <= sinr_db <= SINR_HIGH_DB:
        raise ValueError(f"SINR {raw} gives {sinr_db:g} dB on this firmware's scale: not a plausible SINR")
    return sinr_db


def read_nr_bandwidth(field: Field, layout: FirmwareLayout) -> int | None:
    if layout.nr_bandwidth is BandwidthCoding.CODE:
        code = read_code(field, "NR_DL_bandwidth", NR_BANDWIDTH_MHZ)
        return None if code is None else NR_BANDWIDTH_MHZ[code]
    if layout.nr_bandwidth is BandwidthCoding.MHZ:
        mhz = read_number(field, "NR_DL_bandwidth", low=0, high=400)
        if mhz is not None and mhz not in NR_BANDWIDTHS_MHZ:
            raise ValueError(f"NR_DL_bandwidth {mhz} MHz is not an NR channel bandwidth")
        return mhz
    return None


def read_lte_bandwidth(field: Field, name: str) -> float | None:
    code = read_code(field, name, LTE_BANDWIDTH_MHZ)
    return None if code is None else LTE_BANDWIDTH_MHZ[code]


def read_scs(field: Field | None) -> int | None:
    code = None if field is None else read_code(field, "scs", SCS_KHZ)
    return None if code is None else SCS_KHZ[code]
