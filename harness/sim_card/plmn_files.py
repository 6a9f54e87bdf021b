"""sim_card layer: the PLMN list files: EF_FPLMN (forbidden PLMNs, 3GPP TS 31.102 §4.2.16), EF_PLMNsel
(GSM PLMN selector without access technology, TS 51.011 §10.3.4) and the selectors with access technology
EF_PLMNwAcT, EF_OPLMNwAcT and EF_HPLMNwAcT (TS 31.102 §4.2.5, §4.2.53, §4.2.54).

A list file is a row of fixed-size entries that fills the whole file: 3 bytes of PLMN (harness.sim_codes;
FF FF FF an empty entry), and for the "wAcT" files 2 more bytes of access technology bits. Those bits are
kept as read (`act_bits`, first byte high); `access_technologies` names the ones §4.2.5 defines as we read it
(Rel-15: byte 4 b8 UTRAN, b7 E-UTRAN in WB-S1 mode, b6 E-UTRAN in NB-S1 mode, b5 NG-RAN; byte 5 b8 GSM,
b7 GSM COMPACT, b6 cdma2000 HRPD, b5 cdma2000 1xRTT).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

from harness.sim_codes import PLMN_BYTES, decode_plmn, encode_plmn

PLMN_ACT_BYTES = PLMN_BYTES + 2


class AccessTechnology(IntFlag):
    UTRAN = 0x8000
    E_UTRAN_WB_S1 = 0x4000
    E_UTRAN_NB_S1 = 0x2000
    NG_RAN = 0x1000
    GSM = 0x0080
    GSM_COMPACT = 0x0040
    CDMA2000_HRPD = 0x0020
    CDMA2000_1XRTT = 0x0010


_KNOWN_ACT = AccessTechnology(sum(AccessTechnology))


@dataclass(frozen=True, slots=True, kw_only=True)
class EfPlmnList:
    """EF_FPLMN or EF_PLMNsel: one PLMN per entry of the file, None for an empty entry."""

    plmns: tuple[str | None, ...]

    @property
    def used(self) -> tuple[str, ...]:
        return tuple(p for p in self.plmns if p is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlmnAct:
    plmn: str | None
    act_bits: int  # 16 bits, byte 4 of the entry high

    @property
    def access_technologies(self) -> AccessTechnology:
        return AccessTechnology(self.act_bits & _KNOWN_ACT)


@dataclass(frozen=True, slots=True, kw_only=True)
class EfPlmnActList:
    """EF_PLMNwAcT, EF_OPLMNwAcT or EF_HPLMNwAcT: one entry per 5 bytes of the file."""

    entries: tuple[PlmnAct, ...]


def decode_plmn_list(data: bytes) -> EfPlmnList:
    _check_entries(data, PLMN_BYTES)
    return EfPlmnList(plmns=tuple(decode_plmn(data[i : i + PLMN_BYTES]) for i in range(0, len(data), 3)))


def encode_plmn_list(value: EfPlmnList, size_bytes: int) -> bytes:
    """The PLMNs in order, the rest of the file's entries empty (FF FF FF)."""
    body = b"".join(encode_plmn(p) for p in value.plmns)
    return _fill(body, size_bytes, "PLMNs")


def decode_plmn_act_list(data: bytes) -> EfPlmnActList:
    _check_entries(data, PLMN_ACT_BYTES)
    entries = tuple(
        PlmnAct(
            plmn=decode_plmn(data[i : i + PLMN_BYTES]), act_bits=int.from_bytes(data[i + 3 : i + 5], "big")
        )
        for i in range(0, len(data), PLMN_ACT_BYTES)
    )
    return EfPlmnActList(entries=entries)


def encode_plmn_act_list(value: EfPlmnActList, size_bytes: int) -> bytes:
    """The entries in order, the rest of the file empty (FF FF FF 00 00, no access technology)."""
    body = b"".join(encode_plmn(e.plmn) + e.act_bits.to_bytes(2, "big") for e in value.entries)
    empty = encode_plmn(None) + b"\x00\x00"
    if len(body) > size_bytes or (size_bytes - len(body)) % PLMN_ACT_BYTES:
        raise ValueError(f"{len(value.entries)} entries do not fit a file of {size_bytes} bytes")
    return body + empty * ((size_bytes - len(body)) // PLMN_ACT_BYTES)


def _check_entries(data: bytes, entry_bytes: int) -> None:
    if len(data) % entry_bytes:
        raise ValueError(f"{len(data)} bytes are not whole entries of {entry_bytes}")


def _fill(body: bytes, size_bytes: int, what: str) -> bytes:
    if len(body) > size_bytes:
        raise ValueError(f"{len(body) // PLMN_BYTES} {what} do not fit a file of {size_bytes} bytes")
    return body + b"\xff" * (size_bytes - len(body))
