"""+CRSM and +CSIM answers (TS 27.007 §8.17, §8.18) read by harness.at.responses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Crsm, Csim, parse
from harness.errors import ParseError


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '+CRSM: 144,0,"98101430121181157002"',
            Crsm(sw1=144, sw2=0, response=bytes.fromhex("98101430121181157002")),
        ),
        ("+CRSM: 144,0,0bf6", Crsm(sw1=144, sw2=0, response=b"\x0b\xf6")),
        ("+CRSM: 106,130", Crsm(sw1=0x6A, sw2=0x82, response=b"")),
        ('+CRSM: 144,0,""', Crsm(sw1=144, sw2=0, response=b"")),
    ],
)
def test_crsm(line: str, expected: Crsm) -> None:
    assert parse(line) == expected


def test_csim_splits_the_status_word_off() -> None:
    assert parse('+CSIM: 8,"00F19000"') == Csim(length=8, response=b"\x00\xf1", sw1=0x90, sw2=0x00)


@pytest.mark.parametrize(
    "line",
    [
        "+CRSM: 144",
        "+CRSM: 256,0",
        '+CRSM: 144,0,"ABC"',
        '+CRSM: 144,0,"XY"',
        '+CSIM: 6,"9000"',
        "+CSIM: 2,90",
    ],
)
def test_unreadable_lines_are_parse_errors(line: str) -> None:
    with pytest.raises(ParseError):
        parse(line)


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=64))
def test_crsm_round_trip(sw1: int, sw2: int, data: bytes) -> None:
    assert parse(f'+CRSM: {sw1},{sw2},"{data.hex()}"') == Crsm(sw1=sw1, sw2=sw2, response=data)


@given(st.binary(min_size=2, max_size=64))
def test_csim_round_trip(answer: bytes) -> None:
    csim = parse(f'+CSIM: {2 * len(answer)},"{answer.hex().upper()}"')
    assert csim == Csim(length=2 * len(answer), response=answer[:-2], sw1=answer[-2], sw2=answer[-1])
