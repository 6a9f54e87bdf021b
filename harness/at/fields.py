"""at layer: the parameters of an information line (`+CEREG: 2,"E485","093F9E11",7`), split and read.

Rules from TS 27.007 §4.1 and what modules really send (../shared/reference/cellular-iot.md §1.1 "Parser
rules", §6): commas inside quotes do not split; a parenthesised compound value (`(2,"CMCC","46000",9)` in the
+COPS=? list, `(0-5)` in a test command's answer) is one field, its parentheses kept; fields may be empty
(`,,`) and a line may stop early; quotes are optional where vendors differ (+CGPADDR, +CGSN); spaces after
commas (BC660K `+CSCON: 0, 0`), before them (`+CREG: 0 , 6`) and BC95's missing space after the colon are
tolerated; hex may be lowercase. Every reader raises ValueError with a reason, never guesses.
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
    if '"' not in text and "(" not in text:  # most lines: nothing to honour, so plain splitting is exact
        return tuple(Field(part.strip(" \t")) for part in text.split(","))
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
    start = at
    while start < len(text) and text[start] in " \t":
        start += 1
    if text.startswith('"', start):
        closing = text.find('"', start + 1)
        if closing < 0:
            raise ValueError(f"unbalanced quote at character {start}")
        quoted = Field(text[start + 1 : closing], is_quoted=True)
        return _field_end(text, closing + 1, quoted, "a quoted field")
    if text.startswith("(", start):
        closing = _group_end(text, start)
        return _field_end(text, closing + 1, Field(text[start : closing + 1]), "a parenthesised value")
    comma = text.find(",", at)
    raw = text[at:] if comma < 0 else text[at:comma]
    return Field(raw.strip(" \t")), len(text) if comma < 0 else comma


def _group_end(text: str, opening: int) -> int:
    """The index of the parenthesis closing the one at `opening`, quotes honoured."""
    depth = 0
    at = opening
    while at < len(text):
        char = text[at]
        if char == '"':
            closing = text.find('"', at + 1)
            if closing < 0:
                raise ValueError(f"unbalanced quote at character {at}")
            at = closing
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if not depth:
                return at
        at += 1
    raise ValueError(f"unbalanced parenthesis at character {opening}")


def _field_end(text: str, after: int, field: Field, what: str) -> tuple[Field, int]:
    """`field` if only blanks follow it up to the next comma, and that comma's index (or the end)."""
    comma = text.find(",", after)
    tail = text[after:] if comma < 0 else text[after:comma]
    if tail.strip(" \t"):
        raise ValueError(f"unexpected {tail.strip()!r} after {what}")
    return field, len(text) if comma < 0 else comma


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


def read_nibble(field: Field, name: str) -> str | None:
    """A 4-character bit string field (an eDRX or PTW value, 24.008 §10.5.5.32); None when empty."""
    text = field.text.strip(" \t")
    if not text:
        return None
    if len(text) != 4 or set(text) - {"0", "1"}:
        raise ValueError(f"{name} {text!r} is not 4 characters of 0 and 1")
    return text


def read_digits(field: Field, name: str, *, low_digits: int, high_digits: int) -> str:
    """A mandatory string of decimal digits, `low_digits` to `high_digits` long (IMSI, IMEI, PLMN)."""
    text = field.text.strip(" \t")
    if not (text.isascii() and text.isdigit() and low_digits <= len(text) <= high_digits):
        raise ValueError(f"{name} {text!r} is not {low_digits} to {high_digits} decimal digits")
    return text
