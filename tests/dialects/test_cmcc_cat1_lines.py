"""harness.dialects.cmcc_cat1_lines: readers of the OneMO ML307R TCP/IP lines, with the manual's own lines
(TCP/IP AT manual V5.1.5 §3.3-§3.6, §3.20, §4.4) and hypothesis properties: what is written in the module's
forms (upper or lower case HEX, spaces after commas, quoted or bare) reads back to the same values; any other
text is None or a ParseError naming the line, never a wrong value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects.cmcc_cat1_lines import (
    Acked,
    Cached,
    CacheRead,
    Disconnected,
    Dropped,
    Received,
    SocketResult,
    explain,
    read_miprd,
    read_mipurc,
    read_socket_result,
)
from harness.errors import ParseError

connect_ids = st.integers(min_value=0, max_value=5)
separators = st.sampled_from([",", ", ", " , "])


def hex_text(data: bytes, upper: bool) -> str:
    text = data.hex()
    return text.upper() if upper else text


# --- +MIPOPEN, +MIPSEND, +MIPCLOSE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+MIPOPEN: 0,0", SocketResult(connect_id=0, value=0)),  # §3.3
        ("+MIPOPEN: 1,-1", SocketResult(connect_id=1, value=-1)),  # bench notes: a failed open
        ("+MIPOPEN: 5,558", SocketResult(connect_id=5, value=558)),
        ("+MIPSEND: 0,10", SocketResult(connect_id=0, value=10)),  # §3.5
        ("+MIPCLOSE: 0", SocketResult(connect_id=0, value=None)),  # §3.4
        ("+MIPCLOSE:3, 2", SocketResult(connect_id=3, value=2)),
    ],
)
def test_socket_results_of_the_manual(line: str, expected: SocketResult) -> None:
    assert read_socket_result(line) == expected


@pytest.mark.parametrize(
    "line", ["+MIPOPEN: 6,0", "+MIPOPEN: ,0", "+MIPOPEN: 0,x", "+MIPOPEN: 0,0,1", "+MIPOPEN:", "+MIPOPEN 0,0"]
)
def test_socket_results_that_cannot_be_read(line: str) -> None:
    with pytest.raises(ParseError) as error:
        read_socket_result(line)
    assert error.value.line == line


# --- +MIPURC ------------------------------------------------------------------------------------------------


@given(
    connect_id=connect_ids,
    data=st.binary(max_size=300),
    upper=st.booleans(),
    sep=separators,
    quoted=st.booleans(),
)
def test_normal_mode_data_reads_back(
    connect_id: int, data: bytes, upper: bool, sep: str, quoted: bool
) -> None:
    text = hex_text(data, upper)
    text = f'"{text}"' if quoted else text
    line = f'+MIPURC: "rudp"{sep}{connect_id}{sep}{len(data)}{sep}{text}'
    assert read_mipurc(line, is_cached=False) == Received(kind="rudp", connect_id=connect_id, data=data)


@given(data=st.binary(min_size=1, max_size=50), delta=st.integers(min_value=1, max_value=5))
def test_data_of_another_length_than_announced_is_refused(data: bytes, delta: int) -> None:
    for announced in (len(data) + delta, max(len(data) - delta, 0)):
        if announced != len(data):
            with pytest.raises(ParseError, match="announces"):
                read_mipurc(f'+MIPURC: "rudp",0,{announced},{data.hex()}', is_cached=False)


@pytest.mark.parametrize(
    "line",
    [
        '+MIPURC: "rudp",0,10,ABCDE12345',  # the manual's ASCII example read as HEX: 5 bytes, not 10
        '+MIPURC: "rudp",0,3,41424',  # odd number of digits
        '+MIPURC: "rudp",0,2,4G4G',
        '+MIPURC: "rudp",0,2',  # the cache form on a normal-mode socket
        '+MIPURC: "rudp",6,1,41',
        "+MIPURC: ",
        '+MIPURC: "disconn",0',
        '+MIPURC: "drop",0,-5',
    ],
)
def test_normal_mode_lines_that_cannot_be_read(line: str) -> None:
    with pytest.raises(ParseError):
        read_mipurc(line, is_cached=False)


def test_cache_mode_announcements_of_the_manual() -> None:
    # §4.4: one announcement per packet, with the number now cached; TCP stream cache: length, total.
    assert read_mipurc('+MIPURC: "rudp",0,2', is_cached=True) == Cached(
        kind="rudp", connect_id=0, cached=2, received_bytes=None
    )
    assert read_mipurc('+MIPURC: "rtcp",0,10,20', is_cached=True) == Cached(
        kind="rtcp", connect_id=0, cached=20, received_bytes=10
    )
    with pytest.raises(ParseError, match="packet cache"):
        read_mipurc('+MIPURC: "rudp",0,10,41424344454647484950', is_cached=True)


@pytest.mark.parametrize("is_cached", [False, True])
def test_events_of_the_manual(is_cached: bool) -> None:
    disconnected = read_mipurc('+MIPURC: "disconn",2,1', is_cached=is_cached)
    assert disconnected == Disconnected(connect_id=2, connect_state=1)
    assert isinstance(disconnected, Disconnected)
    assert disconnected.reason == "closed by the server"
    assert read_mipurc('+MIPURC: "drop",0,10', is_cached=is_cached) == Dropped(connect_id=0, drop_length=10)
    assert read_mipurc('+MIPURC: "ack",0,5', is_cached=is_cached) == Acked(connect_id=0, length=5)
    assert read_mipurc('+MIPURC: "seq",0,1,0', is_cached=is_cached) is None  # not on ML307R (§4.2 note)


@given(text=st.text(max_size=80), is_cached=st.booleans())
def test_any_text_is_an_event_none_or_a_parse_error(text: str, is_cached: bool) -> None:
    line = f"+MIPURC: {text}"
    try:
        event = read_mipurc(line, is_cached=is_cached)
    except ParseError:
        return
    assert event is None or isinstance(event, Received | Cached | Disconnected | Dropped | Acked)


# --- +MIPRD -------------------------------------------------------------------------------------------------


@given(connect_id=connect_ids, unread=st.integers(0, 256), data=st.binary(max_size=200), upper=st.booleans())
def test_cache_read_reads_back(connect_id: int, unread: int, data: bytes, upper: bool) -> None:
    line = f"+MIPRD: {connect_id},{unread},{len(data)},{hex_text(data, upper)}"
    assert read_miprd(line) == CacheRead(connect_id=connect_id, unread=unread, data=data)


def test_cache_query_form_has_no_data() -> None:
    assert read_miprd("+MIPRD: 0,2") == CacheRead(connect_id=0, unread=2, data=None)  # §4.4 example


@pytest.mark.parametrize("line", ["+MIPRD: 0,1,10,ABCDE12345", "+MIPRD: 0", "+MIPRD: 0,1,1", "+MIPRD: a,1"])
def test_cache_reads_that_cannot_be_read(line: str) -> None:
    with pytest.raises(ParseError):
        read_miprd(line)


# --- error codes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("final", "code", "text"),
    [
        ("+CME ERROR: 550", 550, "+CME ERROR: 550 (TCP/IP unknown error)"),
        ("+CME ERROR: 582", 582, "+CME ERROR: 582 (ping busy)"),
        ("+CME ERROR: 50", 50, "+CME ERROR: 50"),  # not a TCP/IP code: shown as it is
        ("ERROR", None, "ERROR"),
    ],
)
def test_error_codes_are_explained_from_the_manual_table(final: str, code: int | None, text: str) -> None:
    assert explain(final, code) == text
