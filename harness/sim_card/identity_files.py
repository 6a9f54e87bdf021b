"""sim_card layer: the files that say who the card is: EF_ICCID (ETSI TS 102 221 §13.2), EF_IMSI (3GPP TS
31.102 §4.2.2) and EF_AD, administrative data with the MNC length (§4.2.18).

- EF_ICCID 2FE2, 10 bytes of swapped BCD, F-padded (hex letters accepted: Chinese issuers use them).
- EF_IMSI 6F07, 9 bytes: a length byte, the first digit over the parity, the rest swapped BCD (the codec is
  harness.sim_codes', shared with the transcript's identifier redaction and the virtual UICC).
- EF_AD 6FAD, 3 bytes or more: UE operation mode (byte 1), additional information (bytes 2-3), and in byte
  4, bits 1-4, the number of MNC digits in the IMSI (2 or 3), which an IMSI alone cannot tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.sim_codes import (
    IMSI_FILE_BYTES,
    decode_imsi_file,
    decode_swapped,
    encode_imsi_file,
    encode_swapped,
)

ICCID_BYTES = 10
IMSI_BYTES = IMSI_FILE_BYTES
_AD_MNC_BYTE = 3
_MNC_LENGTHS = (2, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class EfIccid:
    iccid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EfImsi:
    imsi: str  # 6 to 15 digits (TS 23.003 §2.2)


@dataclass(frozen=True, slots=True, kw_only=True)
class EfAd:
    ue_operation_mode: int
    additional_info: bytes  # 2 bytes
    mnc_length: int | None  # None in a 3-byte file, which has no MNC length
    rest: bytes = b""  # bytes after byte 4, kept as they are (RFU)


def decode_iccid(data: bytes) -> EfIccid:
    return EfIccid(iccid=decode_swapped(data))


def encode_iccid(value: EfIccid, size_bytes: int) -> bytes:
    return encode_swapped(value.iccid.upper(), size_bytes)


def decode_imsi(data: bytes) -> EfImsi:
    return EfImsi(imsi=decode_imsi_file(data))


def encode_imsi(value: EfImsi, size_bytes: int) -> bytes:
    return encode_imsi_file(value.imsi, size_bytes)


def decode_ad(data: bytes) -> EfAd:
    if len(data) < _AD_MNC_BYTE:
        raise ValueError(f"EF_AD {data.hex().upper()} is shorter than its 3 mandatory bytes")
    mnc_length = data[_AD_MNC_BYTE] & 0x0F if len(data) > _AD_MNC_BYTE else None
    if mnc_length is not None and mnc_length not in _MNC_LENGTHS:
        raise ValueError(f"EF_AD {data.hex().upper()}: MNC length {mnc_length} is neither 2 nor 3")
    return EfAd(
        ue_operation_mode=data[0],
        additional_info=data[1:3],
        mnc_length=mnc_length,
        rest=data[_AD_MNC_BYTE + 1 :],
    )


def encode_ad(value: EfAd, size_bytes: int) -> bytes:
    if len(value.additional_info) != 2:
        raise ValueError("EF_AD additional information is 2 bytes")
    body = bytes([value.ue_operation_mode]) + value.additional_info
    if value.mnc_length is not None:
        body += bytes([value.mnc_length]) + value.rest
    if len(body) != size_bytes:
        raise ValueError(f"EF_AD of {len(body)} bytes does not fit a file of {size_bytes}")
    return body
