"""harness.at.fields: splitting an information line into fields and reading them (cellular-iot.md §1.1,
§6)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.at.fields import (
    Field,
    read_bits,
    read_digits,
    read_hex,
    read_int,
    read_measurement,
    read_nibble,
    split_fields,
    split_line,
)


def test_split_honours_quotes_empty_fields_and_spaces() -> None:
    assert split_fields(' 1, "a,b" ,,"",x ') == (
        Field("1"),
        Field("a,b", is_quoted=True),
        Field(""),
        Field("", is_quoted=True),
        Field("x"),
    )
    assert split_fields("") == ()
    assert split_line("+NSONMI:1,8") == ("+NSONMI", (Field("1"), Field("8")))
    assert split_line("+CREG: 0 , 6") == ("+CREG", (Field("0"), Field("6")))


def test_a_parenthesised_value_is_one_field() -> None:
    assert split_fields('(2,"A,(B","CMCC","46000",9), (0-4) ,,(0,1)') == (
        Field('(2,"A,(B","CMCC","46000",9)'),
        Field("(0-4)"),
        Field(""),
        Field("(0,1)"),
    )
    assert split_fields("((1,2),3)") == (Field("((1,2),3)"),)


@pytest.mark.parametrize("text", ['"abc', '1,"a"b', '"a" "b"', '(1,"a)'])
def test_split_refuses_broken_quotes(text: str) -> None:
    with pytest.raises(ValueError, match="quote"):
        split_fields(text)


@pytest.mark.parametrize("text", ["(1,2", "((1,2)", "(1)x", "1,(2"])
def test_split_refuses_broken_parentheses(text: str) -> None:
    with pytest.raises(ValueError, match="parenthes"):
        split_fields(text)


def test_split_line_needs_a_colon() -> None:
    with pytest.raises(ValueError, match="':'"):
        split_line("Quectel")


def test_readers() -> None:
    assert read_int(Field(" 7 "), "x", low=0, high=9) == 7
    assert read_int(Field(""), "x", low=0, high=9) is None
    assert read_int(Field("99"), "x", low=0, high=63, unknown=99) is None
    assert read_hex(Field("00c3", is_quoted=True), "tac", max_digits=4) == "00C3"
    assert read_bits(Field(" 00100100 "), "t") == "00100100"
    assert read_nibble(Field("0101"), "edrx") == "0101"
    assert read_nibble(Field(""), "edrx") is None
    assert read_digits(Field("460001"), "imsi", low_digits=6, high_digits=15) == "460001"
    with pytest.raises(ValueError, match=r"outside 0\.\.9"):
        read_int(Field("10"), "x", low=0, high=9)
    with pytest.raises(ValueError, match="whole number"):
        read_int(Field("-1"), "x", low=-5, high=9)
    with pytest.raises(ValueError, match="whole number"):
        read_int(Field("²"), "x", low=0, high=9)
    with pytest.raises(ValueError, match="empty"):
        read_measurement(Field(""), "rsrp", high=97, unknown=255)
    with pytest.raises(ValueError, match="hex"):
        read_hex(Field("12345"), "tac", max_digits=4)
    with pytest.raises(ValueError, match="4 characters"):
        read_nibble(Field("01010"), "edrx")
    with pytest.raises(ValueError, match="decimal digits"):
        read_digits(Field("46000"), "imsi", low_digits=6, high_digits=15)
    with pytest.raises(ValueError, match="decimal digits"):
        read_digits(Field("٤٦٠٠٠١"), "imsi", low_digits=6, high_digits=15)


_plain = st.text(st.characters(exclude_characters=',"()', exclude_categories=("Cs",)), max_size=8)
_quoted = st.text(st.characters(exclude_characters='"', exclude_categories=("Cs",)), max_size=8)


@given(st.lists(st.one_of(_plain.map(Field), _quoted.map(lambda t: Field(t, is_quoted=True))), min_size=1))
def test_joined_fields_split_back(fields: list[Field]) -> None:
    expected = tuple(Field(f.text.strip(" \t")) if not f.is_quoted else f for f in fields)
    joined = ",".join(f'"{f.text}"' if f.is_quoted else f.text for f in fields)
    assume(joined.strip(" \t"))  # an empty text has no fields at all
    assert split_fields(joined) == expected


@given(st.lists(st.one_of(_plain.map(Field), _quoted.map(lambda t: Field(t, is_quoted=True))), max_size=5))
def test_a_group_of_fields_splits_back_from_inside_its_parentheses(fields: list[Field]) -> None:
    inner = ",".join(f'"{f.text}"' if f.is_quoted else f.text for f in fields)
    (group,) = split_fields(f"({inner})")
    assert group.text == f"({inner})"
    if inner.strip(" \t"):
        assert split_fields(group.text[1:-1]) == split_fields(inner)
