"""ATSession fed garbage by the fake module (issue 3 item 6): random bytes, partial lines, very long lines,
NUL and non-UTF-8, in any split over writes, as a command's answer and between commands. Whatever comes, the
session does not crash, returns within the command's timeout (plus slack for a loaded machine), and gives
back only what its types promise; once the garbage is over and a line end has come, it works again.

Few examples and a generous deadline per example keep this quick and steady on a busy 2-core machine."""

from __future__ import annotations

import contextlib
import itertools
import operator
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import (
    ATCommandError,
    ATResponse,
    ATSession,
    ATTimeout,
    Direction,
    FinalKind,
    ParseError,
    Urc,
    data_length_field,
    read_transcript,
)
from harness.at.framing import MAX_LINE_BYTES
from harness.at.responses import parse

from .fake_module import FakeModule, fake_link, lines

COMMAND_TIMEOUT_S = 0.3
# Hang detection only: far above any real exchange, far below a stuck test.
SLACK_S = 10.0
WAIT_S = 5.0
# Subscribed to, and URC prefixes already, so that subscribing changes no routing.
URC_PREFIXES = ("+CEREG", "+CSCON", '+QIURC: "recv"', "RDY")
COMMANDS = ("AT+CEREG?", "AT+QIRD=0,512", "AT+CSCON=1", "AT+FUZZ")
FUZZ_SETTINGS = settings(
    max_examples=20,
    deadline=timedelta(seconds=30),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces real answers are made of, and the bytes that break naive readers.
_TOKENS = st.sampled_from(
    [
        b"\r",
        b"\n",
        b"\r\n",
        b" ",
        b"\x00",
        b"\xff\xfe",
        b"\xe4\xb8",  # a UTF-8 sequence cut short
        b"OK",
        b"ERROR",
        b"+CME ERROR: ",
        b"+CME ERROR:",
        b"NO CARRIER",
        b">",
        b"> ",
        b"+CEREG: ",
        b"+CEREG:",
        b"+CSCON: ",
        b'+QIURC: "recv",0,',
        b"+QIRD: ",
        b"2,5",
        b"1",
        b"99",
        b'"1A2B"',
        b",",
        b"AT+CEREG?",
        b"AT+FUZZ",
        b"RDY",
    ]
)
_GARBAGE = st.one_of(
    st.binary(max_size=600),
    st.lists(_TOKENS, max_size=40).map(b"".join),
    st.builds(operator.mul, st.sampled_from([b"x", b"\x00"]), st.integers(1, MAX_LINE_BYTES * 2)),
)
_FINALS = st.sampled_from([b"", b"\r\nOK\r\n", b"\r\nERROR\r\n", b"\r\n+CME ERROR: 3\r\n"])


@st.composite
def answers(draw: st.DrawFn) -> list[bytes]:
    """Garbage, maybe a final result code after it, cut into the writes the fake module makes."""
    data = draw(_GARBAGE) + draw(_FINALS)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def reply_with(chunks: list[bytes]) -> Callable[[FakeModule], None]:
    def answer(module: FakeModule) -> None:
        for chunk in chunks:
            module.send(chunk)

    return answer


def assert_well_typed(response: ATResponse) -> None:
    assert isinstance(response.lines, tuple)
    for line in response.lines:
        assert isinstance(line, str)
        assert line
        assert line == line.strip(" \t")
        assert "\r" not in line
        assert "\n" not in line
        assert len(line.encode("utf-8", errors="surrogatepass")) <= 3 * MAX_LINE_BYTES
    assert isinstance(response.kind, FinalKind)
    assert isinstance(response.final, str)
    assert response.code is None or isinstance(response.code, int)
    assert isinstance(response.data, bytes)
    assert response.started_s <= response.ended_s


def send_bounded(session: ATSession, cmd: str) -> ATResponse | None:
    """send() that must end, one way or the other, within the timeout and the slack."""
    started_s = time.monotonic()
    failed: ATCommandError | None = None
    response: ATResponse | None = None
    try:
        response = session.send(cmd, timeout_s=COMMAND_TIMEOUT_S)
    except ATCommandError as error:
        failed = error
    except ATTimeout:
        pass
    assert time.monotonic() - started_s < COMMAND_TIMEOUT_S + SLACK_S
    if failed is not None:
        assert isinstance(failed.final, str)
        assert failed.code is None or isinstance(failed.code, int)
        assert all(isinstance(line, str) for line in failed.lines)
    if response is not None:
        assert_well_typed(response)
    return response


def sync(session: ATSession, module: FakeModule, token: int) -> None:
    """Wait until everything the module sent before this point has been read. The fake module answers one
    command at a time, so the answer to AT+ZSYNC comes after every byte of the answers before it."""
    session.add_urc_prefix("+SYNC")
    module.script["AT+ZSYNC"] = lines(f"+SYNC: {token}", "OK")
    send_bounded(session, "AT+ZSYNC")  # the garbage still in flight may end it early: only the URC counts
    session.wait_for_urc("+SYNC", timeout_s=WAIT_S, since_s=0, match=lambda u: u.line == f"+SYNC: {token}")


@FUZZ_SETTINGS
@given(
    answer=answers(),
    unsolicited=answers(),
    command=st.sampled_from(COMMANDS),
    is_echo=st.booleans(),
)
def test_garbage_never_crashes_hangs_or_returns_a_wrong_type(
    answer: list[bytes], unsolicited: list[bytes], command: str, is_echo: bool
) -> None:
    with fake_link(is_echo=is_echo) as (module, port), ATSession(port) as session:
        session.add_data_rule("+QIRD", data_length_field(0))
        session.add_data_rule('+QIURC: "recv"', data_length_field(2))
        urcs: list[Urc] = []
        for prefix in URC_PREFIXES:
            session.subscribe(prefix, urcs.append)
        module.script[command] = reply_with(answer)
        send_bounded(session, command)
        reply_with(unsolicited)(module)
        module.script["AT"] = lines("OK")
        send_bounded(session, "AT")
        for urc in urcs:
            assert isinstance(urc.line, str)
            assert isinstance(urc.data, bytes)


@FUZZ_SETTINGS
@given(answer=answers(), command=st.sampled_from(COMMANDS))
def test_after_garbage_and_a_line_end_the_session_works_again(answer: list[bytes], command: str) -> None:
    with fake_link() as (module, port), ATSession(port) as session:
        module.script[command] = reply_with([*answer, b"\r\n"])
        send_bounded(session, command)
        sync(session, module, 1)
        module.script["AT+CSQ"] = lines("+CSQ: 22,99", "OK")
        assert session.send("AT+CSQ", timeout_s=WAIT_S).lines == ("+CSQ: 22,99",)


@FUZZ_SETTINGS
@given(answer=answers(), command=st.sampled_from(COMMANDS))
def test_every_line_the_session_read_parses_or_raises_parse_error(answer: list[bytes], command: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        at_log = Path(folder) / "at.log"
        with fake_link() as (module, port), ATSession(port, transcript_path=at_log) as session:
            module.script[command] = reply_with([*answer, b"\r\nOK\r\n"])
            send_bounded(session, command)
            sync(session, module, 2)
        read = [e.text for e in read_transcript(at_log) if e.direction is Direction.READ]
    assert "+SYNC: 2" in read
    for line in read:
        for solicited in (None, True, False):
            with contextlib.suppress(ParseError):
                parse(line, solicited=solicited)
