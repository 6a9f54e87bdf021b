"""harness.dialects.cmcc_cat1_reports: readers of +MPING (OneMO TCP/IP AT manual V5.1.5 §3.18, §4.6) and
+MUESTATS (OneMO extended AT manual 4G V1.7.4 §4.5), with the manuals' lines and hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects.cmcc_cat1_reports import (
    INVALID_MEASUREMENT,
    PingReply,
    PingStatistics,
    UeBand,
    UeRadio,
    read_mping,
    read_muestats,
)
from harness.errors import ParseError

# --- +MPING -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '+MPING: 0,"202.120.35.204",16,607,235',
            PingReply(result=0, ip="202.120.35.204", packet_len=16, rtt_ms=607, ttl=235),
        ),
        (
            '+MPING: 0,"2001:DA8:8000:1::80",16,548,51',  # colons inside the quoted address
            PingReply(result=0, ip="2001:DA8:8000:1::80", packet_len=16, rtt_ms=548, ttl=51),
        ),
        ("+MPING: 3", PingReply(result=3, ip=None, packet_len=None, rtt_ms=None, ttl=None)),  # §4.6
        (
            '+MPING: "statistics",4,0,320,607,402',
            PingStatistics(sent=4, lost=0, rtt_min_ms=320, rtt_max_ms=607, rtt_avg_ms=402),
        ),
    ],
)
def test_ping_lines_of_the_manual(line: str, expected: PingReply | PingStatistics) -> None:
    assert read_mping(line) == expected


def test_ping_reply_meanings() -> None:
    reply = read_mping("+MPING: 4")
    assert isinstance(reply, PingReply)
    assert (reply.is_answered, reply.meaning) == (False, "response timed out")


@pytest.mark.parametrize(
    "line",
    [
        "+MPING: 0",  # answered, but without address and time
        '+MPING: 0,"1.2.3.4",16,-5,64',
        "+MPING: 0,,16,5,64",
        '+MPING: "statistics",4,5,1,2,3',  # more lost than sent
        '+MPING: "statistics",4,0',
        '+MPING: 0,"1.2.3.4",16',
        "+MPING: ",
    ],
)
def test_ping_lines_that_cannot_be_read(line: str) -> None:
    with pytest.raises(ParseError):
        read_mping(line)


@given(
    ip=st.ip_addresses().map(str),
    size=st.integers(1, 1400),
    rtt=st.integers(0, 60_000),
    ttl=st.integers(0, 255),
    sep=st.sampled_from([",", ", "]),
)
def test_ping_reply_reads_back(ip: str, size: int, rtt: int, ttl: int, sep: str) -> None:
    line = f'+MPING: 0{sep}"{ip}"{sep}{size}{sep}{rtt}{sep}{ttl}'
    assert read_mping(line) == PingReply(result=0, ip=ip, packet_len=size, rtt_ms=rtt, ttl=ttl)


@given(sent=st.integers(0, 65535), data=st.data())
def test_ping_statistics_read_back(sent: int, data: st.DataObject) -> None:
    lost = data.draw(st.integers(0, sent))
    low, high, avg = sorted(data.draw(st.lists(st.integers(0, 60_000), min_size=3, max_size=3)))
    line = f'+MPING: "statistics",{sent},{lost},{low},{high},{avg}'
    assert read_mping(line) == PingStatistics(
        sent=sent, lost=lost, rtt_min_ms=low, rtt_max_ms=high, rtt_avg_ms=avg
    )


@given(text=st.text(max_size=60))
def test_any_ping_text_is_a_reply_statistics_or_a_parse_error(text: str) -> None:
    try:
        item = read_mping(f"+MPING: {text}")
    except ParseError:
        return
    assert isinstance(item, PingReply | PingStatistics)


# --- +MUESTATS ----------------------------------------------------------------------------------------------


def test_radio_line_of_the_manual() -> None:
    radio = read_muestats('+MUESTATS: "radio",6,-1015,-933,230,289,421,0D1A84FE,0,211,3684,498,-108')
    assert radio == UeRadio(
        rat=6, rsrp=-1015, rssi=-933, sinr=211, rsrq=-108, cell_id="0D1A84FE", ecl=0, earfcn=3684, pci=498
    )
    assert isinstance(radio, UeRadio)
    assert (radio.rsrp_dbm, radio.rssi_dbm, radio.sinr_db, radio.rsrq_db) == (-101.5, -93.3, 21.1, -10.8)


def test_radio_line_of_a_cat1_part_without_the_nb_fields_and_without_a_cell() -> None:
    # ML307R leaves out tx power, tx/rx time and ECL (§4.5 notes 11-15); not camped, the rest is invalid.
    radio = read_muestats('+MUESTATS: "radio",4,-32768,-32768,,,,FFFFFFFF,,-32768,-1,65535,-32768')
    assert radio == UeRadio(
        rat=4, rsrp=None, rssi=None, sinr=None, rsrq=None, cell_id=None, ecl=None, earfcn=None, pci=None
    )


def test_band_line_of_the_manual_and_other_types() -> None:
    assert read_muestats('+MUESTATS: "sband",8') == UeBand(band=8)
    assert read_muestats('+MUESTATS: "scell",6,460,00,3684,,498,-920,-108,-812,235') is None
    assert read_muestats('+MUESTATS: "thp",521,15,1085,154') is None


@pytest.mark.parametrize(
    "line",
    [
        '+MUESTATS: "radio",1,30,-700,230',  # GSM: another layout
        '+MUESTATS: "radio",4,-1015,-933',  # stops early
        '+MUESTATS: "radio",4,-10x5,-933,,,,0D1A84FE,,211,3684,498,-108',
        '+MUESTATS: "radio",4,-1015,-933,,,,1D1A84FE0,,211,3684,498,-108',  # more than 28 bits
        '+MUESTATS: "sband",',
    ],
)
def test_muestats_lines_that_cannot_be_read(line: str) -> None:
    with pytest.raises(ParseError):
        read_muestats(line)


def tenths(low: int, high: int) -> st.SearchStrategy[int]:
    return st.one_of(st.just(INVALID_MEASUREMENT), st.integers(low, high))


@given(
    rat=st.integers(4, 6),
    rsrp=tenths(-1650, -400),
    rssi=tenths(-1330, -250),
    sinr=tenths(-600, 400),
    rsrq=tenths(-400, 0),
    cell=st.integers(0, (1 << 28) - 1),
    pci=st.integers(0, 503),
    earfcn=st.integers(0, 68535),
)
def test_radio_line_reads_back(
    rat: int, rsrp: int, rssi: int, sinr: int, rsrq: int, cell: int, pci: int, earfcn: int
) -> None:
    line = f'+MUESTATS: "radio",{rat},{rsrp},{rssi},,,,{cell:08x},,{sinr},{earfcn},{pci},{rsrq}'
    radio = read_muestats(line)
    assert isinstance(radio, UeRadio)
    invalid = INVALID_MEASUREMENT
    assert (radio.rsrp, radio.rssi, radio.sinr, radio.rsrq) == tuple(
        None if v == invalid else v for v in (rsrp, rssi, sinr, rsrq)
    )
    assert radio.rsrp_dbm == (None if rsrp == invalid else rsrp / 10)
    assert (radio.cell_id, radio.pci, radio.earfcn) == (f"{cell:08X}", pci, earfcn)


@pytest.mark.parametrize(
    ("position", "value"), [(2, "-300"), (2, "-1700"), (9, "401"), (11, "504"), (8, "3"), (10, "-2")]
)
def test_radio_values_outside_the_manual_ranges_are_refused(position: int, value: str) -> None:
    fields = ['"radio"', "4", "-1015", "-933", "", "", "", "0D1A84FE", "0", "211", "3684", "498", "-108"]
    fields[position] = value
    with pytest.raises(ParseError, match="outside"):
        read_muestats("+MUESTATS: " + ",".join(fields))


@given(text=st.text(max_size=80))
def test_any_muestats_text_is_radio_band_none_or_a_parse_error(text: str) -> None:
    try:
        item = read_muestats(f"+MUESTATS: {text}")
    except ParseError:
        return
    assert item is None or isinstance(item, UeRadio | UeBand)
