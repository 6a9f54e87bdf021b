from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.transcript import (
    REDACTED,
    Direction,
    Transcript,
    TranscriptEntry,
    escape_text,
    format_entry,
    parse_entry,
    read_numbered_entries,
    read_transcript,
    redact_command,
    unescape_text,
)
from harness.errors import InputError


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('AT+CPIN="1234"', "AT+CPIN=<redacted>"),
        ('at+cpin="1234"', "at+cpin=<redacted>"),
        ('AT+CLCK="SC",0,"1234"', "AT+CLCK=<redacted>"),
        ('AT+CPWD="SC","1234","5678"', "AT+CPWD=<redacted>"),
        ("AT+CPIN?", "AT+CPIN?"),
        ("+CPIN: SIM PIN", "+CPIN: SIM PIN"),
    ],
)
def test_pin_commands_are_redacted(line: str, shown: str) -> None:
    assert redact_command(line) == shown


def test_secret_marks_and_prefixes_redact() -> None:
    assert redact_command('AT+QAUTH="tok"', is_secret=True) == "AT+QAUTH=<redacted>"
    assert redact_command("ATDT12345", is_secret=True) == REDACTED
    assert redact_command("AT+QSIMPIN=1", secret_prefixes=["AT+QSIMPIN="]) == "AT+QSIMPIN=<redacted>"


def test_transcript_file_grammar(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    transcript = Transcript(path)
    transcript.start("/dev/ttyUSB2")
    transcript.record_line(Direction.WRITTEN, "AT+CEREG?", t_s=12.345)
    transcript.record_line(Direction.READ, "+CEREG: 2,5", t_s=12.3456)
    transcript.record_data(Direction.READ_DATA, b"\r\n\x00", t_s=12.4)
    transcript.record_data(Direction.WRITTEN_DATA, b"pin", t_s=12.5, is_secret=True)
    transcript.note("timeout: AT got no final\nresult")
    transcript.close()
    lines = path.read_text().splitlines()
    assert lines[0] == "# miot-harness AT transcript; port /dev/ttyUSB2"
    assert lines[1].startswith("# session opened ")
    assert lines[1].count("Z;") == 1
    assert lines[3:] == [
        "+12.345s > AT+CEREG?",
        "+12.346s < +CEREG: 2,5",
        "+12.400s << 0d0a00",
        "+12.500s >> <redacted>",
        "# timeout: AT got no final\\x0aresult",
    ]


def test_read_transcript_returns_entries(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    path.write_text("# header\n\n+0.001s > AT\n+0.002s < OK\n+0.003s << 00ff\n+0.004s < AT+CPIN=<redacted>\n")
    assert read_transcript(path) == [
        TranscriptEntry(t_s=0.001, direction=Direction.WRITTEN, text="AT"),
        TranscriptEntry(t_s=0.002, direction=Direction.READ, text="OK"),
        TranscriptEntry(t_s=0.003, direction=Direction.READ_DATA, data=b"\x00\xff"),
        TranscriptEntry(t_s=0.004, direction=Direction.READ, text="AT+CPIN=<redacted>", is_redacted=True),
    ]


def test_read_transcript_reports_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    path.write_text("+0.001s > AT\ngarbage\n+0.002s << zz\n")
    with pytest.raises(InputError) as raised:
        read_transcript(path)
    assert [p.field for p in raised.value.problems] == ["line 2", "line 3"]
    assert str(path) in str(raised.value)


def test_memory_only_transcript_keeps_a_tail(tmp_path: Path) -> None:
    transcript = Transcript(None, tail_entries=3)
    transcript.start("loop://")
    for i in range(5):
        transcript.record_line(Direction.READ, f"+CEREG: {i}", t_s=float(i))
    assert transcript.path is None
    assert transcript.recent_lines(since_s=0, count=10) == ["+CEREG: 2", "+CEREG: 3", "+CEREG: 4"]
    assert transcript.recent_lines(since_s=3.5, count=10) == ["+CEREG: 4"]
    assert transcript.recent_lines(since_s=0, count=1) == ["+CEREG: 4"]
    assert list(tmp_path.iterdir()) == []


def test_retarget_to_memory_and_back(tmp_path: Path) -> None:
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    transcript = Transcript(first)
    transcript.start("p")
    transcript.record_line(Direction.WRITTEN, "AT", t_s=1.0)
    transcript.retarget(None)
    transcript.record_line(Direction.WRITTEN, "ATI", t_s=2.0)
    transcript.retarget(second)
    transcript.record_line(Direction.WRITTEN, "AT+CSQ", t_s=3.0)
    transcript.close()
    assert [e.text for e in read_transcript(first)] == ["AT"]
    assert [e.text for e in read_transcript(second)] == ["AT+CSQ"]
    assert "# this file starts at +" in second.read_text()


def test_entries_are_flushed_as_they_are_written(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    transcript = Transcript(path)
    transcript.start("p")
    transcript.record_line(Direction.WRITTEN, "AT", t_s=0.5)
    assert path.read_text().endswith("+0.500s > AT\n")  # still open: a killed run keeps it
    transcript.close()


@given(st.text())
def test_escaping_round_trips_and_keeps_one_line(text: str) -> None:
    escaped = escape_text(text)
    assert "\n" not in escaped
    assert "\r" not in escaped
    assert unescape_text(escaped) == text


_direction_entry = st.one_of(
    st.builds(
        TranscriptEntry,
        t_s=st.integers(min_value=0, max_value=10**7).map(lambda ms: ms / 1000),
        direction=st.sampled_from([Direction.WRITTEN, Direction.READ]),
        text=st.text(min_size=1).filter(lambda t: REDACTED not in t),
    ),
    st.builds(
        TranscriptEntry,
        t_s=st.integers(min_value=0, max_value=10**7).map(lambda ms: ms / 1000),
        direction=st.sampled_from([Direction.WRITTEN_DATA, Direction.READ_DATA]),
        data=st.binary(min_size=1),
    ),
)


@given(_direction_entry)
def test_entries_round_trip_through_the_grammar(entry: TranscriptEntry) -> None:
    assert parse_entry(format_entry(entry)) == entry


def test_redact_uses_the_added_prefixes_and_leaves_other_lines_alone() -> None:
    transcript = Transcript(None)
    assert transcript.redact("AT+QSIMPIN=1234") == "AT+QSIMPIN=1234"
    transcript.add_secret_prefix("AT+QSIMPIN=")
    assert transcript.redact("at+qsimpin=1234") == "at+qsimpin=<redacted>"
    assert transcript.redact('AT+CPIN="1234"') == "AT+CPIN=<redacted>"
    assert transcript.redact("+CPIN: READY") == "+CPIN: READY"
    assert transcript.redact('AT+QAUTH="x"', is_secret=True) == "AT+QAUTH=<redacted>"


def test_only_lines_read_are_kept_for_messages(tmp_path: Path) -> None:
    transcript = Transcript(None)
    transcript.start("p")
    transcript.record_line(Direction.WRITTEN, "AT+CSQ", t_s=1.0)
    transcript.record_line(Direction.READ, "+CSQ: 22,99", t_s=1.1)
    transcript.record_data(Direction.READ_DATA, b"\x00", t_s=1.2)
    assert transcript.recent_lines(since_s=0, count=5) == ["+CSQ: 22,99"]


def test_numbered_entries_point_at_their_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    path.write_bytes(b"# header\r\n\r\n+0.001s > AT\r\n# timeout\n+0.002s < OK\n")
    assert [(number, entry.text) for number, entry in read_numbered_entries(path)] == [(3, "AT"), (5, "OK")]


def test_a_line_that_is_not_utf8_is_one_problem_among_the_others(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    path.write_bytes(b"+0.001s < caf\xe9\nnot an entry\n+0.002s < OK\n")
    with pytest.raises(InputError) as raised:
        read_transcript(path)
    assert [p.field for p in raised.value.problems] == ["line 1", "line 2"]


def test_a_file_gets_entries_as_the_grammar_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    transcript = Transcript(path)
    transcript.start("p")
    transcript.record_line(Direction.READ, "a\\b\x00", t_s=0.25)
    transcript.record_line(Direction.WRITTEN, 'AT+CPIN="1"', t_s=0.5)
    transcript.close()
    entries = read_transcript(path)
    assert [(e.text, e.is_redacted) for e in entries] == [("a\\b\x00", False), ("AT+CPIN=<redacted>", True)]
    assert path.read_text().splitlines()[-2:] == ["+0.250s < a\\\\b\\x00", "+0.500s > AT+CPIN=<redacted>"]
