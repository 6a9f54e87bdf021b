"""at layer: 3GPP timer codecs for the PSM timers AT commands carry as 8-character bit strings.

One octet, written MSB first ("bit 8" is the leftmost character): bits 8-6 the unit, bits 5-1 the value
(0-31); seconds = value x unit (3GPP TS 24.008; ../shared/reference/cellular-iot.md §2 [S5][S16][S27]):
- GPRS Timer (§10.5.7.3): legacy T3412 (TS 24.301 §9.9.3.16). 000 2 s, 001 1 min, 010 decihour (6 min),
  111 deactivated, any other unit read as 1 min.
- GPRS Timer 2 (§10.5.7.4, Table 10.5.163): T3324 Active Time. The same table as GPRS Timer.
- GPRS Timer 3 (§10.5.7.4a, Table 10.5.163a): T3412 extended value. 000 10 min, 001 1 h, 010 10 h, 011 2 s,
  100 30 s, 101 1 min, 110 320 h, 111 deactivated. NOTE 1 of the table allows 320 h only in an integrity
  protected message; the values AT commands report come from the network's accept message, which is, so
  110 decodes as 320 h here.

Pick the decoder from the field, never from the value: `01001001` is 54 min as legacy T3412 and 90 h as
T3412-ext (cellular-iot.md §2.3). Decoders return whole seconds, or None for "deactivated".
"""

from __future__ import annotations

DEACTIVATED_BITS = "11100000"

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
# Unit codes an encoder may choose: the ones the table defines (not "other values read as 1 min").
_TIMER_CODES = (0b000, 0b001, 0b010)
_TIMER3_CODES = (0b000, 0b001, 0b010, 0b011, 0b100, 0b101, 0b110)
_MAX_VALUE = 31


def _octet(bits: str) -> int:
    if len(bits) != 8 or set(bits) - {"0", "1"}:
        raise ValueError(f"a timer octet is 8 characters of 0 and 1, got {bits!r}")
    return int(bits, 2)


def _decode(bits: str, units_s: tuple[int | None, ...]) -> int | None:
    octet = _octet(bits)
    unit_s = units_s[octet >> 5]
    return None if unit_s is None else (octet & 0x1F) * unit_s


def _encode(seconds: int | None, units_s: tuple[int | None, ...], codes: tuple[int, ...]) -> str:
    if seconds is None:
        return DEACTIVATED_BITS
    if seconds == 0:
        return "00000000"
    fitting = [
        (unit_s, code)
        for code in codes
        if (unit_s := units_s[code]) is not None and seconds % unit_s == 0 and seconds // unit_s <= _MAX_VALUE
    ]
    if seconds < 0 or not fitting:
        raise ValueError(f"{seconds} s cannot be coded exactly in this timer (value 0-31 times a unit)")
    unit_s, code = min(fitting)
    return f"{code << 5 | seconds // unit_s:08b}"


def decode_gprs_timer(bits: str) -> int | None:
    """Legacy T3412 (GPRS Timer) -> seconds, None when deactivated."""
    return _decode(bits, _TIMER_UNITS_S)


def decode_gprs_timer2(bits: str) -> int | None:
    """T3324 Active Time (GPRS Timer 2) -> seconds, None when deactivated (the network refused PSM)."""
    return _decode(bits, _TIMER_UNITS_S)


def decode_gprs_timer3(bits: str) -> int | None:
    """T3412 extended (GPRS Timer 3) -> seconds, None when deactivated."""
    return _decode(bits, _TIMER3_UNITS_S)


def encode_gprs_timer(seconds: int | None) -> str:
    """Seconds -> legacy T3412 bits in the finest unit that codes them exactly; None -> deactivated."""
    return _encode(seconds, _TIMER_UNITS_S, _TIMER_CODES)


def encode_gprs_timer2(seconds: int | None) -> str:
    """Seconds -> T3324 bits in the finest unit that codes them exactly; None -> deactivated."""
    return _encode(seconds, _TIMER_UNITS_S, _TIMER_CODES)


def encode_gprs_timer3(seconds: int | None) -> str:
    """Seconds -> T3412-ext bits in the finest unit that codes them exactly; None -> deactivated."""
    return _encode(seconds, _TIMER3_UNITS_S, _TIMER3_CODES)
