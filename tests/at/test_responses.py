"""harness.at.responses as a whole: the registry (parse, parse_as, @parses), lines it does not know, and the
promise that a known prefix is read or refused with a ParseError naming the line, never anything else.

Also the line renderer the per-group tests (test_responses_*.py) build their property tests on: it writes
valid values the way real modules bend the syntax (cellular-iot.md §1.1, §6; BC660K manual examples [S5]).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Csq, known_prefixes, parse, parse_as, parses
from harness.errors import ParseError

SEPARATORS = (",", ", ", " ,", " , ", ",  ")
AFTER_COLON = (":", ": ", ":  ")
TRAILERS = ("", " ", "  ", "\t")


@st.composite
def quirky_line(
    draw: st.DrawFn,
    prefix: str,
    values: Sequence[str | None],
    *,
    quoted: frozenset[int] = frozenset(),
    bare: frozenset[int] = frozenset(),
) -> str:
    """`prefix: v1,v2,...` with empty fields for None, and the quirks real modules show: a missing or an extra
    space after the colon, spaces around commas, trailing blanks, and quotes missing or added on any field
    except those that must be `quoted` (they hold commas) or stay `bare` (parenthesised lists)."""
    rendered = []
    for index, value in enumerate(values):
        if value is None:
            rendered.append("")
            continue
        is_quoted = index in quoted or (index not in bare and draw(st.booleans()))
        rendered.append(f'"{value}"' if is_quoted else value)
    text = rendered[0] if rendered else ""
    for field in rendered[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + field
    return prefix + draw(st.sampled_from(AFTER_COLON)) + text + draw(st.sampled_from(TRAILERS))


def read_or_refusal(line: str, *, solicited: bool | None = None) -> object:
    """What parse() returns, or the ParseError it raises."""
    try:
        return parse(line, solicited=solicited)
    except ParseError as exc:
        return exc


def assert_refused(line: str, *, solicited: bool | None = None) -> ParseError:
    """The line is a ParseError that names it."""
    with pytest.raises(ParseError) as raised:
        parse(line, solicited=solicited)
    assert raised.value.line == line
    assert repr(line) in str(raised.value)
    return raised.value


@pytest.mark.parametrize(
    "line",
    ["OK", "", "RDY", "+FOO: 1", "AT+CEREG?", "Quectel", "+CEREGX: 1", 'AT+CCLK="20/11/03,06:25:06+32"'],
)
def test_unknown_lines_and_echoes_are_none(line: str) -> None:
    assert parse(line) is None


def test_parse_as_insists_on_the_type() -> None:
    with pytest.raises(ParseError, match="expected a Csq"):
        parse_as("+CESQ: 99,99,255,255,25,61", Csq)
    with pytest.raises(ParseError):
        parse_as("OK", Csq)
    assert parse_as("+CSQ: 22,0", Csq).rssi == 22


def test_a_prefix_has_one_parser() -> None:
    with pytest.raises(ValueError, match="already has a parser"):
        parses("+CSQ")(lambda line, fields, solicited: None)


def test_every_command_group_is_registered() -> None:
    expected = {"+CEREG", "+CGREG", "+CREG", "+C5GREG", "+CESQ", "+CSQ", "+COPS", "+CGDCONT", "+CGACT"}
    expected |= {"+CGPADDR", "+CPSMS", "+CEDRXS", "+CEDRXRDP", "+CEDRXP", "+CSCON", "+CPIN", "+CCID"}
    expected |= {"+QCCID", "+ICCID", "+CGSN", "+CCLK", "+CME ERROR", "+CMS ERROR"}
    assert expected <= known_prefixes()


_NOISE = st.text(
    st.one_of(st.sampled_from(list('0123456789,"() +-./:ABCDEFabcdef\t')), st.characters(codec="utf-8")),
    max_size=80,
)


@given(
    prefix=st.sampled_from(sorted(known_prefixes())),
    colon=st.sampled_from(AFTER_COLON),
    rest=_NOISE,
    solicited=st.sampled_from([None, True, False]),
)
def test_any_text_after_a_known_prefix_is_read_or_refused_with_the_line(
    prefix: str, colon: str, rest: str, solicited: bool | None
) -> None:
    line = prefix + colon + rest
    outcome = read_or_refusal(line, solicited=solicited)
    if isinstance(outcome, ParseError):
        assert outcome.line == line
    else:
        assert outcome is not None  # a known prefix is never "unknown"


@given(prefix=st.sampled_from(sorted(known_prefixes())), repeat=st.integers(1_000, 20_000))
def test_very_long_lines_are_read_or_refused(prefix: str, repeat: int) -> None:
    for body in ("1," * repeat, '"' + "9" * repeat + '"', "(" * repeat, "\x00" * repeat):
        with contextlib.suppress(ParseError):
            parse(f"{prefix}: {body}")
