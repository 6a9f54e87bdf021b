"""harness.at.responses.identity: +CPIN, ICCID lines, +CGSN, +CCLK and the bare IMSI/IMEI readers
(cellular-iot.md §1.6; BC660K manual §2.5, §8.6, §8.11, §12.1 [S5]; RM520N +ICCID capture [S14])."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Cclk, Cgsn, Cpin, Iccid, parse, parse_as, read_imei, read_imsi
from harness.errors import ParseError
from tests.at.test_responses import assert_refused, quirky_line


def test_cpin() -> None:
    assert parse_as("+CPIN: READY", Cpin).is_ready
    assert parse("+CPIN: SIM PIN") == Cpin(code="SIM PIN")
    assert not parse_as('+CPIN: "SIM PUK"', Cpin).is_ready
    assert parse("+CPIN:READY ") == Cpin(code="READY")


@pytest.mark.parametrize(
    ("line", "iccid"),
    [
        ("+QCCID: 89860446091891372008", "89860446091891372008"),
        ("+ICCID: 8901260487759545390F", "8901260487759545390"),
        ('+CCID: "8944500102198304826"', "8944500102198304826"),
        ("+NCCID:89860317422030281234", "89860317422030281234"),
        ("%XICCID: 8901234567012345678F", "8901234567012345678"),
        ("+QCCID: 898604a6191870123456", "898604A6191870123456"),
        ("+QCCID: 8986044609189137200", "8986044609189137200"),
    ],
)
def test_iccid_lines(line: str, iccid: str) -> None:
    value = parse_as(line, Iccid)
    assert value.iccid == iccid
    assert value.text == line.partition(":")[2].strip(' "')


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "+CGSN: 866818039921444",
            Cgsn(value="866818039921444", imei="866818039921444", imeisv=None, svn=None),
        ),
        (
            '+CGSN: "4901542032375181"',
            Cgsn(value="4901542032375181", imei=None, imeisv="4901542032375181", svn=None),
        ),
        ("+CGSN: 01", Cgsn(value="01", imei=None, imeisv=None, svn="01")),
    ],
)
def test_cgsn(line: str, expected: Cgsn) -> None:
    assert parse(line) == expected


def test_cclk_quoted_and_not() -> None:
    bc660k = parse_as("+CCLK: 20/11/03,06:25:06+32", Cclk)
    assert bc660k.local_time == datetime(2020, 11, 3, 6, 25, 6, tzinfo=timezone(timedelta(hours=8)))
    assert bc660k.local_time.astimezone(UTC) == datetime(2020, 11, 2, 22, 25, 6, tzinfo=UTC)
    assert (bc660k.time, bc660k.zone_quarter_hours) == ("20/11/03,06:25:06+32", 32)
    example = parse_as('+CCLK: "14/05/06,22:10:00+08"', Cclk)
    assert example.local_time.utcoffset() == timedelta(hours=2)
    negative = parse_as('+CCLK: "2024/01/26,23:59:59-14"', Cclk)
    assert negative.local_time.utcoffset() == timedelta(hours=-3, minutes=-30)


@pytest.mark.parametrize(
    "line",
    [
        "+CPIN:",
        "+CPIN: READY,1",
        "+QCCID: 89860446091891372",
        "+QCCID: 898604460918913720081",
        "+ICCID: 8986044609189137200G",
        "+QCCID: 898 60446091891372008",
        "+CGSN: 86681803992144",
        "+CGSN: 86681803992144X",
        "+CGSN: (0-3)",
        '+CCLK: "20/11/03,06:25:06"',  # no zone: no aware time
        '+CCLK: "20/13/03,06:25:06+32"',
        '+CCLK: "20/02/30,06:25:06+32"',
        '+CCLK: "20/11/03,24:00:00+00"',
        '+CCLK: "20/11/03,06:25:06+96"',
        '+CCLK: "20/11/03","06:25:06+32"',
        "+CCLK: 20-11-03 06:25:06",
    ],
)
def test_unreadable_lines_are_refused(line: str) -> None:
    assert_refused(line)


def test_read_imsi_and_imei_from_answer_lines() -> None:
    assert read_imsi(["460001357924680"]) == "460001357924680"
    assert read_imsi(["AT+CIMI", "", "460001357924680 "]) == "460001357924680"
    assert read_imsi(["+CIMI: 00101123456789"]) == "00101123456789"
    assert read_imei(["866818039921444"]) == "866818039921444"
    assert read_imei(['+CGSN: "866818039921444"']) == "866818039921444"
    assert read_imei(["+CGSN:866818039921444"]) == "866818039921444"


@pytest.mark.parametrize(
    ("reader", "lines"),
    [
        (read_imsi, []),
        (read_imsi, ["4600013579246801"]),
        (read_imsi, ["46000"]),
        (read_imsi, ["46000135792468X"]),
        (read_imsi, ["460001357924680", "460001357924681"]),
        (read_imsi, ["+CIMI: 460001357924680,1"]),
        (read_imei, ["86681803992144"]),
        (read_imei, ["+CGSN: 4901542032375181"]),
        (read_imei, ["+CGSNX: 866818039921444"]),
        (read_imei, ["Quectel_BC660K-GL"]),
    ],
)
def test_bare_readers_refuse_what_is_not_one_identity(
    reader: Callable[[list[str]], str], lines: list[str]
) -> None:
    with pytest.raises(ParseError) as raised:
        reader(lines)
    assert all(line.strip() in raised.value.line for line in lines)


_iccid = st.text("0123456789", min_size=18, max_size=20)


@given(
    digits=_iccid, prefix=st.sampled_from(["+CCID", "+QCCID", "+ICCID", "+NCCID", "%XICCID"]), data=st.data()
)
def test_iccid_round_trip(digits: str, prefix: str, data: st.DataObject) -> None:
    padded = digits + "F" if len(digits) == 19 and data.draw(st.booleans()) else digits
    assert parse_as(data.draw(quirky_line(prefix, [padded])), Iccid) == Iccid(text=padded, iccid=digits)


@given(
    value=st.sampled_from([2, 15, 16]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    data=st.data(),
)
def test_cgsn_round_trip(value: str, data: st.DataObject) -> None:
    parsed = parse_as(data.draw(quirky_line("+CGSN", [value])), Cgsn)
    assert parsed.value == value
    assert [parsed.svn, parsed.imei, parsed.imeisv] == [
        value if len(value) == n else None for n in (2, 15, 16)
    ]


@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    quarters=st.integers(-95, 95),
    is_quoted=st.booleans(),
    is_long_year=st.booleans(),
)
def test_cclk_round_trip(moment: datetime, quarters: int, is_quoted: bool, is_long_year: bool) -> None:
    moment = moment.replace(microsecond=0)
    year = f"{moment.year:04d}" if is_long_year else f"{moment.year % 100:02d}"
    text = f"{year}/{moment:%m/%d,%H:%M:%S}{quarters:+03d}"
    value = parse_as(f'+CCLK: "{text}"' if is_quoted else f"+CCLK: {text}", Cclk)
    assert value.local_time == moment.replace(tzinfo=timezone(timedelta(minutes=15 * quarters)))
    assert (value.time, value.zone_quarter_hours) == (text, quarters)


@given(
    imsi=st.text("0123456789", min_size=6, max_size=15), imei=st.text("0123456789", min_size=15, max_size=15)
)
def test_bare_readers_round_trip(imsi: str, imei: str) -> None:
    assert read_imsi([imsi]) == imsi
    assert read_imei([f"+CGSN: {imei}"]) == read_imei([imei]) == imei
