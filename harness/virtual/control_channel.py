"""virtual layer: the lines a virtual module process and its harness exchange over the child's stdin/stdout.

Never over the pty, which belongs to the AT interface. The start handshake, then control requests:
  child  -> parent  READY <tty path> [socket=<port>] [rfc2217=<port>]\\n
                      both pty ends are raw and the module listens (on those TCP ports of 127.0.0.1 too)
  parent -> child   GO\\n                    boot now: RDY, then attach
  parent -> child   CONTROL <n> <json>\\n    a request for VirtualModule.handle_control (a JSON object)
  child  -> parent  REPLY <n> <json>\\n      its answer (a JSON object), or
                    FAILED <n> <message>\\n  the module cannot do it (handle_control raised ValueError)
  parent -> child   STOP\\n or EOF          exit
<n> numbers the requests, so a reply that comes after its request timed out is told from the next one.
JSON text never holds a raw newline (json.dumps escapes it), so one line is one message.

ControlChannel is the child side: it reads stdin on the module's event loop and answers on stdout;
LineReader is the parent side's reading of the child's stdout.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

from harness.virtual.event_loop import EventLoop

READY, GO, STOP, CONTROL, REPLY, FAILED = "READY", "GO", "STOP", "CONTROL", "REPLY", "FAILED"
SOCKET_KEY, RFC2217_KEY = "socket", "rfc2217"  # pyserial's URL schemes for the two TCP ports
READ_BYTES = 65_536


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadyLine:
    """What the child announces once it listens: its tty and the TCP ports it serves, if any."""

    tty_path: str
    socket_port: int | None = None
    rfc2217_port: int | None = None

    def format(self) -> str:
        words = [READY, self.tty_path]
        words += [f"{SOCKET_KEY}={self.socket_port}"] if self.socket_port is not None else []
        words += [f"{RFC2217_KEY}={self.rfc2217_port}"] if self.rfc2217_port is not None else []
        return " ".join(words)

    @classmethod
    def parse(cls, line: str) -> ReadyLine:
        """ValueError for anything but a READY line as `format` writes it."""
        words = line.split(" ")
        if len(words) < 2 or words[0] != READY or not words[1].startswith("/"):
            raise ValueError(f"expected '{READY} <tty path>', got {line!r}")
        ports: dict[str, int] = {}
        for word in words[2:]:
            match = re.fullmatch(rf"({SOCKET_KEY}|{RFC2217_KEY})=([0-9]{{1,5}})", word)
            if match is None or match.group(1) in ports or not 0 < int(match.group(2)) < 65536:
                raise ValueError(f"unexpected {word!r} in {line!r}")
            ports[match.group(1)] = int(match.group(2))
        return cls(tty_path=words[1], socket_port=ports.get(SOCKET_KEY), rfc2217_port=ports.get(RFC2217_KEY))


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlAnswer:
    """The child's answer to request <number>: `reply` when it was done, `failure` when it was refused."""

    number: int
    reply: dict[str, object] | None = None
    failure: str | None = None

    def format(self) -> str:
        if self.failure is not None:
            return f"{FAILED} {self.number} {' '.join(self.failure.split())}"
        return f"{REPLY} {self.number} {json.dumps(self.reply)}"

    @classmethod
    def parse(cls, line: str) -> ControlAnswer:
        """ValueError for a line that is not a REPLY or FAILED line with a number (and a JSON object)."""
        word, _, rest = line.partition(" ")
        number_text, _, body = rest.partition(" ")
        if word not in (REPLY, FAILED) or not re.fullmatch(r"[0-9]+", number_text):
            raise ValueError(f"expected '{REPLY} <n> <json>' or '{FAILED} <n> <message>', got {line!r}")
        if word == FAILED:
            return cls(number=int(number_text), failure=body)
        return cls(number=int(number_text), reply=_json_object(body))


def format_request(number: int, request: Mapping[str, object]) -> str:
    """The CONTROL line of a request; TypeError when the request cannot be written as JSON."""
    return f"{CONTROL} {number} {json.dumps(dict(request))}"


def _json_object(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}: {text!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"not a JSON object: {text!r}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlHandlers:
    """What the child does with each line: boot (GO, once), stop (STOP or end of input), and requests."""

    on_go: Callable[[], None]
    on_stop: Callable[[], None]
    on_request: Callable[[Mapping[str, object]], Mapping[str, object]]


class ControlChannel:
    """Child side: lines from `in_fd` on the loop, answers written with `write_line`."""

    def __init__(
        self, loop: EventLoop, in_fd: int, *, handlers: ControlHandlers, write_line: Callable[[str], None]
    ) -> None:
        self._loop = loop
        self._fd = in_fd
        self._handlers = handlers
        self._write_line = write_line
        self._received = b""
        self._has_gone = False
        loop.add_reader(in_fd, self._read)

    def _read(self) -> None:
        chunk = os.read(self._fd, READ_BYTES)
        if not chunk:
            self._loop.remove_reader(self._fd)
            self._handlers.on_stop()
            return
        self._received += chunk
        while b"\n" in self._received:
            line, self._received = self._received.split(b"\n", 1)
            self._handle(line.decode(errors="replace").strip())

    def _handle(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == GO and not self._has_gone:
            self._has_gone = True
            self._handlers.on_go()
        elif word == STOP:
            self._handlers.on_stop()
        elif word == CONTROL:
            number_text, _, body = rest.partition(" ")
            if re.fullmatch(r"[0-9]+", number_text):
                self._write_line(self._answer(int(number_text), body).format())

    def _answer(self, number: int, body: str) -> ControlAnswer:
        try:
            request = _json_object(body)
            # anything else than ValueError is a bug in the module: it ends the process with a traceback
            reply = self._handlers.on_request(request)
        except ValueError as exc:
            return ControlAnswer(number=number, failure=str(exc) or type(exc).__name__)
        return ControlAnswer(number=number, reply=dict(reply))


class LineReader:
    """Parent side: lines from the child's stdout, each read with a deadline: TimeoutError, or EOFError
    once the child has closed it (ended)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._received = b""

    def read_line(self, deadline_s: float) -> str:
        with selectors.DefaultSelector() as selector:
            selector.register(self._stream.fileno(), selectors.EVENT_READ)
            while b"\n" not in self._received:
                remaining_s = deadline_s - time.monotonic()
                if remaining_s <= 0:
                    raise TimeoutError(f"no line in time (got {self._received!r})")
                if selector.select(remaining_s):
                    chunk = os.read(self._stream.fileno(), 65_536)
                    if not chunk:
                        raise EOFError(f"end of output (got {self._received!r})")
                    self._received += chunk
        line, self._received = self._received.split(b"\n", 1)
        return line.decode(errors="replace").strip()

    def close(self) -> None:
        self._stream.close()
