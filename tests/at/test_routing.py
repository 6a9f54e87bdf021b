from __future__ import annotations

from harness.at.exchange import Urc
from harness.at.framing import DataRule, FinalKind, data_length_field
from harness.at.routing import LineRouter, PendingCommand
from harness.at.transcript import Transcript
from harness.at.urcs import UrcRouter


def make() -> tuple[LineRouter, Transcript]:
    transcript = Transcript(None)
    return LineRouter(urcs=UrcRouter(backlog_size=8), transcript=transcript), transcript


def pending(cmd: str, *, is_secret: bool = False) -> PendingCommand:
    return PendingCommand.of(cmd, started_s=0.0, timeout_s=1.0, is_secret=is_secret)


def test_echo_lines_urc_and_final_are_told_apart() -> None:
    router, _ = make()
    command = pending("AT+CEREG?")
    router.begin(command, is_prompt=False)
    urcs = router.take(b"AT+CEREG?\r\r\n+CSCON: 1\r\n+CEREG: 2,5\r\n\r\nOK\r\n+QIOPEN: 0,0\r\n", 1.5)
    assert command.is_echo_seen
    assert command.lines == ["+CEREG: 2,5"]
    assert command.final is not None
    assert command.final.kind is FinalKind.OK
    assert command.ended_s == 1.5
    assert urcs == [Urc(line="+CSCON: 1", t_s=1.5), Urc(line="+QIOPEN: 0,0", t_s=1.5)]
    response = command.to_response()
    assert (response.command, response.lines, response.final) == ("AT+CEREG?", ("+CEREG: 2,5",), "OK")


def test_only_the_first_echo_like_line_is_the_echo() -> None:
    router, _ = make()
    command = pending("ATI")
    router.begin(command, is_prompt=False)
    router.take(b"ATI\rATI\r\nOK\r\n", 0.0)
    assert command.lines == ["ATI"]


def test_a_secret_echo_is_redacted_in_the_transcript() -> None:
    router, transcript = make()
    command = pending('AT+QAUTH="tok"', is_secret=True)
    router.begin(command, is_prompt=False)
    router.take(b'AT+QAUTH="tok"\r\r\nOK\r\n', 0.0)
    assert command.shown == "AT+QAUTH=<redacted>"
    assert transcript.recent_lines(since_s=0, count=5) == ["AT+QAUTH=<redacted>", "OK"]


def test_prompt_sets_the_flag_and_data_goes_to_the_command() -> None:
    router, transcript = make()
    router.add_rule(DataRule(prefix="+QIRD", length_of=data_length_field(0)))
    command = pending("AT+QISEND=0,2")
    router.begin(command, is_prompt=True)
    router.take(b"\r\n> ", 0.0)
    assert command.is_prompt_seen
    read = pending("AT+QIRD=0,8")
    router.begin(read, is_prompt=False)
    router.take(b"\r\n+QIRD: 2\r\n\r\n\r\n\r\nOK\r\n", 0.0)
    assert (read.lines, read.data) == (["+QIRD: 2"], [b"\r\n"])
    assert transcript.recent_lines(since_s=0, count=1) == ["OK"]


def test_after_end_every_line_is_a_urc() -> None:
    router, _ = make()
    command = pending("AT+CSQ")
    router.begin(command, is_prompt=False)
    router.end(command)
    assert router.take(b"+CSQ: 22,99\r\nOK\r\n", 2.0) == [
        Urc(line="+CSQ: 22,99", t_s=2.0),
        Urc(line="OK", t_s=2.0),
    ]
    assert command.final is None


def test_ending_an_older_command_leaves_the_current_one() -> None:
    router, _ = make()
    old, current = pending("AT"), pending("AT+CSQ")
    router.begin(old, is_prompt=False)
    router.begin(current, is_prompt=False)
    router.end(old)
    router.take(b"+CSQ: 1,2\r\nOK\r\n", 0.0)
    assert current.lines == ["+CSQ: 1,2"]


def test_an_own_prefix_urc_inside_a_read_answer_is_taken_out_by_shape() -> None:
    router, _ = make()
    command = pending("AT+CEREG?")
    assert command.is_query
    router.begin(command, is_prompt=False)
    urcs = router.take(b'\r\n+CEREG: 2\r\n\r\n+CEREG: 2,1,"4C10","05C4EF33",9\r\n\r\nOK\r\n', 3.0)
    assert command.lines == ['+CEREG: 2,1,"4C10","05C4EF33",9']
    assert urcs == [Urc(line="+CEREG: 2", t_s=3.0)]


def test_a_set_commands_own_prefix_result_before_ok_is_a_urc() -> None:
    router, _ = make()
    command = pending('AT+QIOPEN=0,0,"UDP","127.0.0.1",5683')
    assert not command.is_query
    router.begin(command, is_prompt=False)
    assert router.take(b"\r\n+QIOPEN: 0,0\r\n\r\nOK\r\n", 1.0) == [Urc(line="+QIOPEN: 0,0", t_s=1.0)]
    assert command.lines == []


def test_shown_comes_from_the_caller_when_given() -> None:
    router, _ = make()
    command = PendingCommand.of("AT+QSIMPIN=1", started_s=0, timeout_s=1, is_secret=False, shown="AT+X=<r>")
    router.begin(command, is_prompt=False)
    router.take(b"\r\nERROR\r\n", 0.5)
    assert command.to_response().command == "AT+X=<r>"
