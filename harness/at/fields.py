"""at layer: the parameters of an information line (`+CEREG: 2,"E485","093F9E11",7`), split and read.

Rules from TS 27.007 §4.1 and what modules really send (../shared/reference/cellular-iot.md §1.1 "Parser
rules", §6): commas inside quotes do not split; fields may be empty (`,,`) and a line may stop early; quotes
are optional where vendors differ (+CGPADDR, +CGSN); spaces after commas and BC95's missing space after the
colon are tolerated; hex may be lowercase. Every reader raises ValueError with a reason, never guesses.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

_HEX_DIGITS = frozenset(string.hexdigits)


@dataclass(frozen=True, slots=True)
class Field:
    """One parameter: its text without quotes, and whether it was quoted."""

    text: str
    is_quoted: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.text


def split_line(line: str) -> tuple[str, tuple[Field, ...]]:
    """`+CSQ: 22,99` -> (`+CSQ`, fields). ValueError when the line has no `<prefix>:`."""
    prefix, colon, rest = line.strip(" \t").partition(":")
    if not colon:
        raise ValueError("no ':' after the prefix")
    return prefix.strip(" \t"), split_fields(rest)


def split_fields(text: str) -> tuple[Field, ...]:
    """Comma-separated fields, quotes honoured. An empty text has no fields."""
    if not text.strip(" \t"):
        return ()
    fields: list[Field] = []
    at = 0
    while True:
        field, at = _read_field(text, at)
        fields.append(field)
        if at >= len(text):
            return tuple(fields)
        at += 1  # the comma


def _read_field(text: str, at: int) -> tuple[Field, int]:
    """The field starting at `at`, and the index of the comma (or end) after it."""
    comma = text.find(",", at)
    raw = text[at:] if comma < 0 else text[at:comma]
    if not raw.strip(" \t").startswith('"'):
        return Field(raw.strip(" \t")), len(text) if comma < 0 else comma
    opening = text.index('"', at)
    closing = text.find('"', opening + 1)
    if closing < 0:
        raise ValueError(f"unbalanced quote at character {opening}")
    after = text.find(",", closing)
    tail = text[closing + 1 :] if after < 0 else text[closing + 1 : after]
    if tail.strip(" \t"):
        raise ValueError(f"unexpected {tail.strip()!r} after a quoted field")
    return Field(text[opening + 1 : closing], is_quoted=True), len(text) if after < 0 else after


def read_int(field: Field, name: str, *, low: int, high: int, unknown: int | None = None) -> int | None:
    """An integer field in [low, high]; None when empty or equal to `unknown` (27.007's 99/255)."""
    text = field.text.strip(" \t")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{name} {text!r} is not a whole number")
    value = int(text)
    if value == unknown:
        return None
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is outside {low}..{high}")
    return value


def require_int(field: Field, name: str, *, low: int, high: int) -> int:
    value = read_int(field, name, low=low, high=high)
    if value is None:
        raise ValueError(f"{name} is empty")
    return value


def read_measurement(field: Field, name: str, *, high: int, unknown: int) -> int | None:
    """A mandatory 0..high field whose `unknown` code (99 or 255) becomes None."""
    if field.is_empty:
        raise ValueError(f"{name} is empty")
    return read_int(field, name, low=0, high=high, unknown=unknown)


def read_hex(field: Field, name: str, *, max_digits: int) -> str | None:
    """A hex string field (TAC, cell id), upper-cased; None when empty."""
    text = field.text.strip(" \t")
    if not text:
        return None
    if len(text) > max_digits or set(text) - _HEX_DIGITS:
        raise ValueError(f"{name} {text!r} is not a hex string of at most {max_digits} digits")
    return text.upper()


def read_bits(field: Field, name: str) -> str | None:
    """An 8-character bit string field (a 24.008 timer octet); None when empty."""
    text = field.text.strip(" \t")
    if not text:
        return None
    if len(text) != 8 or set(text) - {"0", "1"}:
        raise ValueError(f"{name} {text!r} is not 8 characters of 0 and 1")
    return text


def read_text(field: Field) -> str | None:
    """A string field without its quotes; None when empty."""
    return field.text.strip(" \t") or None
