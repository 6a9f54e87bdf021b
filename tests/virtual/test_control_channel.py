"""harness.virtual.control_channel: the READY, CONTROL, REPLY and FAILED lines, and the child side that
answers them on the module's event loop."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.virtual.control_channel import (
    ControlAnswer,
    ControlChannel,
    ControlHandlers,
    LineReader,
    ReadyLine,
    format_request,
)
from harness.virtual.event_loop import EventLoop

ports = st.none() | st.integers(min_value=1, max_value=65535)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@settings(deadline=None)
@given(st.from_regex(r"/dev/pts/[0-9]{1,4}", fullmatch=True), ports, ports)
def test_ready_line_reads_back(tty_path: str, raw_port: int | None, rfc_port: int | None) -> None:
    ready = ReadyLine(tty_path=tty_path, socket_port=raw_port, rfc2217_port=rfc_port)
    assert ReadyLine.parse(ready.format()) == ready


@pytest.mark.parametrize(
    "line",
    [
        "",
        "READY",
        "READY relative/path",
        "RDY /dev/pts/3",
        "READY /dev/pts/3 socket=0",
        "READY /dev/pts/3 socket=70000",
        "READY /dev/pts/3 socket=5 socket=6",
        "READY /dev/pts/3 telnet=23",
    ],
)
def test_ready_line_rejects_anything_else(line: str) -> None:
    with pytest.raises(ValueError, match=r"READY|unexpected"):
        ReadyLine.parse(line)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=2**40), st.dictionaries(st.text(), json_values, max_size=4))
def test_reply_reads_back(number: int, reply: dict[str, object]) -> None:
    answer = ControlAnswer(number=number, reply=reply)
    line = answer.format()
    assert "\n" not in line
    assert ControlAnswer.parse(line) == answer


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=2**40), st.text())
def test_failure_reads_back_on_one_line(number: int, message: str) -> None:
    line = ControlAnswer(number=number, failure=message).format()
    assert "\n" not in line
    assert "\r" not in line
    parsed = ControlAnswer.parse(line)
    assert parsed.number == number
    assert parsed.reply is None
    assert parsed.failure == " ".join(message.split())


@pytest.mark.parametrize(
    "line", ["REPLY", "REPLY x {}", "REPLY 3 [1]", "REPLY 3 {", "ANSWER 3 {}", "FAILED -1 no"]
)
def test_answer_parse_rejects_anything_else(line: str) -> None:
    with pytest.raises(ValueError, match=r"expected|JSON"):
        ControlAnswer.parse(line)


def test_request_line_is_one_line_of_json() -> None:
    line = format_request(7, {"op": "set", "text": "a\nb"})
    assert line == 'CONTROL 7 {"op": "set", "text": "a\\nb"}'
    with pytest.raises(TypeError):
        format_request(8, {"op": object()})


class ChildSide:
    """A ControlChannel on a pipe, with an event loop run until it stops or a deadline passes."""

    def __init__(self) -> None:
        self.loop = EventLoop()
        self.in_fd, self.parent_fd = os.pipe()
        self.calls: list[str] = []
        self.written: list[str] = []
        handlers = ControlHandlers(on_go=self._go, on_stop=self._stop, on_request=self._request)
        ControlChannel(self.loop, self.in_fd, handlers=handlers, write_line=self.written.append)

    def send(self, text: str) -> None:
        os.write(self.parent_fd, text.encode())

    def run(self) -> None:
        self.loop.call_later(5.0, self.loop.stop)  # deadline: a broken channel fails instead of hanging
        self.loop.run()

    def close(self) -> None:
        os.close(self.in_fd)
        if self.parent_fd >= 0:
            os.close(self.parent_fd)
        self.loop.close()

    def _go(self) -> None:
        self.calls.append("go")

    def _stop(self) -> None:
        self.calls.append("stop")
        self.loop.stop()

    def _request(self, request: Mapping[str, object]) -> Mapping[str, object]:
        if request.get("op") != "status":
            raise ValueError(f"unknown control op {request.get('op')!r}")
        return {"op": "status", "is_registered": True}


@pytest.fixture
def child() -> Iterator[ChildSide]:
    side = ChildSide()
    yield side
    side.close()


def test_child_boots_once_answers_requests_and_stops(child: ChildSide) -> None:
    child.send('GO\nGO\nCONTROL 1 {"op": "status"}\nCONTROL 2 {"op": "jump"}\n')
    child.send('CONTROL 3 [1]\nCONTROL x {}\nSTOP\nCONTROL 4 {"op": "status"}\n')
    child.run()
    assert child.calls == ["go", "stop"]
    assert [ControlAnswer.parse(line) for line in child.written[:3]] == [
        ControlAnswer(number=1, reply={"op": "status", "is_registered": True}),
        ControlAnswer(number=2, failure="unknown control op 'jump'"),
        ControlAnswer(number=3, failure="not a JSON object: '[1]'"),
    ]


def test_child_reads_lines_split_across_writes(child: ChildSide) -> None:
    request = 'CONTROL 5 {"op": "status"}\n'
    child.send(request[:9])
    child.loop.call_later(0.05, lambda: child.send(request[9:] + "STOP\n"))
    child.run()
    assert json.loads(child.written[0].split(" ", 2)[2]) == {"op": "status", "is_registered": True}


def test_end_of_input_stops_the_child(child: ChildSide) -> None:
    os.close(child.parent_fd)
    child.parent_fd = -1
    child.run()
    assert child.calls == ["stop"]


def test_parent_reads_lines_with_a_deadline_and_sees_the_end() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb", buffering=0) as stream:
        reader = LineReader(stream)
        os.write(write_fd, b"READY /dev/pts/1\nREPLY 1 {}\nREP")
        assert reader.read_line(time.monotonic() + 5.0) == "READY /dev/pts/1"
        assert reader.read_line(time.monotonic() + 5.0) == "REPLY 1 {}"
        with pytest.raises(TimeoutError, match="b'REP'"):
            reader.read_line(time.monotonic() + 0.05)
        os.write(write_fd, b"LY 2 {}\n")
        assert reader.read_line(time.monotonic() + 5.0) == "REPLY 2 {}"
        os.close(write_fd)
        with pytest.raises(EOFError):
            reader.read_line(time.monotonic() + 5.0)
