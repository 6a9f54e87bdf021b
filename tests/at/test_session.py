from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from harness.at import (
    ATCommandError,
    ATSession,
    ATTimeout,
    Direction,
    FinalKind,
    PortLost,
    Urc,
    data_length_field,
    read_transcript,
)
from harness.at.routing import PendingCommand

from .fake_module import FakeModule, fake_link, lines

WAIT_S = 2.0


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("at-reader")]


def test_ok_response_keeps_information_lines(session: ATSession, module: FakeModule) -> None:
    module.script["AT+CGPADDR"] = lines('+CGPADDR: 0,"10.0.0.2"', '+CGPADDR: 1,"10.0.0.3"', "OK")
    response = session.send("AT+CGPADDR")
    assert response.kind is FinalKind.OK
    assert response.final == "OK"
    assert response.lines == ('+CGPADDR: 0,"10.0.0.2"', '+CGPADDR: 1,"10.0.0.3"')
    assert 0 <= response.started_s <= response.ended_s
    assert module.commands == ["AT+CGPADDR"]


@pytest.mark.parametrize(
    ("final", "kind", "code"),
    [
        ("ERROR", FinalKind.ERROR, None),
        ("+CME ERROR: 10", FinalKind.CME_ERROR, 10),
        ("+CME ERROR: SIM not inserted", FinalKind.CME_ERROR, None),
        ("+CMS ERROR: 500", FinalKind.CMS_ERROR, 500),
        ("NO CARRIER", FinalKind.NO_CARRIER, None),
    ],
)
def test_error_finals_raise_with_command_final_code_lines(
    session: ATSession, module: FakeModule, at_log: Path, final: str, kind: FinalKind, code: int | None
) -> None:
    module.script["AT+CGATT=1"] = lines("+CGATT: 0", final)
    with pytest.raises(ATCommandError) as raised:
        session.send("AT+CGATT=1")
    assert raised.value.command == "AT+CGATT=1"
    assert raised.value.final == final
    assert raised.value.code == code
    assert raised.value.lines == ("+CGATT: 0",)
    assert str(at_log) in str(raised.value)
    assert kind.value in final


def test_echo_on_is_dropped_from_lines_and_kept_in_transcript(at_log: Path) -> None:
    with fake_link(is_echo=True) as (module, port), ATSession(port, transcript_path=at_log) as session:
        module.script["AT+CSQ"] = lines("+CSQ: 22,99", "OK")
        assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)
    read = [(e.direction, e.text) for e in read_transcript(at_log)]
    assert (Direction.READ, "AT+CSQ") in read


def test_echo_ending_in_a_bare_cr_then_response_in_the_same_write(
    session: ATSession, module: FakeModule
) -> None:
    module.script["AT+CSQ"] = b"AT+CSQ\r" + lines("+CSQ: 22,99", "OK")
    assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)


def test_ate1_and_ate0_switch_echo_both_ways(session: ATSession, module: FakeModule) -> None:
    module.script["AT+CSQ"] = lines("+CSQ: 22,99", "OK")
    session.send("ATE1")
    assert module.is_echo
    assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)
    assert session.send("ATE0").lines == ()
    assert not module.is_echo
    assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)


def test_urc_in_the_middle_of_a_response_goes_to_subscribers(session: ATSession, module: FakeModule) -> None:
    got: list[Urc] = []
    session.subscribe("+CSCON", got.append)
    module.script["AT+CGPADDR"] = lines('+CGPADDR: 0,"10.0.0.2"', "+CSCON: 1", '+CGPADDR: 1,"10.0.0.3"', "OK")
    response = session.send("AT+CGPADDR")
    assert response.lines == ('+CGPADDR: 0,"10.0.0.2"', '+CGPADDR: 1,"10.0.0.3"')
    assert [u.line for u in got] == ["+CSCON: 1"]
    assert response.started_s <= got[0].t_s <= response.ended_s


def test_the_commands_own_prefix_is_not_taken_as_urc(session: ATSession, module: FakeModule) -> None:
    got: list[Urc] = []
    session.subscribe("+CEREG", got.append)
    module.script["AT+CEREG?"] = lines("+CEREG: 2,5", "OK")
    assert session.send("AT+CEREG?").lines == ("+CEREG: 2,5",)
    assert got == []


def test_an_added_urc_prefix_is_taken_out_of_a_response(session: ATSession, module: FakeModule) -> None:
    session.add_urc_prefix("+QXYZ")
    module.script["AT+CSQ"] = lines("+QXYZ: 1", "+CSQ: 22,99", "OK")
    assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)
    assert session.wait_for_urc("+QXYZ", timeout_s=WAIT_S).line == "+QXYZ: 1"


def test_unsubscribe_stops_the_callbacks(session: ATSession, module: FakeModule) -> None:
    got: list[Urc] = []
    unsubscribe = session.subscribe("+CSCON", got.append)
    module.send(lines("+CSCON: 1"))
    session.wait_for_urc("+CSCON", timeout_s=WAIT_S, since_s=0)
    unsubscribe()
    module.send(lines("+CSCON: 0"))
    session.wait_for_urc("+CSCON", timeout_s=WAIT_S, since_s=0)
    assert [u.line for u in got] == ["+CSCON: 1"]


def test_wait_for_urc_finds_one_that_came_right_after_ok(session: ATSession, module: FakeModule) -> None:
    module.script['AT+QIOPEN=0,0,"UDP","127.0.0.1",5683'] = lines("OK", "+QIOPEN: 0,0")
    session.send('AT+QIOPEN=0,0,"UDP","127.0.0.1",5683')
    # The URC was read with the OK, before the wait starts; it still counts.
    assert session.wait_for_urc("+QIOPEN", timeout_s=WAIT_S).line == "+QIOPEN: 0,0"


def test_wait_for_urc_ignores_one_from_before_the_last_command(
    session: ATSession, module: FakeModule
) -> None:
    seen = threading.Event()
    session.subscribe("+QIOPEN", lambda urc: seen.set())
    module.send(lines("+QIOPEN: 0,0"))
    assert seen.wait(WAIT_S)
    module.script["AT"] = lines("OK")
    session.send("AT")
    with pytest.raises(ATTimeout, match=r"no \+QIOPEN URC within 0.2 s"):
        session.wait_for_urc("+QIOPEN", timeout_s=0.2)
    assert session.wait_for_urc("+QIOPEN", timeout_s=WAIT_S, since_s=0).line == "+QIOPEN: 0,0"


def test_wait_for_urc_consumes_and_matches(session: ATSession, module: FakeModule) -> None:
    module.send(lines('+QIURC: "closed",1', '+QIURC: "closed",2'))
    second = session.wait_for_urc(
        "+QIURC", timeout_s=WAIT_S, since_s=0, match=lambda u: u.line.endswith(",2")
    )
    assert second.line == '+QIURC: "closed",2'
    assert session.wait_for_urc("+QIURC", timeout_s=WAIT_S, since_s=0).line == '+QIURC: "closed",1'
    with pytest.raises(ATTimeout):
        session.wait_for_urc("+QIURC", timeout_s=0.1, since_s=0)


def test_lines_with_no_command_pending_are_urcs(session: ATSession, module: FakeModule) -> None:
    module.send(lines("+UNKNOWN: 7", "OK"))
    assert session.wait_for_urc("+UNKNOWN", timeout_s=WAIT_S).data == b""
    assert session.wait_for_urc("OK", timeout_s=WAIT_S).line == "OK"


def test_backlog_is_bounded(link: tuple[FakeModule, serial.Serial]) -> None:
    module, port = link
    with ATSession(port, urc_backlog_size=2) as session:
        module.send(lines("+CSCON: 1", "+CSCON: 0", "+CSCON: 1"))
        last = session.wait_for_urc("+CSCON", timeout_s=WAIT_S, match=lambda u: u.line == "+CSCON: 1")
        assert session.wait_for_urc("+CSCON", timeout_s=WAIT_S).line == "+CSCON: 0"
        with pytest.raises(ATTimeout):
            session.wait_for_urc("+CSCON", timeout_s=0.1)
    assert last.line == "+CSCON: 1"


def qisend(size_bytes: int, *, is_echo: bool = False) -> Callable[[FakeModule], None]:
    """Quectel data mode: prompt, exactly size_bytes (echoed back in echo mode), OK, then SEND OK."""

    def answer(module: FakeModule) -> None:
        module.send(b"\r\n> ")
        data = module.read_raw(size_bytes)
        module.send((data if is_echo else b"") + lines("OK", "SEND OK"))

    return answer


@pytest.mark.parametrize("is_echo", [False, True])
def test_prompt_then_payload_then_final(at_log: Path, is_echo: bool) -> None:
    payload = b"\r\nERROR\r\n"  # were its echo framed as lines, the command would end in ERROR
    with fake_link(is_echo=is_echo) as (module, port), ATSession(port, transcript_path=at_log) as session:
        module.script["AT+QISEND=0,9"] = qisend(len(payload), is_echo=is_echo)
        response = session.send_payload("AT+QISEND=0,9", payload)
        assert response.lines == ()
        assert response.kind is FinalKind.OK
        assert module.raw_received == [payload]
        assert session.wait_for_urc("SEND OK", timeout_s=WAIT_S).line == "SEND OK"
    entries = read_transcript(at_log)
    assert [e.data for e in entries if e.direction is Direction.WRITTEN_DATA] == [payload]
    assert [e.data for e in entries if e.direction is Direction.READ_DATA] == ([payload] if is_echo else [])
    assert any(e.direction is Direction.READ and e.text == ">" for e in entries)


def test_a_prompt_the_reader_thread_already_routed_is_not_waited_for_again(
    session: ATSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: when the reader thread had routed the `>` before the caller took the read turn, the
    caller read again and waited a whole poll interval (50 ms) before writing the payload."""

    caller = threading.get_ident()
    read_chunk = session._input.read_chunk

    def must_not_read(wait_s: float | None = None) -> bytes:
        if threading.get_ident() == caller:  # the reader thread goes on reading as usual
            raise AssertionError("read the port although the prompt was already there")
        return read_chunk(wait_s)

    monkeypatch.setattr(session._input, "read_chunk", must_not_read)
    pending = PendingCommand.of("AT+QISEND=0,4", started_s=0.0, timeout_s=1.0, is_secret=False)
    session._read_as_caller(pending, lambda: True, 1.0)


def test_payload_with_ctrl_z_terminator(session: ATSession, module: FakeModule) -> None:
    def variable_length(m: FakeModule) -> None:
        m.send(b"\r\n> ")
        m.read_raw(4)
        m.reply("OK")

    module.script["AT+QISEND=0"] = variable_length
    session.send_payload("AT+QISEND=0", b"abc", terminator=b"\x1a")
    assert module.raw_received == [b"abc\x1a"]


def test_error_instead_of_prompt_raises_and_writes_no_payload(session: ATSession, module: FakeModule) -> None:
    module.script["AT+QISEND=0,4"] = lines("+CME ERROR: 553")
    with pytest.raises(ATCommandError) as raised:
        session.send_payload("AT+QISEND=0,4", b"test")
    assert raised.value.code == 553
    module.script["AT"] = lines("OK")
    session.send("AT")
    assert module.commands == ["AT+QISEND=0,4", "AT"]


def test_data_rule_bytes_with_cr_lf_nul_stay_in_the_response(session: ATSession, module: FakeModule) -> None:
    payload = b"\r\nOK\r\n\x00"
    session.add_data_rule("+QIRD", data_length_field(0))
    module.script["AT+QIRD=0,512"] = b"\r\n+QIRD: 7\r\n" + payload + lines("", "OK")
    response = session.send("AT+QIRD=0,512")
    assert response.lines == ("+QIRD: 7",)
    assert response.data == payload


def test_data_rule_on_a_urc_attaches_the_bytes(session: ATSession, module: FakeModule) -> None:
    session.add_data_rule('+QIURC: "recv"', data_length_field(2))
    module.send(b'\r\n+QIURC: "recv",0,3\r\n\r\nx\r\n')
    urc = session.wait_for_urc('+QIURC: "recv"', timeout_s=WAIT_S)
    assert urc.data == b"\r\nx"


def test_timeout_message_names_command_last_lines_and_transcript(
    session: ATSession, module: FakeModule, at_log: Path
) -> None:
    module.script['AT+COPS=1,2,"46000"'] = lines("+CEREG: 2", "+CEREG: 4")
    with pytest.raises(ATTimeout) as raised:
        session.send('AT+COPS=1,2,"46000"', timeout_s=0.3)
    assert str(raised.value) == (
        f'AT+COPS=1,2,"46000" got no final result code within 0.3 s; '
        f"last lines: +CEREG: 2 | +CEREG: 4; transcript: {at_log}"
    )
    assert "timeout" in at_log.read_text()


def test_after_a_timeout_the_session_still_works(session: ATSession, module: FakeModule) -> None:
    module.script["AT+SLOW"] = b""
    with pytest.raises(ATTimeout):
        session.send("AT+SLOW", timeout_s=0.1)
    module.script["AT"] = lines("OK")
    assert session.send("AT").kind is FinalKind.OK


def test_port_lost_while_waiting_raises_and_ends_the_reader(
    link: tuple[FakeModule, serial.Serial], at_log: Path
) -> None:
    module, port = link
    module.script["AT+CFUN=1,1"] = lambda m: m.close_port()
    session = ATSession(port, transcript_path=at_log).open()
    try:
        with pytest.raises(PortLost) as raised:
            session.send("AT+CFUN=1,1", timeout_s=WAIT_S)
        assert port.port is not None
        assert port.port in str(raised.value)
        assert str(at_log) in str(raised.value)
        with pytest.raises(PortLost):
            session.send("AT")
        with pytest.raises(PortLost):
            session.wait_for_urc("RDY", timeout_s=WAIT_S)
        assert wait_for_no_reader()  # the reader ended by itself, before close()
    finally:
        session.close()
    assert reader_threads() == []
    assert "port lost" in at_log.read_text()


def test_port_lost_while_idle_fails_the_next_calls(link: tuple[FakeModule, serial.Serial]) -> None:
    module, port = link
    with ATSession(port) as session:
        module.close_port()
        with pytest.raises(PortLost):
            session.wait_for_urc("RDY", timeout_s=WAIT_S)  # ends on the loss, not on the timeout
        with pytest.raises(PortLost, match="was lost"):
            session.send("AT")
        assert wait_for_no_reader()


def wait_for_no_reader() -> bool:
    """Whether every reader thread ends within WAIT_S."""
    deadline_s = time.monotonic() + WAIT_S
    while reader_threads() and time.monotonic() < deadline_s:
        time.sleep(0.01)
    return not reader_threads()


def test_callback_exception_is_raised_at_the_next_send(session: ATSession, module: FakeModule) -> None:
    def broken(urc: Urc) -> None:
        raise KeyError(urc.line)

    later = threading.Event()
    session.subscribe("+CSCON", broken)
    session.subscribe("+CSCON", lambda urc: later.set())
    module.send(lines("+CSCON: 1"))
    assert later.wait(WAIT_S)  # the next subscriber still ran
    module.script["AT"] = lines("OK")
    with pytest.raises(KeyError, match=r"\+CSCON: 1"):
        session.send("AT")
    assert module.commands == []  # raised before anything was written
    assert session.send("AT").kind is FinalKind.OK  # raised once, then the session goes on


def test_callback_exception_ends_a_urc_wait(session: ATSession, module: FakeModule) -> None:
    def broken(urc: Urc) -> None:
        raise KeyError("in callback")

    session.subscribe("+CSCON", broken)
    module.send(lines("+CSCON: 1"))
    with pytest.raises(KeyError, match="in callback"):
        session.wait_for_urc("RDY", timeout_s=WAIT_S)


def test_callback_exception_is_raised_at_close(link: tuple[FakeModule, serial.Serial]) -> None:
    module, port = link
    session = ATSession(port).open()
    seen = threading.Event()

    def broken(urc: Urc) -> None:
        seen.set()
        raise ValueError("subscriber bug")

    session.subscribe("RDY", broken)
    module.send(lines("RDY"))
    assert seen.wait(WAIT_S)
    with pytest.raises(ValueError, match="subscriber bug"):
        session.close()
    assert reader_threads() == []


def test_reader_failure_is_raised_in_the_caller(session: ATSession, module: FakeModule) -> None:
    def length_of(line: str) -> int | None:
        raise ZeroDivisionError("bad data rule")

    session.add_data_rule("+QIRD", length_of)
    module.script["AT+QIRD=0,512"] = lines("+QIRD: 1", "OK")
    with pytest.raises(ZeroDivisionError):
        session.send("AT+QIRD=0,512")
    with pytest.raises(RuntimeError, match="stopped after an error"):
        session.send("AT")


@pytest.mark.parametrize("cmd", ["AT\r\nAT+CFUN=0", 'AT+CGDCONT=1,"IP","a\nb"', "AT\x1a", "", "AT+COPS=ü"])
def test_commands_with_line_ends_or_control_characters_are_rejected(
    session: ATSession, module: FakeModule, cmd: str
) -> None:
    with pytest.raises(ValueError, match="AT command"):
        session.send(cmd)
    with pytest.raises(ValueError, match="AT command"):
        session.send_payload(cmd, b"x")
    assert module.commands == []


def test_transcript_has_every_line_with_monotonic_times(
    session: ATSession, module: FakeModule, at_log: Path
) -> None:
    module.script["AT+CSQ"] = lines("+CSQ: 22,99", "OK")
    module.script["AT+QISEND=0,4"] = qisend(4)
    session.send("AT+CSQ")
    session.send_payload("AT+QISEND=0,4", b"ping")
    session.wait_for_urc("SEND OK", timeout_s=WAIT_S)
    entries = read_transcript(at_log)
    assert [(e.direction.value, e.text or e.data.hex()) for e in entries] == [
        (">", "AT+CSQ"),
        ("<", "+CSQ: 22,99"),
        ("<", "OK"),
        (">", "AT+QISEND=0,4"),
        ("<", ">"),
        (">>", b"ping".hex()),
        ("<", "OK"),
        ("<", "SEND OK"),
    ]
    times = [e.t_s for e in entries]
    assert times == sorted(times)
    text = at_log.read_text()
    assert text.startswith("# miot-harness AT transcript; port ")
    assert re.search(r"^\+\d+\.\d{3}s > AT\+CSQ$", text, re.MULTILINE)


def test_secrets_never_reach_transcript_or_errors(at_log: Path) -> None:
    with fake_link(is_echo=True) as (module, port), ATSession(port, transcript_path=at_log) as session:
        module.script['AT+CPIN="4711"'] = lines("+CME ERROR: 16")
        module.script['AT+QSECRET="s3cr3t"'] = lines("OK")
        module.script["AT+QSIMPIN=9876"] = lines("OK")
        module.script["AT+QAUTH=0"] = qisend(6)
        with pytest.raises(ATCommandError) as raised:
            session.send('AT+CPIN="4711"')
        response = session.send('AT+QSECRET="s3cr3t"', is_secret=True)
        session.transcript.add_secret_prefix("AT+QSIMPIN=")
        session.send("AT+QSIMPIN=9876")
        session.send_payload("AT+QAUTH=0", b"token!", is_secret=True)
    text = at_log.read_text()
    for secret in ("4711", "s3cr3t", "9876", "token!", b"token!".hex()):
        assert secret not in text
    assert "4711" not in str(raised.value)
    assert raised.value.command == "AT+CPIN=<redacted>"
    assert response.command == "AT+QSECRET=<redacted>"
    assert text.count("AT+CPIN=<redacted>") == 2  # written, and the echo read back


def test_retarget_switches_the_file(
    session: ATSession, module: FakeModule, tmp_path: Path, at_log: Path
) -> None:
    module.script["AT"] = lines("OK")
    session.send("AT")
    second = tmp_path / "test2" / "at.log"
    session.transcript.retarget(second)
    module.script["ATI"] = lines("Quectel", "OK")
    session.send("ATI")
    assert [e.text for e in read_transcript(at_log)] == ["AT", "OK"]
    assert [e.text for e in read_transcript(second)] == ["ATI", "Quectel", "OK"]
    with pytest.raises(ATTimeout, match=re.escape(f"transcript: {second}")):
        session.wait_for_urc("RDY", timeout_s=0.05)


def test_commands_from_two_threads_are_serialized(session: ATSession, module: FakeModule) -> None:
    module.script["AT+CSQ"] = lines("+CSQ: 22,99", "OK")
    module.script["AT+CESQ"] = lines("+CESQ: 99,99,255,255,25,61", "OK")
    errors: list[BaseException] = []

    def hammer(cmd: str, expected: str) -> None:
        try:
            for _ in range(20):
                assert session.send(cmd).lines == (expected,)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=hammer, args=("AT+CSQ", "+CSQ: 22,99")),
        threading.Thread(target=hammer, args=("AT+CESQ", "+CESQ: 99,99,255,255,25,61")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_open_close_lifecycle(link: tuple[FakeModule, serial.Serial]) -> None:
    _, port = link
    session = ATSession(port)
    with pytest.raises(RuntimeError, match="not open"):
        session.send("AT")
    with session:
        assert len(reader_threads()) == 1
        with pytest.raises(RuntimeError, match="already open"):
            session.open()
    assert reader_threads() == []
    session.close()  # a second close does nothing
    with pytest.raises(RuntimeError, match="not open"):
        session.send("AT")
    with pytest.raises(RuntimeError, match="opens once"):
        session.open()
    assert port.is_open  # the session never closes the port
    assert port.timeout is not None
    assert 0 < port.timeout <= 0.05  # shortened to the poll interval so close() is noticed


def test_works_over_loop_url() -> None:
    port = serial.serial_for_url("loop://", timeout=None)
    try:
        with ATSession(port, default_timeout_s=0.2) as session:
            # loop:// sends back what is written: the command's echo and nothing else.
            with pytest.raises(ATTimeout, match=r"last lines: AT\+CSQ$"):
                session.send("AT+CSQ")
            port.write(b"\r\n+CEREG: 1\r\n")
            assert session.wait_for_urc("+CEREG", timeout_s=WAIT_S).line == "+CEREG: 1"
        assert reader_threads() == []
    finally:
        port.close()


class PlainPort:
    """A port with only what SerialPort names: no cancel_read, no file descriptor (as some URL handlers)."""

    def __init__(self, port: serial.Serial) -> None:
        self._inner = port

    @property
    def port(self) -> str | None:
        return self._inner.port

    @property
    def timeout(self) -> float | None:
        return self._inner.timeout

    @timeout.setter
    def timeout(self, timeout: float | None) -> None:
        self._inner.timeout = timeout

    @property
    def in_waiting(self) -> int:
        return self._inner.in_waiting

    def read(self, size: int = 1, /) -> bytes:
        return self._inner.read(size)

    def write(self, data: bytes, /) -> int | None:
        return self._inner.write(data)


def test_a_port_without_cancel_read_is_read_by_the_reader_thread_alone(
    link: tuple[FakeModule, serial.Serial],
) -> None:
    module, port = link
    module.script["AT+CSQ"] = lines("+CSCON: 1", "+CSQ: 22,99", "OK")
    with ATSession(PlainPort(port), default_timeout_s=WAIT_S) as session:
        got: list[str] = []
        session.subscribe("+CSCON", lambda urc: got.append(threading.current_thread().name))
        assert session.send("AT+CSQ").lines == ("+CSQ: 22,99",)
        assert session.wait_for_urc("+CSCON", timeout_s=WAIT_S).line == "+CSCON: 1"
    assert len(got) == 1
    assert got[0].startswith("at-reader")


def test_a_subscriber_that_sends_gets_an_error_not_a_hang(session: ATSession, module: FakeModule) -> None:
    def sends(urc: Urc) -> None:
        session.send("AT")

    session.subscribe("+CSCON", sends)
    module.script["AT+CGATT=1"] = lines("+CSCON: 1", "OK")  # read by the caller, mid-command
    session.send("AT+CGATT=1")
    module.script["AT"] = lines("OK")
    with pytest.raises(RuntimeError, match="send\\(\\) from a URC subscriber"):
        session.send("AT")
    module.send(lines("+CSCON: 0"))  # read by the reader thread, no command pending
    with pytest.raises(RuntimeError, match="send\\(\\) from a URC subscriber"):
        session.wait_for_urc("RDY", timeout_s=WAIT_S)


def test_an_added_secret_prefix_is_redacted_in_errors_too(session: ATSession, module: FakeModule) -> None:
    session.transcript.add_secret_prefix("AT+QSIMPIN=")
    module.script["AT+QSIMPIN=9876"] = lines("+CME ERROR: 16")
    with pytest.raises(ATCommandError) as raised:
        session.send("AT+QSIMPIN=9876")
    assert raised.value.command == "AT+QSIMPIN=<redacted>"
    assert "9876" not in str(raised.value)


def test_urcs_read_by_the_caller_and_by_the_reader_keep_their_order(
    session: ATSession, module: FakeModule
) -> None:
    got: list[str] = []
    session.subscribe("+CSCON", lambda urc: got.append(urc.line))

    def answer_then_more(m: FakeModule) -> None:
        m.reply("+CSCON: 1", "OK", "+CSCON: 2")
        m.reply("+CSCON: 3")

    module.script["AT+CGATT=1"] = answer_then_more
    session.send("AT+CGATT=1")
    session.wait_for_urc("+CSCON", timeout_s=WAIT_S, match=lambda u: u.line == "+CSCON: 3")
    module.send(lines("+CSCON: 4"))  # only now: written by this thread, it could overtake +CSCON: 3
    session.wait_for_urc("+CSCON", timeout_s=WAIT_S, match=lambda u: u.line == "+CSCON: 4")
    assert got == ["+CSCON: 1", "+CSCON: 2", "+CSCON: 3", "+CSCON: 4"]
