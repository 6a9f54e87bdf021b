"""harness.dialects.quectel_redcap_ping: +QPING lines (BG95/BG96 TCP/IP notes [S13]) and their tally."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects.modem import PingResult
from harness.dialects.quectel_redcap_ping import (
    PingCode,
    PingReply,
    PingSummary,
    PingTally,
    read_ping_line,
)
from harness.errors import ModemError, ParseError

HOST = "198.18.0.10"


@pytest.mark.parametrize(
    ("line", "item"),
    [
        (
            '+QPING: 0,"198.18.0.10",32,38,255',
            PingReply(ip="198.18.0.10", size_bytes=32, time_ms=38, ttl=255),
        ),
        ('+QPING: 0,"2001:db8::1",32,38,64', PingReply(ip="2001:db8::1", size_bytes=32, time_ms=38, ttl=64)),
        (
            "+QPING: 0,4,3,1,22,38,29",
            PingSummary(sent=4, rcvd=3, lost=1, min_ms=22, max_ms=38, avg_ms=29),
        ),
        ("+QPING: 0,4,0,4", PingSummary(sent=4, rcvd=0, lost=4, min_ms=None, max_ms=None, avg_ms=None)),
        ("+QPING: 569", PingCode(code=569)),
        ("+QPING:565", PingCode(code=565)),
    ],
)
def test_lines(line: str, item: object) -> None:
    assert read_ping_line(line) == item


@pytest.mark.parametrize(
    "line",
    [
        "+QPING: 0",  # result 0 must carry a reply or a summary
        '+QPING: 565,"198.18.0.10",32,38,255',  # values after a failure code
        "+QPING: 0,4,3,2,22,38,29",  # sent != rcvd + lost
        '+QPING: 0,"198.18.0.10",32,38',  # neither reply nor summary
        '+QPING: 0,"",32,38,255',
        '+QPING: 0,"198.18.0.10",32,-1,255',
        "+QPING: ",
        "+QPING: x",
    ],
)
def test_lines_it_cannot_read_are_parse_errors(line: str) -> None:
    with pytest.raises(ParseError):
        read_ping_line(line)


def test_describe_names_known_codes() -> None:
    assert (PingCode(code=565).describe(), PingCode(code=999).describe()) == (
        "565 (DNS parse failed)",
        "999 (no description known)",
    )


def tally(count: int, *items: PingReply | PingSummary | PingCode) -> PingTally:
    result = PingTally(HOST, count)
    for item in items:
        result.add(item)
    return result


def reply(time_ms: int) -> PingReply:
    return PingReply(ip=HOST, size_bytes=32, time_ms=time_ms, ttl=64)


LOST = PingCode(code=569)


def test_lost_requests_count_until_every_request_is_accounted_for() -> None:
    ongoing = tally(3, LOST, reply(5), LOST)
    assert not ongoing.is_done
    ongoing.add(LOST)  # a fourth 569 with three requests accounted for ends the ping
    assert ongoing.is_done
    assert ongoing.result() == PingResult(host=HOST, sent=3, rtts_ms=(5.0,))


def test_a_failure_code_before_every_request_is_accounted_for_is_a_modem_error() -> None:
    failed = tally(4, reply(5), PingCode(code=570))
    assert failed.is_done
    with pytest.raises(ModemError, match=r"570 \(PDP context broken down\) after 1 of 4 requests"):
        failed.result()


def test_lines_after_the_end_change_nothing() -> None:
    done = tally(1, reply(5), PingSummary(sent=1, rcvd=1, lost=0, min_ms=5, max_ms=5, avg_ms=5), reply(7))
    assert done.result() == PingResult(host=HOST, sent=1, rtts_ms=(5.0,))


def test_a_result_before_the_end_is_refused() -> None:
    with pytest.raises(ModemError, match="is not over"):
        tally(2, reply(5)).result()


@given(
    outcomes=st.lists(st.one_of(st.none(), st.integers(0, 60_000)), min_size=1, max_size=10),
    full=st.booleans(),
)
def test_any_ping_tallies_to_its_replies(outcomes: list[int | None], full: bool) -> None:
    """None = a lost request (569), an int = a reply time; the summary agrees with them."""
    lines = [
        "+QPING: 569" if time_ms is None else f'+QPING: 0,"{HOST}",32,{time_ms},64' for time_ms in outcomes
    ]
    times = [t for t in outcomes if t is not None]
    counts = f"{len(outcomes)},{len(times)},{len(outcomes) - len(times)}"
    stats = f",{min(times)},{max(times)},{sum(times) // len(times)}" if times and full else ""
    lines.append(f"+QPING: 0,{counts}{stats}")
    result = tally(len(outcomes), *(read_ping_line(line) for line in lines))
    assert result.is_done
    assert result.result() == PingResult(
        host=HOST, sent=len(outcomes), rtts_ms=tuple(float(t) for t in times)
    )


@given(text=st.text(max_size=60))
def test_any_text_is_read_or_refused(text: str) -> None:
    with contextlib.suppress(ParseError):
        assert isinstance(read_ping_line(f"+QPING: {text}"), PingReply | PingSummary | PingCode)
