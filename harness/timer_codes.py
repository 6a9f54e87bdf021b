"""errors layer (bottom, no harness imports): 3GPP timer and eDRX codecs for the values AT commands carry as
bit strings. harness.at.timers (the at layer's public name for them) and harness.virtual (whose module
process stays independent of harness.at) both import this module.

PSM timers are one octet written MSB first ("bit 8" is the leftmost character): bits 8-6 the unit, bits 5-1
the value (0-31); seconds = value x unit (3GPP TS 24.008; ../shared/reference/cellular-iot.md §2 [S5][S16]):
- GPRS Timer (§10.5.7.3): legacy T3412 (TS 24.301 §9.9.3.16), T3314. 000 2 s, 001 1 min, 010 decihour (6 min),
  111 deactivated, any other unit read as 1 min.
- GPRS Timer 2 (§10.5.7.4, Table 10.5.163): T3324 Active Time. The same table as GPRS Timer.
- GPRS Timer 3 (§10.5.7.4a, Table 10.5.163a): T3412/T3312 extended value. 000 10 min, 001 1 h, 010 10 h,
  011 2 s, 100 30 s, 101 1 min, 110 320 h, 111 deactivated. NOTE 1 allows 320 h only in an integrity protected
  message; the values AT commands report come from the network's accept message, which is, so 110 is 320 h.
Pick the decoder from the field, never from the value: `01001001` is 54 min as legacy T3412 and 90 h as
T3412-ext (cellular-iot.md §2.3). Timer decoders return whole seconds, or None for "deactivated".

eDRX (24.008 §10.5.5.32, octet 3; cellular-iot.md §2.5 [S15][S2][S5]): 4-bit strings per RAT,
rat in {"nbiot", "ltem", "lte", "nr"} (harness.rat's "cat1" reads as "lte", "redcap" as "nr"):
- WB-S1 ("ltem", "lte"): cycles 5.12 s ... 2621.44 s; 1110 and 1111 are read as 1101.
- NB-S1 ("nbiot"): 0010, 0011, 0101 and 1001-1111 as listed; 0100, 0110, 0111 and 1000 are read as 0010
  (20.48 s). 0000 and 0001 decode to None (no eDRX): the Rel-13 text says they are read "as if the IE were
  not included"; a later 24.008 version puts them under the 0010 note instead (Nordic's lte_lc reads
  20.48 s [S10]), and BC660K does not offer them at all [S5 §9.1].
- NR ("nr"): the NR code table of TS 24.501 / 24.008 Rel-17 was not retrieved (cellular-iot.md §7). Codes are
  read with the E-UTRAN cycle lengths of 24.008 Table 10.5.5.32, which 27.007 +CEDRXS points to for every
  AcT-type, all sixteen as listed (TS 38.300 §9.2.10 allows NR idle cycles up to 10485.76 s, so the WB-S1
  "read as 1101" rule is not applied). NR's shortest cycle, 2.56 s (38.300 §9.2.10), has no code here.
- PTW (bits 8-5): (n + 1) x 1.28 s in WB-S1 and WB-N1 mode (taken for "nr" too), (n + 1) x 2.56 s in NB-S1.

Encoders pick the smallest representable value not below the request and say so: they return an Encoded
(bits, seconds, requested_s, is_exact). The PSM timer encoders round down instead with is_rounded_down=True
(the greatest value not above: what BC660K's AT+QPSMS does with seconds [S5 §9.9]). A request above the
largest value is a ValueError. str() of an Encoded is its bit string, and the decoders take either, so
decode(encode(x)) reads as written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

DEACTIVATED_BITS = "11100000"

SecondsT = TypeVar("SecondsT", int | None, float)


@dataclass(frozen=True, slots=True, kw_only=True)
class Encoded(Generic[SecondsT]):
    """A coded value: the bits, the seconds they decode to, and the seconds that were asked for."""

    bits: str
    seconds: SecondsT
    requested_s: float | None

    @property
    def is_exact(self) -> bool:
        """Whether the code means exactly what was requested (else it is the next value above)."""
        return self.seconds == self.requested_s

    def __str__(self) -> str:
        return self.bits


Bits = str | Encoded[Any]

_MIN_S = 60
_HOUR_S = 3600
# Seconds per unit, indexed by the unit code (bits 8-6); None = deactivated.
_TIMER_UNITS_S: tuple[int | None, ...] = (2, _MIN_S, 6 * _MIN_S, _MIN_S, _MIN_S, _MIN_S, _MIN_S, None)
_TIMER3_UNITS_S: tuple[int | None, ...] = (
    10 * _MIN_S,
    _HOUR_S,
    10 * _HOUR_S,
    2,
    30,
    _MIN_S,
    320 * _HOUR_S,
    None,
)
_ZERO_BITS = "00000000"


def _timer_codes(units_s: tuple[int | None, ...], codes: Sequence[int]) -> tuple[tuple[int, int, str], ...]:
    """Every (seconds, unit_s, bits) an encoder may choose, smallest first and, among equal seconds, finest
    unit first. Only the unit codes the table defines are chosen, never "other values read as 1 min"."""
    return tuple(
        sorted(
            (value * unit_s, unit_s, f"{code << 5 | value:08b}")
            for code in codes
            if (unit_s := units_s[code]) is not None
            for value in range(32)
        )
    )


_TIMER_CODES = _timer_codes(_TIMER_UNITS_S, (0b000, 0b001, 0b010))
_TIMER3_CODES = _timer_codes(_TIMER3_UNITS_S, range(7))


def _octet(bits: Bits) -> int:
    text = str(bits)
    if len(text) != 8 or set(text) - {"0", "1"}:
        raise ValueError(f"a timer octet is 8 characters of 0 and 1, got {text!r}")
    return int(text, 2)


def _decode(bits: Bits, units_s: tuple[int | None, ...]) -> int | None:
    octet = _octet(bits)
    unit_s = units_s[octet >> 5]
    return None if unit_s is None else (octet & 0x1F) * unit_s


def _check_request(seconds: float) -> None:
    if math.isnan(seconds) or seconds < 0:
        raise ValueError(f"{seconds} s is not a duration")


def _encode(
    seconds: float | None, codes: tuple[tuple[int, int, str], ...], *, is_rounded_down: bool
) -> Encoded[int | None]:
    if seconds is None:
        return Encoded(bits=DEACTIVATED_BITS, seconds=None, requested_s=None)
    _check_request(seconds)
    if seconds == 0:
        # The zero every reference example uses; other units code zero as well.
        return Encoded(bits=_ZERO_BITS, seconds=0, requested_s=seconds)
    if is_rounded_down:
        below = [(coded_s, bits) for coded_s, _, bits in codes if coded_s <= seconds]
        # the first of equal values is the finest unit; max() keeps the first of equals
        coded_s, bits = max(below, key=lambda choice: choice[0], default=(0, _ZERO_BITS))
        return Encoded(bits=bits, seconds=coded_s, requested_s=seconds)
    for coded_s, _, bits in codes:
        if coded_s >= seconds:
            return Encoded(bits=bits, seconds=coded_s, requested_s=seconds)
    raise ValueError(f"{seconds} s is above the largest value this timer codes ({codes[-1][0]} s)")


def decode_gprs_timer(bits: Bits) -> int | None:
    """Legacy T3412, T3314 (GPRS Timer) -> seconds, None when deactivated."""
    return _decode(bits, _TIMER_UNITS_S)


def decode_gprs_timer2(bits: Bits) -> int | None:
    """T3324 Active Time (GPRS Timer 2) -> seconds, None when deactivated (the network refused PSM)."""
    return _decode(bits, _TIMER_UNITS_S)


def decode_gprs_timer3(bits: Bits) -> int | None:
    """T3412/T3312 extended (GPRS Timer 3) -> seconds, None when deactivated."""
    return _decode(bits, _TIMER3_UNITS_S)


def encode_gprs_timer(seconds: float | None, *, is_rounded_down: bool = False) -> Encoded[int | None]:
    """Seconds -> legacy T3412 code: the smallest value not below, finest unit; None -> deactivated."""
    return _encode(seconds, _TIMER_CODES, is_rounded_down=is_rounded_down)


def encode_gprs_timer2(seconds: float | None, *, is_rounded_down: bool = False) -> Encoded[int | None]:
    """Seconds -> T3324 code: the smallest value not below (max 11160 s), finest unit; None -> deactivated."""
    return _encode(seconds, _TIMER_CODES, is_rounded_down=is_rounded_down)


def encode_gprs_timer3(seconds: float | None, *, is_rounded_down: bool = False) -> Encoded[int | None]:
    """Seconds -> T3412-ext code: the smallest value not below (max 9920 h), finest unit; None ->
    deactivated."""
    return _encode(seconds, _TIMER3_CODES, is_rounded_down=is_rounded_down)


# eDRX cycle lengths in milliseconds by code, 24.008 Table 10.5.5.32 (exact in ms; seconds = ms / 1000).
_CYCLES_MS = (
    5_120,
    10_240,
    20_480,
    40_960,
    61_440,
    81_920,
    102_400,
    122_880,
    143_360,
    163_840,
    327_680,
    655_360,
    1_310_720,
    2_621_440,
    5_242_880,
    10_485_760,
)


@dataclass(frozen=True, slots=True)
class _EdrxMode:
    """How one RAT reads the eDRX codes: which code each is read as (None = no eDRX), and the PTW step."""

    read_as: tuple[int | None, ...]
    ptw_step_ms: int

    def cycle_ms(self, code: int) -> int | None:
        read = self.read_as[code]
        return None if read is None else _CYCLES_MS[read]

    @property
    def valid_codes(self) -> tuple[int, ...]:
        """The codes that mean themselves: the only ones an encoder sends."""
        return tuple(code for code, read in enumerate(self.read_as) if read == code)


_WB_S1 = _EdrxMode(read_as=(*range(14), 13, 13), ptw_step_ms=1_280)
_NB_S1 = _EdrxMode(read_as=(None, None, 2, 3, 2, 5, 2, 2, 2, *range(9, 16)), ptw_step_ms=2_560)
_NR = _EdrxMode(read_as=tuple(range(16)), ptw_step_ms=1_280)
_EDRX_MODES = {"nbiot": _NB_S1, "ltem": _WB_S1, "lte": _WB_S1, "cat1": _WB_S1, "nr": _NR, "redcap": _NR}


def _edrx_mode(rat: str) -> _EdrxMode:
    mode = _EDRX_MODES.get(str(rat))
    if mode is None:
        raise ValueError(f"no eDRX table for rat {rat!r}; known: nbiot, ltem, lte, nr")
    return mode


def _nibble(bits: Bits) -> int:
    text = str(bits)
    if len(text) != 4 or set(text) - {"0", "1"}:
        raise ValueError(f"an eDRX or PTW value is 4 characters of 0 and 1, got {text!r}")
    return int(text, 2)


def decode_edrx(bits: Bits, rat: str) -> float | None:
    """eDRX value (bits 4-1) -> cycle in seconds on that RAT; None where the code means no eDRX."""
    cycle_ms = _edrx_mode(rat).cycle_ms(_nibble(bits))
    return None if cycle_ms is None else cycle_ms / 1000


def decode_ptw(bits: Bits, rat: str) -> float:
    """Paging time window (bits 8-5) -> seconds on that RAT."""
    return (_nibble(bits) + 1) * _edrx_mode(rat).ptw_step_ms / 1000


def _encode_nibble(seconds: float, choices_ms: Sequence[tuple[int, int]], what: str) -> Encoded[float]:
    """The smallest (ms, code) choice not below `seconds`."""
    _check_request(seconds)
    for coded_ms, code in sorted(choices_ms):
        if coded_ms / 1000 >= seconds:
            return Encoded(bits=f"{code:04b}", seconds=coded_ms / 1000, requested_s=seconds)
    raise ValueError(f"{seconds} s is above the longest {what} ({max(choices_ms)[0] / 1000} s)")


def encode_edrx(seconds: float, rat: str) -> Encoded[float]:
    """Cycle in seconds -> eDRX code on that RAT: the shortest cycle not below, from the codes valid there."""
    choices_ms = [(_CYCLES_MS[code], code) for code in _edrx_mode(rat).valid_codes]
    return _encode_nibble(seconds, choices_ms, f"{rat} eDRX cycle")


def encode_ptw(seconds: float, rat: str) -> Encoded[float]:
    """PTW in seconds -> code on that RAT: the shortest window not below."""
    step_ms = _edrx_mode(rat).ptw_step_ms
    return _encode_nibble(seconds, [((code + 1) * step_ms, code) for code in range(16)], f"{rat} PTW")
