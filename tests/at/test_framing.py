from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.framing import (
    MAX_LINE_BYTES,
    DataRule,
    EchoedData,
    Final,
    FinalKind,
    Frame,
    Line,
    LineFramer,
    Noise,
    Prompt,
    data_length_field,
    has_prefix,
    parse_final,
)


def framer_with_qird() -> LineFramer:
    framer = LineFramer()
    framer.add_rule(DataRule(prefix="+QIRD", length_of=data_length_field(0)))
    return framer


def feed_split(framer: LineFramer, stream: bytes, cuts: list[int]) -> list[Frame]:
    frames: list[Frame] = []
    at = 0
    for cut in sorted(c for c in cuts if 0 < c < len(stream)):
        frames += framer.feed(stream[at:cut])
        at = cut
    return frames + framer.feed(stream[at:])


@pytest.mark.parametrize(
    ("line", "final"),
    [
        ("OK", Final(kind=FinalKind.OK)),
        ("ERROR", Final(kind=FinalKind.ERROR)),
        ("NO CARRIER", Final(kind=FinalKind.NO_CARRIER)),
        ("+CME ERROR: 10", Final(kind=FinalKind.CME_ERROR, code=10)),
        ("+CME ERROR:10", Final(kind=FinalKind.CME_ERROR, code=10)),
        ("+CME ERROR: SIM not inserted", Final(kind=FinalKind.CME_ERROR, reason="SIM not inserted")),
        ("+CMS ERROR: 500", Final(kind=FinalKind.CMS_ERROR, code=500)),
        ("+CMS ERROR: unknown error", Final(kind=FinalKind.CMS_ERROR, reason="unknown error")),
        ("+CME ERROR:", Final(kind=FinalKind.CME_ERROR)),
        ("+CME ERROR: 123456789", Final(kind=FinalKind.CME_ERROR, code=123456789)),
        # found by `make fuzz` (fuzz/corpus/crashes/): int() refused the 4400 digits with ValueError, which
        # would have ended the session's reader thread
        ("+CME ERROR: " + "9" * 4400, Final(kind=FinalKind.CME_ERROR, reason="9" * 4400)),
        ("+CMS ERROR: 1234567890", Final(kind=FinalKind.CMS_ERROR, reason="1234567890")),
    ],
)
def test_final_result_codes_are_classified(line: str, final: Final) -> None:
    assert parse_final(line) == final


@pytest.mark.parametrize("line", ["OKAY", "ok", "SEND OK", "+CEREG: 1", "ERROR 5", "+CME ERRORS: 3", "> "])
def test_other_lines_are_not_final(line: str) -> None:
    assert parse_final(line) is None


@pytest.mark.parametrize(
    ("line", "prefix", "expected"),
    [
        ("+CEREG: 1", "+CEREG", True),
        ("+CEREG:1", "+CEREG", True),
        ("+CEREGX: 1", "+CEREG", False),
        ("SEND OK", "SEND OK", True),
        ("SEND OKAY", "SEND OK", False),
        ('+QIURC: "recv",0', '+QIURC: "recv"', True),
        ('+QIURC: "closed",0', '+QIURC: "recv"', False),
        ("+IPR: 115200", "+IP", False),
        ("RDY", "", False),
    ],
)
def test_prefix_matches_whole_words(line: str, prefix: str, expected: bool) -> None:
    assert has_prefix(line, prefix) is expected


def test_lines_end_on_cr_or_lf_and_empty_lines_are_dropped() -> None:
    frames = LineFramer().feed(b"AT+CEREG?\r\r\n+CEREG: 2,5\r\n\r\nOK\r\nRDY\n\n")
    assert frames == [Line(text="AT+CEREG?"), Line(text="+CEREG: 2,5"), Line(text="OK"), Line(text="RDY")]


def test_a_line_without_end_waits_for_the_next_chunk() -> None:
    framer = LineFramer()
    assert framer.feed(b"\r\n+CSQ: 2") == []
    assert framer.feed(b"2,99\r\n") == [Line(text="+CSQ: 22,99")]


def test_prompt_is_recognised_only_when_expected() -> None:
    framer = LineFramer()
    assert framer.feed(b"\r\n> ") == []
    framer = LineFramer()
    framer.is_prompt_expected = True
    assert framer.feed(b"AT+QISEND=0,4\r\r\n> ") == [Line(text="AT+QISEND=0,4"), Prompt()]
    assert framer.is_prompt_expected is False


def test_the_space_after_a_prompt_is_swallowed_across_chunks() -> None:
    framer = LineFramer()
    framer.is_prompt_expected = True
    assert framer.feed(b"\r\n>") == [Prompt()]
    assert framer.feed(b" \r\nOK\r\n") == [Line(text="OK")]


def test_a_greater_than_sign_inside_a_line_is_no_prompt() -> None:
    framer = LineFramer()
    framer.is_prompt_expected = True
    assert framer.feed(b"+X: a>b\r\n") == [Line(text="+X: a>b")]
    assert framer.is_prompt_expected is True


def test_data_rule_takes_raw_bytes_with_cr_lf_nul() -> None:
    payload = b"\r\nOK\r\n\x00ERROR\r"
    stream = b"\r\n+QIRD: %d\r\n" % len(payload) + payload + b"\r\n\r\nOK\r\n"
    assert framer_with_qird().feed(stream) == [
        Line(text=f"+QIRD: {len(payload)}", data=payload),
        Line(text="OK"),
    ]


def test_data_rule_cr_and_lf_of_the_line_end_split_across_chunks() -> None:
    framer = framer_with_qird()
    assert framer.feed(b"+QIRD: 2\r") == []
    assert framer.feed(b"\n") == []
    assert framer.feed(b"\n\rOK\r\n") == [Line(text="+QIRD: 2", data=b"\n\r"), Line(text="OK")]


def test_data_rule_after_a_line_ended_by_lf_alone_keeps_a_leading_lf() -> None:
    assert framer_with_qird().feed(b"+QIRD: 2\n\nA") == [Line(text="+QIRD: 2", data=b"\nA")]


@pytest.mark.parametrize("line", ["+QIRD: 0", "+QIRD: x", "+QIRD:"])
def test_data_rule_without_a_positive_length_is_a_plain_line(line: str) -> None:
    assert framer_with_qird().feed(line.encode() + b"\r\nOK\r\n") == [Line(text=line), Line(text="OK")]


@pytest.mark.parametrize(
    ("index", "line", "length"),
    [
        (0, "+QIRD: 512,0", 512),
        (0, "#XRECV: 7", 7),
        (2, '+QIURC: "recv",0,1460', 1460),
        (2, '+QIURC: "recv",0', None),
        (0, "+QIRD: -1", None),
        (0, "+QIRD", None),
    ],
)
def test_data_length_field_reads_the_byte_count(index: int, line: str, length: int | None) -> None:
    assert data_length_field(index)(line) == length


def test_expected_echo_is_swallowed_across_chunks() -> None:
    framer = LineFramer()
    framer.expect_echo(b"a\r\nb")
    assert framer.feed(b"a\r") == []
    assert framer.feed(b"\nb\r\nOK\r\n") == [EchoedData(data=b"a\r\nb"), Line(text="OK")]


def test_input_that_differs_from_the_expected_echo_is_framed_normally() -> None:
    framer = LineFramer()
    framer.expect_echo(b"OK\r\nX")
    assert framer.feed(b"OK") == []
    assert framer.feed(b"\r\nSEND OK\r\n") == [Line(text="OK"), Line(text="SEND OK")]


def test_a_line_longer_than_the_limit_is_cut_not_split() -> None:
    stream = b"x" * (MAX_LINE_BYTES + 10) + b"OK\r\nOK\r\n"
    frames = LineFramer().feed(stream)
    assert frames == [Line(text="x" * MAX_LINE_BYTES), Line(text="OK")]


# --- properties -------------------------------------------------------------------------------------

_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)
_event = st.one_of(
    _text.filter(lambda t: not t.startswith("+QIRD")).map(lambda t: Line(text=t)),
    st.binary(min_size=1, max_size=40).map(lambda d: Line(text=f"+QIRD: {len(d)}", data=d)),
)


def encode_events(events: list[Line], ends: list[bytes]) -> bytes:
    out = b""
    for event, end in zip(events, ends, strict=False):
        out += event.text.encode() + end + event.data + b"\r\n"
    return out


@given(
    events=st.lists(_event, max_size=12),
    ends=st.lists(st.sampled_from([b"\r\n", b"\r", b"\n"]), min_size=12, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=20),
)
def test_any_split_of_a_stream_gives_the_lines_and_data_it_was_made_of(
    events: list[Line], ends: list[bytes], cuts: list[int]
) -> None:
    # A data block after a bare-LF line end must not start with LF, or nothing could tell them apart;
    # a bare-CR line end followed by data starting with LF is the documented ambiguity.
    ends = [b"\r\n" if e.data.startswith(b"\n") else end for e, end in zip(events, ends, strict=False)]
    stream = encode_events(events, ends)
    assert feed_split(framer_with_qird(), stream, cuts) == events


def is_reference_noise(part: bytes) -> bool:
    """Noise the obvious way: a control character other than TAB, or bytes that are not UTF-8."""
    if any((byte < 0x20 and byte != 0x09) or byte == 0x7F for byte in part):
        return True
    try:
        part.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def reference_lines(stream: bytes) -> list[str]:
    """Every complete line of a stream that is not noise, the obvious way (no data rules, no prompt)."""
    parts = re.split(rb"[\r\n]", stream)[:-1]
    texts = (p.decode("utf-8").strip(" \t") for p in parts if not is_reference_noise(p))
    return [t for t in texts if t]


def reference_noise(stream: bytes) -> list[bytes]:
    return [p for p in re.split(rb"[\r\n]", stream)[:-1] if p and is_reference_noise(p)]


@given(stream=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=10))
def test_random_bytes_give_exactly_the_reference_lines(stream: bytes, cuts: list[int]) -> None:
    frames = feed_split(LineFramer(), stream, cuts)
    texts = [f.text for f in frames if isinstance(f, Line)]
    assert texts == reference_lines(stream)
    assert [f.data for f in frames if isinstance(f, Noise)] == reference_noise(stream)
    finals = [t for t in texts if parse_final(t) is not None]
    assert finals == [t for t in reference_lines(stream) if parse_final(t) is not None]


@given(stream=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=10))
def test_random_bytes_never_crash_a_framer_with_rules_prompt_and_echo(stream: bytes, cuts: list[int]) -> None:
    framer = framer_with_qird()
    framer.add_rule(DataRule(prefix='+QIURC: "recv"', length_of=data_length_field(2)))
    framer.is_prompt_expected = True
    framer.expect_echo(b"AT\r")
    for frame in feed_split(framer, stream, cuts):
        if isinstance(frame, Line) and parse_final(frame.text) is not None:
            assert re.search(rb"(^|[\r\n])[ \t]*" + re.escape(frame.text.encode()), stream)


def test_an_echo_then_a_prompt_in_one_chunk() -> None:
    framer = LineFramer()
    framer.is_prompt_expected = True
    assert framer.feed(b"AT+QISEND=0,4\r\r\n> ") == [Line(text="AT+QISEND=0,4"), Prompt()]


def test_lines_then_an_expected_echo_in_one_chunk() -> None:
    framer = LineFramer()
    framer.expect_echo(b"ping")
    assert framer.feed(b"ping\r\nOK\r\n") == [EchoedData(data=b"ping"), Line(text="OK")]


def test_a_length_above_the_command_maximum_is_not_data() -> None:
    length_of = data_length_field(0, max_bytes=1500)
    assert length_of("+QIRD: 1500") == 1500
    assert length_of("+QIRD: 1501") is None
    assert length_of("+QIRD: 99999999999999999999") is None
    assert data_length_field(0)("+QIRD: 99999999999999999999") is None  # absurdly long: never data


# --- line noise -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "noise",
    [b"\x00", b"\xff\xfe", b"ab\x00cd", b"\x1b[0m", b"\xc3", b"OK\x7f", b"\xf5+CEREG: 1"],
)
def test_noise_between_frames_is_noise_never_a_line(noise: bytes) -> None:
    frames = LineFramer().feed(b"\r\nOK\r\n" + noise + b"\r\n+CEREG: 1\r\n")
    assert frames == [Line(text="OK"), Noise(data=noise), Line(text="+CEREG: 1")]


@pytest.mark.parametrize("text", ['+COPS: 0,0,"T\u00e9l\u00e9com"', "a\tb", "+CSQ: 31,99"])
def test_text_with_tabs_and_utf_8_is_a_line(text: str) -> None:
    assert LineFramer().feed(text.encode() + b"\r\n") == [Line(text=text)]
