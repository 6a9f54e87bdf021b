from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.timers import (
    DEACTIVATED_BITS,
    decode_gprs_timer,
    decode_gprs_timer2,
    decode_gprs_timer3,
    encode_gprs_timer,
    encode_gprs_timer2,
    encode_gprs_timer3,
)

HOUR_S = 3600


# The worked examples of ../shared/reference/cellular-iot.md §2.4: bits, T3324, T3412-ext, legacy T3412.
@pytest.mark.parametrize(
    ("bits", "t3324_s", "t3412_ext_s", "t3412_s"),
    [
        ("00000000", 0, 0, 0),
        ("00100001", 60, HOUR_S, 60),
        ("00100100", 4 * 60, 4 * HOUR_S, 4 * 60),
        ("01000011", 18 * 60, 30 * HOUR_S, 18 * 60),
        ("01000111", 42 * 60, 70 * HOUR_S, 42 * 60),
        ("01001001", 54 * 60, 90 * HOUR_S, 54 * 60),
        ("00111000", 24 * 60, 24 * HOUR_S, 24 * 60),
        ("10100101", 5 * 60, 5 * 60, 5 * 60),
        ("11000001", 60, 320 * HOUR_S, 60),
        ("11100000", None, None, None),
        ("01100010", 2 * 60, 4, 2 * 60),
        ("10000011", 3 * 60, 90, 3 * 60),
        ("00000101", 10, 50 * 60, 10),
    ],
)
def test_worked_examples(
    bits: str, t3324_s: int | None, t3412_ext_s: int | None, t3412_s: int | None
) -> None:
    assert decode_gprs_timer2(bits) == t3324_s
    assert decode_gprs_timer3(bits) == t3412_ext_s
    assert decode_gprs_timer(bits) == t3412_s


@pytest.mark.parametrize("bits", ["", "0000000", "000000000", "0000000x", "00 00000"])
def test_bad_bit_strings_are_refused(bits: str) -> None:
    with pytest.raises(ValueError, match="8 characters"):
        decode_gprs_timer3(bits)


def test_encoding_chooses_the_finest_unit_and_refuses_what_it_cannot_code() -> None:
    assert encode_gprs_timer2(660) == "00101011"  # cellular-iot.md §2.4: 11 x 1 min
    assert encode_gprs_timer3(660) == "10010110"  # 22 x 30 s; the reference's 11 x 1 min is as exact
    assert decode_gprs_timer3("10101011") == 660
    assert encode_gprs_timer3(None) == DEACTIVATED_BITS
    assert encode_gprs_timer2(0) == "00000000"
    assert encode_gprs_timer(54 * 60) == "01001001"
    with pytest.raises(ValueError, match="cannot be coded"):
        encode_gprs_timer2(61)
    with pytest.raises(ValueError, match="cannot be coded"):
        encode_gprs_timer3(-2)


_octets = st.integers(min_value=0, max_value=255).map(lambda o: f"{o:08b}")


@given(_octets)
def test_timer3_decode_encode_decode_is_stable(bits: str) -> None:
    seconds = decode_gprs_timer3(bits)
    assert decode_gprs_timer3(encode_gprs_timer3(seconds)) == seconds


@given(_octets)
def test_timer2_decode_encode_decode_is_stable(bits: str) -> None:
    seconds = decode_gprs_timer2(bits)
    assert decode_gprs_timer2(encode_gprs_timer2(seconds)) == seconds
    assert decode_gprs_timer(encode_gprs_timer(seconds)) == seconds
