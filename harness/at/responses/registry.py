"""at layer: the registry behind harness.at.responses.parse (DESIGN "Public names").

`parse(line, *, solicited=None)` returns a frozen dataclass, None for a line it does not know, and raises
ParseError for a known prefix it cannot read: never a wrong value. One parser per prefix, registered where it
is defined with @parses; the registry is filled at import and never changed afterwards.

`solicited` says whether the line answers a read command (True) or is a URC (False); None infers it from the
line's shape. Where the forms' field counts never overlap the count decides, and a `solicited` that disagrees
is a ParseError; where they overlap, the caller must say which it is (form_of).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from harness.at.fields import Field, split_line
from harness.errors import ParseError

Parser = Callable[[str, tuple[Field, ...], bool | None], object]
T = TypeVar("T")

_PARSERS: dict[str, Parser] = {}


def parses(*prefixes: str) -> Callable[[Parser], Parser]:
    """Register the decorated function as the parser of lines with these prefixes. It gets the line, its
    fields (fields.split_line) and `solicited`, and raises ValueError with a reason for a line it cannot
    read."""

    def register(parser: Parser) -> Parser:
        for prefix in prefixes:
            if prefix in _PARSERS:
                raise ValueError(f"{prefix} already has a parser")
            _PARSERS[prefix] = parser
        return parser

    return register


def parse(line: str, *, solicited: bool | None = None) -> object | None:
    """The line read into its dataclass; None for an unknown line; ParseError when it cannot be read."""
    prefix, colon, _ = line.strip(" \t").partition(":")
    parser = _PARSERS.get(prefix.strip(" \t")) if colon else None
    if parser is None:
        return None
    try:
        _, fields = split_line(line)
        return parser(line, fields, solicited)
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def parse_as(line: str, kind: type[T], *, solicited: bool | None = None) -> T:
    """parse(), insisting on one result type: ParseError when the line is anything else."""
    value = parse(line, solicited=solicited)
    if not isinstance(value, kind):
        raise ParseError(line, f"expected a {kind.__name__} line")
    return value


def known_prefixes() -> frozenset[str]:
    """Every prefix parse() reads."""
    return frozenset(_PARSERS)


def form_of(count: int, *, read: frozenset[int], urc: frozenset[int], solicited: bool | None) -> bool:
    """True for the read form, False for the URC form, from the field count and what the caller says."""
    is_read, is_urc = count in read, count in urc
    if solicited is None and is_read != is_urc:
        return is_read
    if solicited is True and is_read:
        return True
    if solicited is False and is_urc:
        return False
    expected = {True: "read", False: "URC", None: "read or URC"}[solicited]
    raise ValueError(f"{count} fields do not make a {expected} form")


def padded(fields: tuple[Field, ...], count: int) -> tuple[Field, ...]:
    """The fields, with empty ones added up to `count` (a line that stops early)."""
    return (*fields, *(Field(""),) * (count - len(fields)))


def count_between(fields: tuple[Field, ...], name: str, *, low: int, high: int) -> None:
    """ValueError unless the line has `low` to `high` fields."""
    if not low <= len(fields) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise ValueError(f"{name} has {expected} fields, this line {len(fields)}")
