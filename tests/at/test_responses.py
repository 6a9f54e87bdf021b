from __future__ import annotations

import contextlib
import dataclasses
import ipaddress

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.at.responses import (
    Cereg,
    Cesq,
    Cgpaddr,
    CmeError,
    CmsError,
    Cpin,
    Cscon,
    Csq,
    parse,
    parse_as,
)
from harness.at.timers import decode_gprs_timer2, decode_gprs_timer3
from harness.errors import ParseError


def cereg(**fields: object) -> Cereg:
    base: dict[str, object] = {f.name: None for f in dataclasses.fields(Cereg)}  # None unless given
    base.update(fields)
    return Cereg(**base)  # type: ignore[arg-type]


# Real and illustrative lines from ../shared/reference/cellular-iot.md §1.1.
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('+CEREG: 2,"E485","093F9E11",7', cereg(stat=2, tac="E485", ci="093F9E11", act=7)),
        (
            '+CEREG: 1,"E485","093F9E11",7,,,"11100000","11100000"',
            cereg(
                stat=1,
                tac="E485",
                ci="093F9E11",
                act=7,
                active_time_bits="11100000",
                periodic_tau_bits="11100000",
            ),
        ),
        (
            '+CEREG: 1,"0001","01A2D002",7,,,"00100110","11100000"',
            cereg(
                stat=1,
                tac="0001",
                ci="01A2D002",
                act=7,
                active_time_bits="00100110",
                periodic_tau_bits="11100000",
                active_time_s=360,
            ),
        ),
        (
            '+CEREG: 4,5,"54DB","0F6B0578",7,,,"00100100","01000111"',
            cereg(
                n=4,
                stat=5,
                tac="54DB",
                ci="0F6B0578",
                act=7,
                active_time_bits="00100100",
                periodic_tau_bits="01000111",
                active_time_s=240,
                periodic_tau_s=70 * 3600,
            ),
        ),
        (
            '+CEREG: 3,3,"4C10","05C4EF33",9,0,15',
            cereg(n=3, stat=3, tac="4C10", ci="05C4EF33", act=9, cause_type=0, reject_cause=15),
        ),
        ("+CEREG: 2,0", cereg(n=2, stat=0)),
        ("+CEREG: 4", cereg(stat=4)),
        ("+CEREG:5", cereg(stat=5)),
        ('+CEREG: 1, "4c10", "05c4ef33", 9', cereg(stat=1, tac="4C10", ci="05C4EF33", act=9)),
        ("+CEREG: 1,4C10,05C4EF33,9", cereg(stat=1, tac="4C10", ci="05C4EF33", act=9)),
        ("+CEREG: 90", cereg(stat=90)),
    ],
)
def test_cereg_lines(line: str, expected: Cereg) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize(
    ("line", "solicited"),
    [
        ("+CEREG: 1,2,3", None),  # 3 fields: neither form
        ("+CEREG: 2,5", False),  # read shape, but said to be a URC
        ("+CEREG: 5", True),  # URC shape, but said to answer a read
        ("+CEREG:", None),
        ("+CEREG: x", None),
        ("+CEREG: 6,1", None),  # n is 0..5
        ('+CEREG: 1,"GG10","05C4EF33",9', None),
        ('+CEREG: 1,"04C10","05C4EF33",9', None),  # TAC is 2 bytes
        ('+CEREG: 1,"4C10","1FFFFFFF",9', None),  # CI is 28 bits
        ('+CEREG: 1,"4C10","05C4EF33",9,,,"0010001","11100000"', None),
        ('+CEREG: 1,"4C10,"05C4EF33",9', None),  # unbalanced quotes
        ('+CEREG: 1,"4C10"x,"05C4EF33",9', None),
        ("+CEREG: (0-5)", None),  # a test command's answer is not a status
    ],
)
def test_cereg_lines_that_cannot_be_read(line: str, solicited: bool | None) -> None:
    with pytest.raises(ParseError) as raised:
        parse(line, solicited=solicited)
    assert raised.value.line == line


def test_cesq_converts_to_lower_range_edges() -> None:
    assert parse("+CESQ: 99,99,255,255,25,61") == Cesq(
        rxlev=None, ber=None, rscp=None, ecno=None, rsrq=25, rsrp=61, rsrq_db=-7.5, rsrp_dbm=-80
    )
    edges = parse_as("+CESQ: 0,0,0,0,0,97", Cesq)
    assert (edges.rsrq_db, edges.rsrp_dbm) == (-20.0, -44)
    unknown = parse_as("+CESQ: 99,99,255,255,255,255", Cesq)
    assert (unknown.rsrq, unknown.rsrp_dbm) == (None, None)


@pytest.mark.parametrize(
    "line",
    [
        "+CESQ: 99,99,255,255,35,61",
        "+CESQ: 99,99,255,255,25,98",
        "+CESQ: 99,99,255,255,25",
        "+CESQ: 99,,255,255,25,61",
    ],
)
def test_cesq_out_of_range_or_short_is_refused(line: str) -> None:
    with pytest.raises(ParseError):
        parse(line)


def test_csq() -> None:
    assert parse("+CSQ: 22,0") == Csq(rssi=22, ber=0, rssi_dbm=-69)
    assert parse("+CSQ: 99,99") == Csq(rssi=None, ber=None, rssi_dbm=None)
    assert parse_as("+CSQ: 31,99", Csq).rssi_dbm == -51
    with pytest.raises(ParseError):
        parse("+CSQ: 32,0")


def test_cpin() -> None:
    assert parse_as("+CPIN: READY", Cpin).is_ready
    assert parse("+CPIN: SIM PIN") == Cpin(code="SIM PIN")
    assert not parse_as('+CPIN: "SIM PUK"', Cpin).is_ready
    with pytest.raises(ParseError):
        parse("+CPIN:")


@pytest.mark.parametrize(
    ("line", "cid", "addrs"),
    [
        ('+CGPADDR: 0,"100.68.114.220"', 0, ["100.68.114.220"]),
        ("+CGPADDR: 1,10.0.0.2", 1, ["10.0.0.2"]),
        ('+CGPADDR: 1,"10.0.0.2","2001:db8::1"', 1, ["10.0.0.2", "2001:db8::1"]),
        ('+CGPADDR: 1,"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"', 1, ["2001:db8::1"]),
        ("+CGPADDR: 1", 1, []),
        ('+CGPADDR: 1,""', 1, []),
    ],
)
def test_cgpaddr(line: str, cid: int, addrs: list[str]) -> None:
    value = parse_as(line, Cgpaddr)
    assert value.cid == cid
    assert value.ip_addrs == tuple(ipaddress.ip_address(a) for a in addrs)


def test_cgpaddr_keeps_the_raw_fields_and_refuses_non_addresses() -> None:
    value = parse_as('+CGPADDR: 1,"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"', Cgpaddr)
    assert value.pdp_addr_1 == "32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"
    assert value.pdp_addr_2 is None
    with pytest.raises(ParseError, match="not an IPv4 or IPv6"):
        parse('+CGPADDR: 1,"10.0.0.256"')


def test_cscon_forms() -> None:
    assert parse("+CSCON: 1") == Cscon(n=None, mode=1, state=None, access=None)
    assert parse("+CSCON: 1,0", solicited=True) == Cscon(n=1, mode=0, state=None, access=None)
    assert parse("+CSCON: 1,7", solicited=False) == Cscon(n=None, mode=1, state=7, access=None)
    assert parse("+CSCON: 3,1,7,4") == Cscon(n=3, mode=1, state=7, access=4)
    with pytest.raises(ParseError, match="read or URC"):
        parse("+CSCON: 1,0")  # both forms have 2 fields: the caller must say


def test_error_result_codes() -> None:
    assert parse("+CME ERROR: 10") == CmeError(code=10, text=None)
    assert parse("+CME ERROR: SIM not inserted") == CmeError(code=None, text="SIM not inserted")
    assert parse("+CMS ERROR: 500") == CmsError(code=500, text=None)
    with pytest.raises(ParseError):
        parse("+CME ERROR:")


@pytest.mark.parametrize("line", ["OK", "", "RDY", "+FOO: 1", "AT+CEREG?", "Quectel", "+CEREGX: 1"])
def test_unknown_lines_are_none(line: str) -> None:
    assert parse(line) is None


def test_parse_as_insists_on_the_type() -> None:
    with pytest.raises(ParseError, match="expected a Csq"):
        parse_as("+CESQ: 99,99,255,255,25,61", Csq)
    with pytest.raises(ParseError):
        parse_as("OK", Csq)


# --- properties -------------------------------------------------------------------------------------

_hex4 = st.text("0123456789abcdefABCDEF", min_size=4, max_size=4)
_ci = st.integers(min_value=0, max_value=(1 << 28) - 1).map(lambda v: f"{v:08X}")
_bits = st.integers(min_value=0, max_value=255).map(lambda v: f"{v:08b}")


def render(values: list[str | None], *, quoted: set[int], spaced: bool) -> str:
    fields = ["" if v is None else (f'"{v}"' if i in quoted else v) for i, v in enumerate(values)]
    return (", " if spaced else ",").join(fields)


@given(
    n=st.integers(min_value=0, max_value=5),
    stat=st.sampled_from([0, 1, 2, 3, 4, 5, 90]),
    tac=_hex4,
    ci=_ci,
    act=st.sampled_from([7, 9]),
    cause=st.tuples(st.integers(0, 1), st.integers(0, 255)),
    timers=st.tuples(_bits, _bits),
    lower=st.booleans(),
    spaced=st.booleans(),
    is_quoted=st.booleans(),
    is_read=st.booleans(),
    say_form=st.booleans(),
    registered=st.booleans(),
)
def test_cereg_round_trip(
    n: int,
    stat: int,
    tac: str,
    ci: str,
    act: int,
    cause: tuple[int, int],
    timers: tuple[str, str],
    lower: bool,
    spaced: bool,
    is_quoted: bool,
    is_read: bool,
    say_form: bool,
    registered: bool,
) -> None:
    assume(n > 0 or is_read)  # n=0 disables the URC
    ci = ci.lower() if lower else ci
    values: list[str | None] = [str(stat)]
    if n >= 2 and registered:
        values += [tac, ci, str(act)]
    if n == 3 and registered:
        values += [str(cause[0]), str(cause[1])]
    if n in (4, 5) and registered:
        values += [str(cause[0]), str(cause[1])] if n == 5 else [None, None]
        values += list(timers)
    quoted = {1, 2, 6, 7} if is_quoted else set()
    head: list[str | None] = [str(n)] if is_read else []
    line = "+CEREG: " + render(head + values, quoted={q + is_read for q in quoted}, spaced=spaced)
    value = parse_as(line, Cereg, solicited=is_read if say_form else None)
    assert value.n == (n if is_read else None)
    assert value.stat == stat
    has_location = n >= 2 and registered
    assert value.tac == (tac.upper() if has_location else None)
    assert value.ci == (ci.upper() if has_location else None)
    assert value.act == (act if has_location else None)
    has_cause = registered and n in (3, 5)
    assert (value.cause_type, value.reject_cause) == (cause if has_cause else (None, None))
    has_timers = registered and n in (4, 5)
    assert value.active_time_bits == (timers[0] if has_timers else None)
    assert value.periodic_tau_s == (decode_gprs_timer3(timers[1]) if has_timers else None)
    assert value.active_time_s == (decode_gprs_timer2(timers[0]) if has_timers else None)


_cesq_field = [
    st.one_of(st.integers(0, 63), st.just(99)),
    st.one_of(st.integers(0, 7), st.just(99)),
    st.one_of(st.integers(0, 96), st.just(255)),
    st.one_of(st.integers(0, 49), st.just(255)),
    st.one_of(st.integers(0, 34), st.just(255)),
    st.one_of(st.integers(0, 97), st.just(255)),
]


@given(values=st.tuples(*_cesq_field), spaced=st.booleans())
def test_cesq_round_trip(values: tuple[int, ...], spaced: bool) -> None:
    value = parse_as("+CESQ: " + render([str(v) for v in values], quoted=set(), spaced=spaced), Cesq)
    raw = (value.rxlev, value.ber, value.rscp, value.ecno, value.rsrq, value.rsrp)
    assert raw == tuple(None if v in (99, 255) else v for v in values)
    assert value.rsrp_dbm == (None if values[5] == 255 else values[5] - 141)
    assert value.rsrq_db == (None if values[4] == 255 else values[4] / 2 - 20)


@given(
    prefix=st.sampled_from(
        ["+CEREG: ", "+CESQ: ", "+CSQ: ", "+CPIN: ", "+CGPADDR: ", "+CSCON: ", "+CME ERROR: "]
    ),
    rest=st.text(max_size=60),
    solicited=st.sampled_from([None, True, False]),
)
def test_any_line_is_read_or_refused_with_parse_error(prefix: str, rest: str, solicited: bool | None) -> None:
    with contextlib.suppress(ParseError):
        assert parse(prefix + rest, solicited=solicited) is not None  # a known prefix is never None
