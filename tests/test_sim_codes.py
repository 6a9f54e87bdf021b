"""harness.sim_codes: swapped BCD and the 3-byte PLMN (TS 24.008 §10.5.1.13, TS 31.102 §4.2.16), known
vectors and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.sim_codes import decode_bcd, decode_plmn, decode_swapped, encode_bcd, encode_plmn

PLMNS = st.from_regex(r"[0-9]{5,6}", fullmatch=True)


@pytest.mark.parametrize(
    ("plmn", "coded"),
    [
        ("00101", "00F110"),
        ("46000", "64F000"),
        ("310410", "130014"),
        ("46011", "64F011"),
        ("310260", "130062"),
    ],
)
def test_plmns_code_as_the_specification_lays_out_mcc_and_mnc(plmn: str, coded: str) -> None:
    assert encode_plmn(plmn).hex().upper() == coded
    assert decode_plmn(bytes.fromhex(coded)) == plmn


def test_the_empty_entry_is_none() -> None:
    assert decode_plmn(b"\xff\xff\xff") is None
    assert encode_plmn(None) == b"\xff\xff\xff"


@given(PLMNS)
def test_plmn_round_trip(plmn: str) -> None:
    assert decode_plmn(encode_plmn(plmn)) == plmn


@given(st.binary(min_size=3, max_size=3))
def test_any_three_bytes_decode_to_a_plmn_that_codes_back_or_are_refused(data: bytes) -> None:
    try:
        plmn = decode_plmn(data)
    except ValueError:
        return
    assert encode_plmn(plmn) == data


@pytest.mark.parametrize("bad", ["0010", "0010123", "00a01", ""])
def test_a_plmn_that_is_not_5_or_6_digits_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="5 or 6 digits"):
        encode_plmn(bad)


def test_the_iccid_example_of_the_reference() -> None:
    """cellular-iot.md §1.6: AT+CRSM=176,12258,0,0,10 returns the ICCID nibble-swapped."""
    assert decode_bcd(bytes.fromhex("98101430121181157002")) == "89014103211118510720"
    assert encode_bcd("8901410321111851072", 10).hex().upper() == "981014301211811570F2"


@given(st.from_regex(r"[0-9]{0,20}", fullmatch=True))
def test_bcd_round_trip(digits: str) -> None:
    assert decode_bcd(encode_bcd(digits, 10)) == digits


def test_a_digit_after_the_filler_is_refused() -> None:
    with pytest.raises(ValueError, match="after its F filler"):
        decode_swapped(bytes.fromhex("1F23"))


def test_hex_letters_are_not_decimal_bcd() -> None:
    assert decode_swapped(bytes.fromhex("A1")) == "1A"
    with pytest.raises(ValueError, match="not a decimal digit"):
        decode_bcd(bytes.fromhex("A1"))
