"""harness.dialects.quectel_redcap_layouts: firmware layouts keyed on the revision, and the single-value
readers every Quectel 5G reading goes through."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.fields import Field
from harness.dialects.quectel_redcap_layouts import (
    IN_DB,
    RG255_LAYOUT,
    RM5XX_LAYOUT,
    UNKNOWN_LAYOUT,
    SinrScale,
    layout_for,
    named_tail,
    read_digits,
    read_hex_id,
    read_number,
    read_word,
    scale_sinr,
)


@pytest.mark.parametrize(
    ("revision", "layout"),
    [
        ("RM520NGLAAR03A07M4G", RM5XX_LAYOUT),
        ("Revision: RM500QGLABR11A06M4G", RM5XX_LAYOUT),
        ("RG502QEAAAR11A06M4G", RM5XX_LAYOUT),
        ("RG255CGLAAR01A02M2G", RG255_LAYOUT),
        ("rm255cglaar01a01m2g", RG255_LAYOUT),
        ("BC660KGLAAR01A03", UNKNOWN_LAYOUT),
        ("", UNKNOWN_LAYOUT),
    ],
)
def test_layout_for_revision(revision: str, layout: object) -> None:
    assert layout_for(revision) is layout


@given(value=st.integers(-1000, 1000), low=st.integers(-1000, 0), high=st.integers(0, 1000))
def test_read_number_keeps_values_in_range_and_refuses_the_rest(value: int, low: int, high: int) -> None:
    field = Field(f" {value} ")
    if low <= value <= high:
        assert read_number(field, "x", low=low, high=high) == value
    else:
        with pytest.raises(ValueError, match="outside"):
            read_number(field, "x", low=low, high=high)


@pytest.mark.parametrize("text", ["", "-", " - ", "-32768"])
def test_read_number_invalid_markers_are_none(text: str) -> None:
    assert read_number(Field(text), "x", low=-10, high=10) is None


@pytest.mark.parametrize("text", ["1.5", "--3", "3-", "+3", "0x10", "١٢", "1 2"])
def test_read_number_refuses_what_is_not_a_whole_number(text: str) -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        read_number(Field(text), "x", low=-100, high=100)


@given(value=st.integers(0, (1 << 36) - 1), is_lower=st.booleans(), padding=st.integers(0, 2))
def test_read_hex_id_reads_any_36_bit_id(value: int, is_lower: bool, padding: int) -> None:
    text = "0" * padding + f"{value:X}"
    read = read_hex_id(Field(text.lower() if is_lower else text), "cellID", bits=36)
    assert read is not None
    assert int(read, 16) == value
    assert read == read.upper()


@pytest.mark.parametrize(
    ("text", "bits", "reason"),
    [
        ("1000000000", 36, "does not fit in 36 bits"),
        ("10000", 16, "does not fit"),
        ("G1", 16, "not a hex number"),
    ],
)
def test_read_hex_id_refuses_wide_or_foreign_text(text: str, bits: int, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        read_hex_id(Field(text), "id", bits=bits)


@pytest.mark.parametrize("text", ["", "-"])
def test_read_hex_id_of_an_invalid_marker_is_none(text: str) -> None:
    assert read_hex_id(Field(text), "id", bits=8) is None


def test_read_digits_keeps_leading_zeros() -> None:
    assert (
        read_digits(Field("01"), "MNC", max_digits=3),
        read_digits(Field("001"), "MNC", max_digits=3),
    ) == (
        "01",
        "001",
    )
    with pytest.raises(ValueError, match="1 to 3 digits"):
        read_digits(Field("0001"), "MNC", max_digits=3)


def test_read_word_and_its_invalid_marker() -> None:
    assert read_word(Field("TDD", is_quoted=True), "duplex", frozenset({"TDD", "FDD"})) == "TDD"
    assert read_word(Field("-"), "duplex", frozenset({"TDD"})) is None
    with pytest.raises(ValueError, match="not one of FDD, TDD"):
        read_word(Field("tdd"), "duplex", frozenset({"TDD", "FDD"}))


def test_named_tail_names_only_a_tail_of_the_layouts_length() -> None:
    tail = (Field("1"), Field("-"))
    assert named_tail(tail, ("scs", "srxlev")) == {"scs": Field("1"), "srxlev": Field("-")}
    assert named_tail(tail, ("cqi", "tx_power", "srxlev")) == {}
    assert named_tail(tail, ()) == {}


@given(raw=st.integers(-300, 300))
def test_scale_sinr_gives_db_or_refuses_an_implausible_result(raw: int) -> None:
    scale = SinrScale(factor=0.2, offset_db=-20.0)
    if -30 <= raw / 5 - 20 <= 50:
        assert scale_sinr(raw, scale) == pytest.approx(raw / 5 - 20)
    else:
        with pytest.raises(ValueError, match="not a plausible SINR"):
            scale_sinr(raw, scale)


def test_scale_sinr_without_a_known_scale_is_none() -> None:
    assert (scale_sinr(12, None), scale_sinr(None, IN_DB), scale_sinr(12, IN_DB)) == (None, None, 12.0)
