"""sim_card layer: the location files a module keeps on the card between registrations, 3GPP TS 31.102:
EF_LOCI (CS, §4.2.17), EF_PSLOCI (PS, §4.2.23) and EF_EPSLOCI (EPS, §4.2.91).

- EF_LOCI 6F7E, 11 bytes: TMSI (4), LAI (5: PLMN and LAC), RFU (1), location update status (bits 1-3:
  0 updated, 1 not updated, 2 PLMN not allowed, 3 location area not allowed).
- EF_PSLOCI 6F73, 14 bytes: P-TMSI (4), P-TMSI signature (3), RAI (6: LAI and RAC), routing area update
  status (0 updated, 1 not updated, 2 PLMN not allowed, 3 routing area not allowed).
- EF_EPSLOCI 6FE3, 18 bytes: GUTI (12: length 0B, F6 = type GUTI with even indication, then PLMN, MME group
  id (2), MME code (1), M-TMSI (4), TS 24.301 §9.9.3.12), last visited registered TAI (5: PLMN and TAC), EPS
  update status (0 updated, 1 not updated, 2 roaming not allowed).
A deleted identity is all FF (TMSI, P-TMSI, signature, GUTI: TS 24.008 §4.1.2.2, TS 24.301 §5.5.1.2.6), a
deleted LAI, RAI or TAI has the area code FFFE (TS 24.008 §10.5.1.3 for the LAC; we code a deleted TAI the
same way, and its PLMN FF FF FF: our judgement, the clause is not in the reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from harness.sim_codes import PLMN_BYTES, decode_plmn, encode_plmn

LOCI_BYTES = 11
PSLOCI_BYTES = 14
EPSLOCI_BYTES = 18
DELETED_AREA_CODE = 0xFFFE
_GUTI_BYTES = 12
_GUTI_HEAD = b"\x0b\xf6"  # 11 bytes follow; spare 1111, even, type of identity 110 (GUTI)
_STATUS_BITS = 0b111


class UpdateStatus(IntEnum):
    """Location / routing area update status (TS 31.102 §4.2.17, §4.2.23; TS 24.008 §4.1.2.1)."""

    UPDATED = 0
    NOT_UPDATED = 1
    PLMN_NOT_ALLOWED = 2
    AREA_NOT_ALLOWED = 3


class EpsUpdateStatus(IntEnum):
    """EPS update status (TS 31.102 §4.2.91; TS 24.301 §5.1.3.3)."""

    UPDATED = 0
    NOT_UPDATED = 1
    ROAMING_NOT_ALLOWED = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class AreaId:
    """LAI (with `rac` None), RAI, or TAI: PLMN (None when deleted) and area code (LAC or TAC)."""

    plmn: str | None
    code: int
    rac: int | None = None

    @property
    def is_deleted(self) -> bool:
        return self.code == DELETED_AREA_CODE


DELETED_AREA = AreaId(plmn=None, code=DELETED_AREA_CODE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Guti:
    plmn: str
    mme_group_id: int
    mme_code: int
    m_tmsi: str  # 8 hex digits


@dataclass(frozen=True, slots=True, kw_only=True)
class EfLoci:
    tmsi: str  # 8 hex digits, FFFFFFFF when deleted
    lai: AreaId
    rfu: int
    update_status: int  # UpdateStatus, or a reserved value kept as read


@dataclass(frozen=True, slots=True, kw_only=True)
class EfPsloci:
    p_tmsi: str  # 8 hex digits
    p_tmsi_signature: str  # 6 hex digits
    rai: AreaId
    update_status: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EfEpsloci:
    guti: Guti | None  # None when deleted (all FF)
    tai: AreaId
    update_status: int  # EpsUpdateStatus, or a reserved value kept as read

    @property
    def is_valid(self) -> bool:
        """A stored registration a module can attach with (24.301 §5.5.1.2.2: GUTI, TAI, status updated)."""
        return (
            self.guti is not None
            and not self.tai.is_deleted
            and self.update_status == EpsUpdateStatus.UPDATED
        )


def deleted_loci() -> EfLoci:
    return EfLoci(tmsi="FFFFFFFF", lai=DELETED_AREA, rfu=0, update_status=UpdateStatus.NOT_UPDATED)


def deleted_psloci() -> EfPsloci:
    rai = AreaId(plmn=None, code=DELETED_AREA_CODE, rac=0xFF)
    return EfPsloci(
        p_tmsi="FFFFFFFF", p_tmsi_signature="FFFFFF", rai=rai, update_status=UpdateStatus.NOT_UPDATED
    )


def deleted_epsloci() -> EfEpsloci:
    return EfEpsloci(guti=None, tai=DELETED_AREA, update_status=EpsUpdateStatus.NOT_UPDATED)


def decode_loci(data: bytes) -> EfLoci:
    _check_size(data, LOCI_BYTES, "EF_LOCI")
    return EfLoci(
        tmsi=data[0:4].hex().upper(),
        lai=_decode_area(data[4:9]),
        rfu=data[9],
        update_status=data[10] & _STATUS_BITS,
    )


def encode_loci(value: EfLoci, size_bytes: int) -> bytes:
    tmsi = _hex_bytes(value.tmsi, 4, "TMSI")
    return tmsi + _encode_area(value.lai) + bytes([value.rfu, _status(value.update_status)])


def decode_psloci(data: bytes) -> EfPsloci:
    _check_size(data, PSLOCI_BYTES, "EF_PSLOCI")
    return EfPsloci(
        p_tmsi=data[0:4].hex().upper(),
        p_tmsi_signature=data[4:7].hex().upper(),
        rai=_decode_area(data[7:12], rac=data[12]),
        update_status=data[13] & _STATUS_BITS,
    )


def encode_psloci(value: EfPsloci, size_bytes: int) -> bytes:
    rac = value.rai.rac if value.rai.rac is not None else 0xFF
    return (
        _hex_bytes(value.p_tmsi, 4, "P-TMSI")
        + _hex_bytes(value.p_tmsi_signature, 3, "P-TMSI signature")
        + _encode_area(value.rai)
        + bytes([rac, _status(value.update_status)])
    )


def decode_epsloci(data: bytes) -> EfEpsloci:
    _check_size(data, EPSLOCI_BYTES, "EF_EPSLOCI")
    return EfEpsloci(
        guti=_decode_guti(data[:_GUTI_BYTES]),
        tai=_decode_area(data[12:17]),
        update_status=data[17] & _STATUS_BITS,
    )


def encode_epsloci(value: EfEpsloci, size_bytes: int) -> bytes:
    return _encode_guti(value.guti) + _encode_area(value.tai) + bytes([_status(value.update_status)])


def _decode_guti(data: bytes) -> Guti | None:
    if data == b"\xff" * _GUTI_BYTES:
        return None
    plmn = decode_plmn(data[2:5])
    if not data.startswith(_GUTI_HEAD) or plmn is None:
        raise ValueError(f"GUTI {data.hex().upper()} does not start with 0B F6 and a PLMN")
    return Guti(
        plmn=plmn,
        mme_group_id=int.from_bytes(data[5:7], "big"),
        mme_code=data[7],
        m_tmsi=data[8:12].hex().upper(),
    )


def _encode_guti(guti: Guti | None) -> bytes:
    if guti is None:
        return b"\xff" * _GUTI_BYTES
    return (
        _GUTI_HEAD
        + encode_plmn(guti.plmn)
        + guti.mme_group_id.to_bytes(2, "big")
        + bytes([guti.mme_code])
        + _hex_bytes(guti.m_tmsi, 4, "M-TMSI")
    )


def _decode_area(data: bytes, *, rac: int | None = None) -> AreaId:
    return AreaId(plmn=decode_plmn(data[:PLMN_BYTES]), code=int.from_bytes(data[3:5], "big"), rac=rac)


def _encode_area(area: AreaId) -> bytes:
    return encode_plmn(area.plmn) + area.code.to_bytes(2, "big")


def _status(status: int) -> int:
    if not 0 <= status <= _STATUS_BITS:
        raise ValueError(f"update status {status} is not 0..7")
    return status


def _hex_bytes(text: str, count: int, name: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != count:
        raise ValueError(f"{name} {text!r} is not {2 * count} hex digits")
    return value


def _check_size(data: bytes, size: int, name: str) -> None:
    if len(data) != size:
        raise ValueError(f"{name} is {size} bytes, this one {len(data)}")
