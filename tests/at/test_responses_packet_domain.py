"""harness.at.responses.packet_domain: +CGDCONT, +CGACT, +CGPADDR and +CSCON (cellular-iot.md §1.4; BC660K
manual §4.4, §4.6, §5.1, §5.4 [S5]; RM520N capture [S14])."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Cgact, Cgdcont, Cgpaddr, Cscon, parse, parse_as
from tests.at.test_responses import assert_refused, quirky_line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '+CGDCONT: 0 ,"IP","CMNBIOT","100.81.144.240"',
            Cgdcont(
                cid=0,
                pdp_type="IP",
                apn="CMNBIOT",
                pdp_addr="100.81.144.240",
                d_comp=None,
                h_comp=None,
                options=(),
            ),
        ),
        (
            '+CGDCONT: 1,"IP","CMNET"',
            Cgdcont(cid=1, pdp_type="IP", apn="CMNET", pdp_addr=None, d_comp=None, h_comp=None, options=()),
        ),
        (
            '+CGDCONT: 1,"IP","oai","0.0.0.0",0,0,0,0,,,,,,,,,"",,,,0',
            Cgdcont(
                cid=1,
                pdp_type="IP",
                apn="oai",
                pdp_addr="0.0.0.0",
                d_comp=0,
                h_comp=0,
                options=("0", "0", *(None,) * 12, "0"),
            ),
        ),
        (
            '+CGDCONT: 2,"Non-IP",""',
            Cgdcont(cid=2, pdp_type="Non-IP", apn=None, pdp_addr=None, d_comp=None, h_comp=None, options=()),
        ),
        ("+CGACT: 1,0", Cgact(cid=1, state=0)),
        ("+CGACT: 0, 1", Cgact(cid=0, state=1)),
    ],
)
def test_golden_lines(line: str, expected: object) -> None:
    assert parse(line) == expected


def test_cgact_says_whether_active() -> None:
    assert parse_as("+CGACT: 0,1", Cgact).is_active
    assert not parse_as("+CGACT: 0,0", Cgact).is_active


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


def test_cgpaddr_keeps_the_raw_fields() -> None:
    value = parse_as('+CGPADDR: 1,"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"', Cgpaddr)
    assert value.pdp_addr_1 == "32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"
    assert value.pdp_addr_2 is None


def test_cscon_forms() -> None:
    assert parse("+CSCON: 1") == Cscon(n=None, mode=1, state=None, access=None)
    assert parse("+CSCON: 0, 0", solicited=True) == Cscon(n=0, mode=0, state=None, access=None)
    assert parse("+CSCON: 1,7", solicited=False) == Cscon(n=None, mode=1, state=7, access=None)
    assert parse("+CSCON: 3,1,7,4") == Cscon(n=3, mode=1, state=7, access=4)


@pytest.mark.parametrize(
    ("line", "solicited"),
    [
        ("+CGDCONT: 1", None),
        ('+CGDCONT: 1,""', None),
        ('+CGDCONT: x,"IP"', None),
        ('+CGDCONT: (0-10),("IP","IPV6","IPV4V6","Non-IP"),,,,,(0,1)', None),
        ("+CGACT: 1", None),
        ("+CGACT: 1,2", None),
        ("+CGACT: (0,1)", None),
        ('+CGPADDR: 1,"10.0.0.256"', None),
        ('+CGPADDR: 1,"10.0.0.1","::1","::2"', None),
        ("+CGPADDR: (0)", None),
        ("+CSCON: 1,0", None),  # both forms have 2 fields: the caller must say
        ("+CSCON: 2", None),
        ("+CSCON: 1,0,0,0,0", True),
    ],
)
def test_unreadable_lines_are_refused(line: str, solicited: bool | None) -> None:
    assert_refused(line, solicited=solicited)


_apn = st.one_of(
    st.none(),
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", min_size=1, max_size=20),
)


@given(
    cid=st.integers(0, 15),
    pdp_type=st.sampled_from(["IP", "IPV6", "IPV4V6", "Non-IP"]),
    apn=_apn,
    addr=st.one_of(st.none(), st.ip_addresses(v=4).map(str)),
    comp=st.tuples(st.integers(0, 3), st.integers(0, 4)),
    extra=st.lists(st.one_of(st.none(), st.integers(0, 3).map(str)), max_size=12),
    data=st.data(),
)
def test_cgdcont_round_trip(
    cid: int,
    pdp_type: str,
    apn: str | None,
    addr: str | None,
    comp: tuple[int, int],
    extra: list[str | None],
    data: st.DataObject,
) -> None:
    values = [str(cid), pdp_type, apn, addr, str(comp[0]), str(comp[1]), *extra]
    value = parse_as(data.draw(quirky_line("+CGDCONT", values)), Cgdcont)
    assert value == Cgdcont(
        cid=cid,
        pdp_type=pdp_type,
        apn=apn,
        pdp_addr=addr,
        d_comp=comp[0],
        h_comp=comp[1],
        options=tuple(extra),
    )


@given(cid=st.integers(0, 255), state=st.integers(0, 1), data=st.data())
def test_cgact_round_trip(cid: int, state: int, data: st.DataObject) -> None:
    assert parse(data.draw(quirky_line("+CGACT", [str(cid), str(state)]))) == Cgact(cid=cid, state=state)


@given(
    cid=st.integers(0, 255),
    addrs=st.lists(st.ip_addresses(), max_size=2),
    is_dotted_v6=st.booleans(),
    data=st.data(),
)
def test_cgpaddr_round_trip(
    cid: int,
    addrs: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
    is_dotted_v6: bool,
    data: st.DataObject,
) -> None:
    def render(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
        if addr.version == 6 and is_dotted_v6:
            return ".".join(str(b) for b in addr.packed)  # 27.007's 16 dotted decimal octets
        return str(addr)

    texts = [render(a) for a in addrs]
    line = data.draw(quirky_line("+CGPADDR", [str(cid), *texts], quoted=frozenset({1, 2})))
    value = parse_as(line, Cgpaddr)
    assert (value.cid, value.ip_addrs) == (cid, tuple(addrs))
    assert [value.pdp_addr_1, value.pdp_addr_2][: len(texts)] == texts


@given(
    n=st.integers(0, 3),
    mode=st.integers(0, 1),
    tail=st.lists(st.integers(0, 255), max_size=2),
    is_read=st.booleans(),
    data=st.data(),
)
def test_cscon_round_trip(n: int, mode: int, tail: list[int], is_read: bool, data: st.DataObject) -> None:
    values = [str(n)] * is_read + [str(mode), *map(str, tail)]
    value = parse_as(data.draw(quirky_line("+CSCON", values)), Cscon, solicited=is_read)
    padded = [*tail, None, None]
    assert value == Cscon(n=n if is_read else None, mode=mode, state=padded[0], access=padded[1])
