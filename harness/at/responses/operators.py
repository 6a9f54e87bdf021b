"""at layer: operator selection +COPS (TS 27.007 §7.3; ../shared/reference/cellular-iot.md §1.4; BC660K
manual §7.2 [S5]): the read form and the AT+COPS=? list.

- Read: `+COPS: <mode>[,<format>,<oper>][,<AcT>]`, so 1, 3 or 4 fields (BC660K `+COPS: 0,2,"46000", 9`;
  RM520N `+COPS: 0,0,"999 70 Magic",11`). A 2-field line cannot be told apart and is refused.
- List: `+COPS: [list of (<stat>,long <oper>,short <oper>,numeric <oper>[,<AcT>])s][,,(list of supported
  <mode>s),(list of supported <format>s)]` (BC660K `+COPS: (2,"CHINA MOBILE","CMCC","46000",9),...,,(0-4),
  (0-2)`). Entries run up to the empty field; the supported-value lists after it are ignored. A name that is
  unavailable is an empty field and reads as None.
The two are told apart by shape: a list starts with a parenthesis or an empty field.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at.fields import Field, read_int, read_text, require_int, split_fields
from harness.at.responses.registry import count_between, parses

_NUMERIC_FORMAT = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Cops:
    """+COPS? : mode (0 automatic, 1 manual, 2 deregistered, 4 manual/automatic), format (0 long, 1 short,
    2 numeric) and oper as the module gives them, and the access technology (7 E-UTRAN, 9 NB-S1, 11 NR)."""

    mode: int
    format: int | None
    oper: str | None
    act: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CopsEntry:
    """One operator of the AT+COPS=? list: stat 0 unknown, 1 available, 2 current, 3 forbidden."""

    stat: int
    long_name: str | None
    short_name: str | None
    numeric: str | None
    act: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CopsList:
    """The AT+COPS=? answer: the operators found, in the order the module lists them."""

    entries: tuple[CopsEntry, ...]


@parses("+COPS")
def _read_cops(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cops | CopsList:
    if fields and (fields[0].is_empty or fields[0].text.startswith("(")):
        return _read_list(fields)
    if len(fields) == 2:
        raise ValueError("+COPS? has 1, 3 or 4 fields: 2 cannot be read as mode and format, or mode and AcT")
    count_between(fields, "+COPS?", low=1, high=4)
    padded_fields = (*fields, Field(""), Field(""), Field(""))
    format_ = read_int(padded_fields[1], "format", low=0, high=2)
    oper = read_text(padded_fields[2])
    if format_ == _NUMERIC_FORMAT and oper is not None:
        _check_plmn(oper)
    return Cops(
        mode=require_int(fields[0], "mode", low=0, high=4),
        format=format_,
        oper=oper,
        act=read_int(padded_fields[3], "AcT", low=0, high=255),
    )


def _read_list(fields: tuple[Field, ...]) -> CopsList:
    entries: list[CopsEntry] = []
    for index, field in enumerate(fields):
        if field.is_empty:
            _check_supported_lists(fields[index + 1 :])
            break
        entries.append(_read_entry(field))
    return CopsList(entries=tuple(entries))


def _read_entry(field: Field) -> CopsEntry:
    if not (field.text.startswith("(") and field.text.endswith(")")):
        raise ValueError(f"operator entry {field.text!r} is not parenthesised")
    values = split_fields(field.text[1:-1])
    count_between(values, "an operator entry", low=4, high=5)
    numeric = read_text(values[3])
    if numeric is not None:
        _check_plmn(numeric)
    return CopsEntry(
        stat=require_int(values[0], "stat", low=0, high=3),
        long_name=read_text(values[1]),
        short_name=read_text(values[2]),
        numeric=numeric,
        act=read_int(values[4], "AcT", low=0, high=255) if len(values) == 5 else None,
    )


def _check_supported_lists(fields: tuple[Field, ...]) -> None:
    for field in fields:
        if not field.is_empty and not (field.text.startswith("(") and field.text.endswith(")")):
            raise ValueError(f"{field.text!r} after the operators is not a list of supported values")


def _check_plmn(oper: str) -> None:
    """A numeric operator: MCC (3 digits) and MNC (2 or 3 digits), TS 23.003 §2.2."""
    if not (oper.isascii() and oper.isdigit() and len(oper) in (5, 6)):
        raise ValueError(f"numeric oper {oper!r} is not 5 or 6 digits (MCC + MNC)")
