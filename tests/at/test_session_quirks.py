"""ATSession against the odd formats real modules send (issue 3 "Done when"): echo ending in a bare CR, no
space after the colon, a URC with the pending command's own prefix inside its response, and a command's
result URC arriving after its OK or before it. Each is written to the fake module as the manuals show it
(../shared/reference/cellular-iot.md §1, §3)."""

from __future__ import annotations

import threading

import pytest

from harness.at import ATCommandError, ATSession, FinalKind, Urc

from .fake_module import FakeModule, fake_link, lines

WAIT_S = 5.0
QIOPEN = 'AT+QIOPEN=0,0,"UDP","127.0.0.1",5683,0,1'


# --- echo ending in a bare CR ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        b"AT+CSQ\r\r\n+CSQ: 22,99\r\n\r\nOK\r\n",  # V.250: echo, then <CR><LF>-framed lines
        b"AT+CSQ\r+CSQ: 22,99\r\nOK\r\n",  # no framing around the lines at all
        b"AT+CSQ\r\n+CSQ: 22,99\r\nOK\r\n",  # echo ended in CR LF, as some firmware does
    ],
)
def test_echo_ending_in_a_bare_cr_is_dropped_however_the_lines_follow(
    session: ATSession, module: FakeModule, answer: bytes
) -> None:
    module.script["AT+CSQ"] = answer
    response = session.send("AT+CSQ")
    assert (response.lines, response.kind) == (("+CSQ: 22,99",), FinalKind.OK)


def test_echo_split_over_writes_with_its_cr_alone_is_still_the_echo(
    session: ATSession, module: FakeModule
) -> None:
    def slow_echo(m: FakeModule) -> None:
        for part in (b"AT+C", b"SQ", b"\r", b"\r\n+CSQ: 22,99\r\n", b"\r\nOK\r\n"):
            m.send(part)

    module.script["AT+CSQ"] = slow_echo
    assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)


def test_echo_mode_with_bare_cr_echo_over_many_commands() -> None:
    with fake_link(is_echo=True) as (module, port), ATSession(port, default_timeout_s=WAIT_S) as session:
        module.script["AT+CGMI"] = lines("Quectel_Ltd", "OK")
        module.script["AT+CGSN=1"] = lines("+CGSN: 864475040000000", "OK")
        for _ in range(3):
            assert session.send("AT+CGMI").lines == ("Quectel_Ltd",)
            assert session.send("AT+CGSN=1").lines == ("+CGSN: 864475040000000",)


# --- no space after the colon (BC95 [S12]) -----------------------------------------------------------------


def test_a_urc_without_a_space_after_the_colon_is_a_urc(session: ATSession, module: FakeModule) -> None:
    module.send(lines("+NSONMI:1,8"))
    assert session.wait_for_urc("+NSONMI", timeout_s=WAIT_S, since_s=0).line == "+NSONMI:1,8"
    module.script["AT+NSORF=1,512"] = lines("+NSONMI:1,4", "1,127.0.0.1,5683,4,AABBCCDD,0", "OK")
    response = session.send("AT+NSORF=1,512")
    assert response.lines == ("1,127.0.0.1,5683,4,AABBCCDD,0",)
    assert session.wait_for_urc("+NSONMI", timeout_s=WAIT_S).line == "+NSONMI:1,4"


def test_answers_and_errors_without_a_space_after_the_colon(session: ATSession, module: FakeModule) -> None:
    module.script["AT+CSQ"] = lines("+CSQ:22,99", "OK")
    assert session.send("AT+CSQ").value_of("+CSQ") == "22,99"
    module.script["AT+NCCID"] = lines("+CME ERROR:10")
    with pytest.raises(ATCommandError, match=r"\+CME ERROR:10") as raised:
        session.send("AT+NCCID")
    assert raised.value.code == 10


# --- a URC with the pending command's own prefix ---------------------------------------------------------


def test_cereg_urcs_inside_the_read_answer_are_told_apart_by_shape(
    session: ATSession, module: FakeModule
) -> None:
    got: list[Urc] = []
    session.subscribe("+CEREG", got.append)
    module.script["AT+CEREG?"] = lines(
        "+CEREG: 2",  # URC, n=1 form: stat only
        '+CEREG: 2,1,"4C10","05C4EF33",9',  # the answer: n first
        '+CEREG: 5,"4C10","05C4EF33",9',  # URC, n=2 form
        "OK",
    )
    response = session.send("AT+CEREG?")
    assert response.lines == ('+CEREG: 2,1,"4C10","05C4EF33",9',)
    assert [u.line for u in got] == ["+CEREG: 2", '+CEREG: 5,"4C10","05C4EF33",9']


def test_a_cereg_urc_during_the_set_command_is_a_urc(session: ATSession, module: FakeModule) -> None:
    module.script["AT+CEREG=2"] = lines("+CEREG: 2", "OK")
    assert session.send("AT+CEREG=2").lines == ()
    assert session.wait_for_urc("+CEREG", timeout_s=WAIT_S).line == "+CEREG: 2"


@pytest.mark.parametrize(
    ("command", "line", "is_answer"),
    [
        ("AT+CSCON?", "+CSCON: 1", False),  # one field: only the URC form has it
        ("AT+CSCON?", "+CSCON: 0,1", True),  # reads both ways: a read command is answered by it (limit)
        ("AT+CSCON=1", "+CSCON: 0,1", False),  # a set command has no answer line of its own prefix
        ("AT+CSCON=?", "+CSCON: (0-3)", True),  # test command: its own-prefix lines are the answer
    ],
)
def test_own_prefix_lines_that_shape_cannot_tell_go_by_the_command_form(
    session: ATSession, module: FakeModule, command: str, line: str, is_answer: bool
) -> None:
    module.script[command] = lines(line, "OK")
    response = session.send(command)
    assert response.lines == ((line,) if is_answer else ())
    if not is_answer:
        assert session.wait_for_urc("+CSCON", timeout_s=WAIT_S).line == line


# --- a command's result URC, after OK and before it --------------------------------------------------------


def test_the_result_urc_after_ok_is_found_even_when_it_comes_later(
    session: ATSession, module: FakeModule
) -> None:
    module.script[QIOPEN] = lines("OK")
    response = session.send(QIOPEN)
    timer = threading.Timer(0.1, lambda: module.send(lines("+QIOPEN: 0,0")))
    timer.start()
    try:
        urc = session.wait_for_urc("+QIOPEN", timeout_s=WAIT_S, since_s=response.started_s)
    finally:
        timer.cancel()
    assert urc.line == "+QIOPEN: 0,0"
    assert urc.t_s >= response.ended_s


@pytest.mark.parametrize(
    ("command", "result"),
    [
        (QIOPEN, "+QIOPEN: 0,0"),  # Quectel [S13]
        ('AT+MIPOPEN=0,"UDP","127.0.0.1",5683', "+MIPOPEN: 0,0"),  # OneMO ML307R [S11]
        ('AT+QPING=0,"127.0.0.1"', '+QPING: 0,"127.0.0.1",32,12,255'),  # Quectel [S13]
    ],
)
def test_the_result_urc_before_ok_is_a_urc_not_an_answer_line(
    session: ATSession, module: FakeModule, command: str, result: str
) -> None:
    module.script[command] = lines(result, "OK")
    response = session.send(command)
    assert response.lines == ()
    prefix = result.partition(":")[0]
    urc = session.wait_for_urc(prefix, timeout_s=WAIT_S, since_s=response.started_s)
    assert urc.line == result
    assert response.started_s <= urc.t_s <= response.ended_s


def test_ok_and_result_urc_in_one_write_in_either_order(session: ATSession, module: FakeModule) -> None:
    module.script[QIOPEN] = lines("OK", "+QIOPEN: 0,0")
    session.send(QIOPEN)
    assert session.wait_for_urc("+QIOPEN", timeout_s=WAIT_S).line == "+QIOPEN: 0,0"
    module.script[QIOPEN] = lines("+QIOPEN: 0,0", "OK")
    session.send(QIOPEN)
    assert session.wait_for_urc("+QIOPEN", timeout_s=WAIT_S).line == "+QIOPEN: 0,0"
