from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.at.fields import Field, read_bits, read_hex, read_int, read_measurement, split_fields, split_line


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


@pytest.mark.parametrize("text", ['"abc', '1,"a"b', '"a" "b"'])
def test_split_refuses_broken_quotes(text: str) -> None:
    with pytest.raises(ValueError, match="quote"):
        split_fields(text)


def test_split_line_needs_a_colon() -> None:
    with pytest.raises(ValueError, match="':'"):
        split_line("Quectel")


def test_readers() -> None:
    assert read_int(Field(" 7 "), "x", low=0, high=9) == 7
    assert read_int(Field(""), "x", low=0, high=9) is None
    assert read_int(Field("99"), "x", low=0, high=63, unknown=99) is None
    assert read_hex(Field("00c3", is_quoted=True), "tac", max_digits=4) == "00C3"
    assert read_bits(Field("00100100"), "t") == "00100100"
    with pytest.raises(ValueError, match=r"outside 0\.\.9"):
        read_int(Field("10"), "x", low=0, high=9)
    with pytest.raises(ValueError, match="whole number"):
        read_int(Field("-1"), "x", low=-5, high=9)
    with pytest.raises(ValueError, match="empty"):
        read_measurement(Field(""), "rsrp", high=97, unknown=255)
    with pytest.raises(ValueError, match="hex"):
        read_hex(Field("12345"), "tac", max_digits=4)


_plain = st.text(st.characters(exclude_characters=',"', exclude_categories=("Cs",)), max_size=8)
_quoted = st.text(st.characters(exclude_characters='"', exclude_categories=("Cs",)), max_size=8)


@given(st.lists(st.one_of(_plain.map(Field), _quoted.map(lambda t: Field(t, is_quoted=True))), min_size=1))
def test_joined_fields_split_back(fields: list[Field]) -> None:
    expected = tuple(Field(f.text.strip(" \t")) if not f.is_quoted else f for f in fields)
    joined = ",".join(f'"{f.text}"' if f.is_quoted else f.text for f in fields)
    assume(joined.strip(" \t"))  # an empty text has no fields at all
    assert split_fields(joined) == expected
