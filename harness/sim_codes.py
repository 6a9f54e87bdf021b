"""errors layer (bottom, no harness imports): the two digit codings SIM files use (3GPP TS 31.102 §4.2.2,
§4.2.12; ETSI TS 102 221 §13.2; TS 24.008 §10.5.1.3).

- Swapped BCD: two digits a byte, the first digit in the low nibble; a digit string of odd length is padded
  with F in the last high nibble, and unused bytes are FF (EF_ICCID: `98 10 14 30 12 11 81 15 70 02` is
  ICCID 89014103211118510720, cellular-iot.md §1.6).
- EF_IMSI (TS 31.102 §4.2.2), 9 bytes: the number of bytes in use, then the first digit in the high nibble
  over `1001` (odd number of digits) or `0001` (even): bits 1-3 are 001 (IMSI), bit 4 the parity; then the
  other digits in swapped BCD, F-padded, FF after. IMSI 234150999999999 is `08 29 43 51 90 99 99 99 99`.
- PLMN (MCC+MNC) in 3 bytes: MCC2 MCC1 | MNC3 MCC3 | MNC2 MNC1 (high nibble first); a 2-digit MNC has F
  as MNC3, so 001/01 is `00 F1 10` and 460/00 `64 F0 00`; FF FF FF is an empty entry.
harness.sim_card (the SIM files over AT) and harness.virtual's UICC (whose module process stays independent
of the layers above it) both import this module.
"""

from __future__ import annotations

_FILLER = 0xF
PLMN_BYTES = 3
EMPTY_PLMN = b"\xff" * PLMN_BYTES


def decode_swapped(data: bytes) -> str:
    """The nibbles of swapped-BCD `data` as upper-case hex characters, low nibble first, up to the first F
    filler; ValueError for a nibble other than F after it. Hex letters are kept: an ICCID may have them."""
    text = "".join(f"{byte & 0xF:X}{byte >> 4:X}" for byte in data)
    digits, _, filler = text.partition("F")
    if filler.strip("F"):
        raise ValueError(f"BCD {data.hex().upper()} has a digit after its F filler")
    return digits


def decode_bcd(data: bytes) -> str:
    """Swapped-BCD decimal digits up to the first F filler; ValueError for any other nibble."""
    digits = decode_swapped(data)
    if not digits.isdigit() and digits:
        raise ValueError(f"BCD {data.hex().upper()} has a nibble that is not a decimal digit")
    return digits


def encode_bcd(digits: str, length_bytes: int) -> bytes:
    """`digits` as swapped BCD in `length_bytes` bytes, F-padded; ValueError when they do not fit."""
    return encode_swapped(digits, length_bytes, allowed="0123456789")


def encode_swapped(digits: str, length_bytes: int, *, allowed: str = "0123456789ABCDE") -> bytes:
    """`digits` (characters of `allowed`) as swapped nibbles in `length_bytes` bytes, F-padded."""
    if any(c not in allowed for c in digits):
        raise ValueError(f"{digits!r} has a character other than {allowed}")
    if len(digits) > 2 * length_bytes:
        raise ValueError(f"{len(digits)} digits do not fit in {length_bytes} bytes")
    nibbles = [int(d, 16) for d in digits] + [_FILLER] * (2 * length_bytes - len(digits))
    return bytes(low | high << 4 for low, high in zip(nibbles[::2], nibbles[1::2], strict=True))


_IMSI_TYPE = 0b001
_ODD = 0b1000
IMSI_FILE_BYTES = 9


def decode_imsi_file(data: bytes) -> str:
    """The IMSI of EF_IMSI's content; ValueError for a length, type or parity that does not fit."""
    if len(data) < 2 or not 1 <= data[0] <= len(data) - 1:
        raise ValueError(f"EF_IMSI {data.hex().upper()}: its length byte does not fit the file")
    first, rest = data[1], data[2 : 1 + data[0]]
    if first & 0b111 != _IMSI_TYPE:
        raise ValueError(f"EF_IMSI {data.hex().upper()}: byte 2 does not end in 001 (IMSI)")
    imsi = f"{first >> 4}" + decode_bcd(rest)
    if first >> 4 > 9 or bool(first & _ODD) != (len(imsi) % 2 == 1):
        raise ValueError(f"EF_IMSI {data.hex().upper()}: its parity bit does not match its digits")
    return imsi


def encode_imsi_file(imsi: str, size_bytes: int = IMSI_FILE_BYTES) -> bytes:
    """EF_IMSI's content for an IMSI of 6 to 15 digits (TS 23.003 §2.2), FF-padded to `size_bytes`."""
    if not (imsi.isascii() and imsi.isdigit() and 6 <= len(imsi) <= 15):
        raise ValueError(f"IMSI {imsi!r} is not 6 to 15 digits")
    first = int(imsi[0]) << 4 | (_ODD if len(imsi) % 2 else 0) | _IMSI_TYPE
    used = 1 + len(imsi) // 2  # byte 2 and the remaining digits, two a byte
    body = bytes([used, first]) + encode_bcd(imsi[1:], used - 1)
    return body + b"\xff" * (size_bytes - len(body))


def decode_plmn(data: bytes) -> str | None:
    """MCC+MNC digits (5 or 6) from 3 bytes; None for the empty entry FF FF FF; ValueError otherwise."""
    if len(data) != PLMN_BYTES:
        raise ValueError(f"a PLMN is {PLMN_BYTES} bytes, not {len(data)}")
    if data == EMPTY_PLMN:
        return None
    mcc = [data[0] & 0xF, data[0] >> 4, data[1] & 0xF]
    mnc = [data[2] & 0xF, data[2] >> 4, data[1] >> 4]
    if mnc[2] == _FILLER:
        mnc = mnc[:2]
    if any(n > 9 for n in mcc + mnc):
        raise ValueError(f"PLMN {data.hex().upper()} is not BCD MCC/MNC digits")
    return "".join(str(n) for n in mcc + mnc)


def encode_plmn(plmn: str | None) -> bytes:
    """3 bytes for MCC+MNC (5 or 6 digits); FF FF FF for None; ValueError for anything else."""
    if plmn is None:
        return EMPTY_PLMN
    if not (plmn.isascii() and plmn.isdigit() and len(plmn) in (5, 6)):
        raise ValueError(f"PLMN {plmn!r} is not 5 or 6 digits (MCC + 2- or 3-digit MNC)")
    d = [int(c) for c in plmn]
    mnc3 = d[5] if len(d) == 6 else _FILLER
    return bytes((d[1] << 4 | d[0], mnc3 << 4 | d[2], d[4] << 4 | d[3]))
