"""Fixtures for the virtual module tests: a raw terminal on a virtual module's port, every wait bounded."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from harness.transport import open_port

FINAL = re.compile(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r\n]*)\r\n")
READ_TIMEOUT_S = 0.05  # one read() call; deadlines below bound the waits


class Terminal:
    """Raw pyserial reads and writes on a module's port (the AT session engine is tested elsewhere)."""

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port
        self._buffer = bytearray()

    def send(self, data: str | bytes) -> None:
        self.port.write(data.encode("latin-1") if isinstance(data, str) else data)

    def command(self, text: str, *, timeout_s: float = 5.0) -> bytes:
        """Write a command line (ended by CR) and return everything up to its final result code."""
        self.send(text + "\r")
        return self.read_until(FINAL, timeout_s=timeout_s)

    def lines(self, text: str, *, timeout_s: float = 5.0) -> list[str]:
        """The non-empty lines of a command's response, its final result code last."""
        response = self.command(text, timeout_s=timeout_s).decode("latin-1")
        return [line for line in response.split("\r\n") if line]

    def wait_registered(self, *, timeout_s: float = 5.0) -> None:
        """Poll AT+CEREG? until the module is registered (and leave +CEREG URCs off)."""
        deadline_s = time.monotonic() + timeout_s
        while "+CEREG: 0,1" not in self.lines("AT+CEREG=0;+CEREG?"):
            assert time.monotonic() < deadline_s, "not registered in time"
            time.sleep(0.05)

    def read_until(self, pattern: bytes | re.Pattern[bytes], *, timeout_s: float = 5.0) -> bytes:
        regex = re.compile(re.escape(pattern)) if isinstance(pattern, bytes) else pattern
        deadline_s = time.monotonic() + timeout_s
        while (match := regex.search(self._buffer)) is None:
            if time.monotonic() > deadline_s:
                got = bytes(self._buffer)
                raise AssertionError(f"no {regex.pattern!r} within {timeout_s} s; got {got!r}")
            self._buffer += self.port.read(max(1, self.port.in_waiting))
        received = bytes(self._buffer[: match.end()])
        del self._buffer[: match.end()]
        return received

    def collect(self, duration_s: float) -> bytes:
        """Everything that arrives within `duration_s` (to show that something does not arrive)."""
        deadline_s = time.monotonic() + duration_s
        while time.monotonic() < deadline_s:
            self._buffer += self.port.read(max(1, self.port.in_waiting))
        received = bytes(self._buffer)
        self._buffer.clear()
        return received


StartModule = Callable[..., Terminal]


@pytest.fixture
def start_module() -> Iterator[StartModule]:
    """start_module("ce=1&attach_s=0") opens virtual://bc660k?<query> and waits for RDY; closed after."""
    terminals: list[Terminal] = []

    def start(query: str = "", *, model: str = "bc660k", is_rdy_awaited: bool = True) -> Terminal:
        port = open_port(f"virtual://{model}?{query}", timeout=READ_TIMEOUT_S)
        terminal = Terminal(port)
        terminals.append(terminal)
        if is_rdy_awaited:
            terminal.read_until(b"\r\nRDY\r\n")
        return terminal

    yield start
    for terminal in terminals:
        terminal.port.close()


@pytest.fixture
def wait_until_ended() -> Callable[..., bool]:
    """wait_until_ended(pid, timeout_s=...) -> bool, for processes that are not this one's children."""
    return _wait_until_ended


def process_state(pid: int) -> str | None:
    """The state letter of a process (R, S, Z ...) or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _wait_until_ended(pid: int, *, timeout_s: float) -> bool:
    """True once the process is gone or a zombie (ended, waiting for its reaper) within the deadline."""
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        if process_state(pid) in (None, "Z"):
            return True
        time.sleep(0.02)
    return False
