"""harness.virtual.at_front: V.250 framing on the module side, driven in-process (no pty, no process)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.virtual.at_front import ATFront, DataRequest, Reply, cme_error, ok, prompt
from harness.virtual.command_line import ATCommand, CommandKind, int_arg


class Host:
    """An ATFront with a recording output and two test commands."""

    def __init__(self, *, is_echo_on: bool = False) -> None:
        self.output = bytearray()
        self.received: list[bytes] = []
        self.seen: list[ATCommand] = []
        self.front = ATFront(write=self.output.extend, is_echo_on=is_echo_on)
        self.front.install({"+TEST": self._test, "+DATA": self._data, "I": lambda _: ok("Model X")})

    def take(self) -> bytes:
        taken = bytes(self.output)
        self.output.clear()
        return taken

    def _test(self, command: ATCommand) -> Reply:
        self.seen.append(command)
        if command.kind is CommandKind.WRITE:
            int_arg(command, 0, 0, 9)
            if command.args[0] == "7":
                return cme_error(3)
        return ok("+TEST: 1", "+TEST: 2")

    def _data(self, command: ATCommand) -> Reply:
        length = int(command.args[0]) if command.args else None

        def on_data(payload: bytes) -> Reply:
            self.received.append(payload)
            self.front.emit_urc("SEND OK")
            return ok()

        return prompt(DataRequest(length_bytes=length, max_bytes=16, on_data=on_data))


def test_response_framing() -> None:
    host = Host()
    host.front.feed(b"AT+TEST\r")
    assert host.take() == b"\r\n+TEST: 1\r\n+TEST: 2\r\n\r\nOK\r\n"
    host.front.feed(b"AT\r")
    assert host.take() == b"\r\nOK\r\n"


def test_echo_on_repeats_the_typed_line_before_the_response() -> None:
    host = Host(is_echo_on=True)
    host.front.feed(b"ATI\r")
    assert host.take() == b"ATI\r\r\nModel X\r\n\r\nOK\r\n"


def test_ate0_and_ate1_switch_echo() -> None:
    host = Host(is_echo_on=True)
    host.front.feed(b"ATE0\r")
    assert host.take() == b"ATE0\r\r\nOK\r\n"
    host.front.feed(b"ATI\r")
    assert host.take() == b"\r\nModel X\r\n\r\nOK\r\n"
    host.front.feed(b"ATE1\r")
    assert host.take() == b"\r\nOK\r\n"
    host.front.feed(b"ATI\r")
    assert host.take().startswith(b"ATI\r")


def test_unknown_command_and_garbage_give_error() -> None:
    host = Host()
    for line in (b"AT+NOPE\r", b"hello\r", b'AT+TEST="open\r', b"AT+TEST?x\r"):
        host.front.feed(line)
        assert host.take() == b"\r\nERROR\r\n", line


@pytest.mark.parametrize(
    ("cmee_mode", "final"),
    [(0, b"ERROR"), (1, b"+CME ERROR: 50"), (2, b"+CME ERROR: Incorrect Parameters")],
)
def test_wrong_arguments_follow_the_cmee_mode(cmee_mode: int, final: bytes) -> None:
    host = Host()
    host.front.feed(f"AT+CMEE={cmee_mode}\r".encode())
    assert host.take() == b"\r\nOK\r\n"
    host.front.feed(b"AT+TEST=x\r")
    assert host.take() == b"\r\n" + final + b"\r\n"


def test_cmee_read_test_and_range() -> None:
    host = Host()
    host.front.feed(b"AT+CMEE?\r")
    assert host.take() == b"\r\n+CMEE: 1\r\n\r\nOK\r\n"  # BC660K default: numeric
    host.front.feed(b"AT+CMEE=?\r")
    assert host.take() == b"\r\n+CMEE: (0-2)\r\n\r\nOK\r\n"
    host.front.feed(b"AT+CMEE=3\r")
    assert host.take() == b"\r\n+CME ERROR: 50\r\n"


def test_a_handler_error_code_is_reported() -> None:
    host = Host()
    host.front.feed(b"AT+CMEE=2\rAT+TEST=7\r")
    assert host.take() == b"\r\nOK\r\n\r\n+CME ERROR: Operation not allowed\r\n"


def test_chained_commands_share_one_final_result() -> None:
    host = Host()
    host.front.feed(b"ATE0I;+TEST=1;+TEST?\r")
    assert host.take() == b"\r\nModel X\r\n+TEST: 1\r\n+TEST: 2\r\n+TEST: 1\r\n+TEST: 2\r\n\r\nOK\r\n"
    assert [command.kind for command in host.seen] == [CommandKind.WRITE, CommandKind.READ]


def test_lf_is_ignored_and_backspace_deletes() -> None:
    host = Host()
    host.front.feed(b"\nAT+TEX\x08ST\r\n")
    assert host.take() == b"\r\n+TEST: 1\r\n+TEST: 2\r\n\r\nOK\r\n"


def test_control_characters_before_at_are_dropped() -> None:
    host = Host()
    host.front.feed(b"\x1b\x00AT\r")
    assert host.take() == b"\r\nOK\r\n"


def test_empty_line_gets_no_answer() -> None:
    host = Host()
    host.front.feed(b"\r\r\n")
    assert host.take() == b""


def test_fixed_length_data_mode_takes_exactly_n_raw_bytes() -> None:
    host = Host()
    host.front.feed(b"AT+DATA=6\r")
    assert host.take() == b"\r\n> "
    host.front.feed(b"a\r\n\x00\x1ab")
    assert host.received == [b"a\r\n\x00\x1ab"]
    assert host.take() == b"\r\nOK\r\n\r\nSEND OK\r\n"


def test_bytes_after_the_data_are_commands_again() -> None:
    host = Host()
    host.front.feed(b"AT+DATA=2\rxyAT\r")
    assert host.received == [b"xy"]
    assert host.take() == b"\r\n> \r\nOK\r\n\r\nSEND OK\r\n\r\nOK\r\n"


def test_variable_length_data_ends_at_ctrl_z_and_esc_cancels() -> None:
    host = Host()
    host.front.feed(b"AT+DATA\rhello\x1a")
    assert host.received == [b"hello"]
    host.take()
    host.front.feed(b"AT+DATA\rnever\x1b")
    assert host.received == [b"hello"]
    assert host.take() == b"\r\n> \r\nOK\r\n"


def test_too_much_variable_length_data_is_refused() -> None:
    host = Host()
    host.front.feed(b"AT+DATA\r" + b"x" * 17)
    assert host.received == []
    assert host.take().endswith(b"\r\n+CME ERROR: 50\r\n")


def test_data_mode_is_not_echoed() -> None:
    host = Host(is_echo_on=True)
    host.front.feed(b"AT+DATA=3\r")
    host.take()
    host.front.feed(b"a\rb")
    assert host.take() == b"\r\nOK\r\n\r\nSEND OK\r\n"


def test_urcs_wait_for_the_end_of_data_mode() -> None:
    host = Host()
    host.front.feed(b"AT+DATA=2\rx")
    host.front.emit_urc("+CSCON: 1")
    assert host.take() == b"\r\n> "
    host.front.feed(b"y")
    assert host.take() == b"\r\nOK\r\n\r\n+CSCON: 1\r\n\r\nSEND OK\r\n"


def test_urc_with_raw_data_block() -> None:
    host = Host()
    host.front.emit_urc('+QIURC: "recv",0,3', b"a\r\n")
    assert host.take() == b'\r\n+QIURC: "recv",0,3\r\na\r\n\r\n'


def test_reset_leaves_data_mode() -> None:
    host = Host()
    host.front.feed(b"AT+DATA=5\rab")
    host.front.reset()
    host.take()
    host.front.feed(b"AT\r")
    assert host.take() == b"\r\nOK\r\n"
    assert host.received == []


@given(st.binary(max_size=200), st.integers(min_value=1, max_value=7))
def test_any_chunking_gives_the_same_output(stream: bytes, chunk_bytes: int) -> None:
    whole, pieces = Host(is_echo_on=True), Host(is_echo_on=True)
    script = b"AT+TEST\rAT+DATA=3\r" + stream + b"\rATI\r"
    whole.front.feed(script)
    for start in range(0, len(script), chunk_bytes):
        pieces.front.feed(script[start : start + chunk_bytes])
    assert pieces.take() == whole.take()
    assert pieces.received == whole.received
