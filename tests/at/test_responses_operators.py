"""harness.at.responses.operators: +COPS? and the AT+COPS=? list (cellular-iot.md §1.4; BC660K manual
§7.2 [S5]; RM520N capture [S14])."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Cops, CopsEntry, CopsList, parse, parse_as
from tests.at.test_responses import SEPARATORS, assert_refused, quirky_line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('+COPS: 0,2,"46000", 9', Cops(mode=0, format=2, oper="46000", act=9)),
        ('+COPS: 0,0,"999 70 Magic",11', Cops(mode=0, format=0, oper="999 70 Magic", act=11)),
        ("+COPS: 0", Cops(mode=0, format=None, oper=None, act=None)),
        ('+COPS: 1,2,"310410"', Cops(mode=1, format=2, oper="310410", act=None)),
        ("+COPS: 2", Cops(mode=2, format=None, oper=None, act=None)),
    ],
)
def test_read_form(line: str, expected: Cops) -> None:
    assert parse(line) == expected


def test_the_bc660k_list_with_its_supported_modes() -> None:
    line = (
        '+COPS: (2,"CHINA MOBILE","CMCC","46000",9),(3,"CHINA UNICOMM","CUCC","46001",9),(1,"",'
        '"","21405",9),(1,"CHINA TELECOM","CTCC","46011",9),,(0-4),(0-2)'
    )
    assert parse_as(line, CopsList).entries == (
        CopsEntry(stat=2, long_name="CHINA MOBILE", short_name="CMCC", numeric="46000", act=9),
        CopsEntry(stat=3, long_name="CHINA UNICOMM", short_name="CUCC", numeric="46001", act=9),
        CopsEntry(stat=1, long_name=None, short_name=None, numeric="21405", act=9),
        CopsEntry(stat=1, long_name="CHINA TELECOM", short_name="CTCC", numeric="46011", act=9),
    )


def test_lists_without_operators_or_supported_modes() -> None:
    assert parse("+COPS: ,,(0-4),(0-2)") == CopsList(entries=())
    assert parse('+COPS: (1,"A, B","AB","00101")') == CopsList(
        entries=(CopsEntry(stat=1, long_name="A, B", short_name="AB", numeric="00101", act=None),)
    )


@pytest.mark.parametrize(
    "line",
    [
        "+COPS: 0,2",  # mode and format, or mode and AcT?
        '+COPS: 5,2,"46000",9',
        '+COPS: 0,3,"46000",9',
        '+COPS: 0,2,"4600",9',  # numeric oper is MCC + MNC
        '+COPS: 0,2,"46000x",9',
        '+COPS: 0,2,"46000",9,1',
        '+COPS: (2,"CMCC","CMCC","46000",9),(0-4),(0-2)',  # supported lists without the empty field
        '+COPS: (2,"CMCC","CMCC",9)',
        '+COPS: (4,"CMCC","CMCC","46000",9)',
        '+COPS: (2,"CMCC","CMCC","46000",9),,0-4',
        '+COPS: (2,"CMCC","CMCC","46000",9',
    ],
)
def test_unreadable_lines_are_refused(line: str) -> None:
    assert_refused(line)


_names = st.one_of(st.none(), st.text("ABCDEFGHIJ XYZ-&,.", min_size=1, max_size=16).filter(str.strip))
_plmn = st.integers(0, 999_999).map(lambda v: f"{v:06d}") | st.integers(0, 99_999).map(lambda v: f"{v:05d}")
_entry = st.builds(
    CopsEntry,
    stat=st.integers(0, 3),
    long_name=_names,
    short_name=_names,
    numeric=st.one_of(st.none(), _plmn),
    act=st.one_of(st.none(), st.sampled_from([7, 9, 11, 12])),
)


def render_entry(entry: CopsEntry) -> str:
    fields = [str(entry.stat), *(f'"{v or ""}"' for v in (entry.long_name, entry.short_name, entry.numeric))]
    return "(" + ",".join(fields + ([] if entry.act is None else [str(entry.act)])) + ")"


@given(entries=st.lists(_entry, max_size=5), has_modes=st.booleans(), separator=st.sampled_from(SEPARATORS))
def test_list_round_trip(entries: list[CopsEntry], has_modes: bool, separator: str) -> None:
    stripped = [
        CopsEntry(
            stat=e.stat,
            long_name=e.long_name.strip(" ") if e.long_name else None,
            short_name=e.short_name.strip(" ") if e.short_name else None,
            numeric=e.numeric,
            act=e.act,
        )
        for e in entries
    ]
    groups = [render_entry(e) for e in entries] + (["", "(0-4)", "(0-2)"] if has_modes or not entries else [])
    assert parse_as("+COPS: " + separator.join(groups), CopsList).entries == tuple(stripped)


@given(
    mode=st.sampled_from([0, 1, 4]),
    format_=st.integers(0, 2),
    plmn=_plmn,
    act=st.one_of(st.none(), st.sampled_from([7, 9, 11])),
    data=st.data(),
)
def test_read_round_trip(mode: int, format_: int, plmn: str, act: int | None, data: st.DataObject) -> None:
    oper = plmn if format_ == 2 else "CHINA MOBILE"
    values = [str(mode), str(format_), oper] + ([] if act is None else [str(act)])
    line = data.draw(quirky_line("+COPS", values, quoted=frozenset({2})))
    assert parse(line) == Cops(mode=mode, format=format_, oper=oper, act=act)
