"""Fixtures for the virtual module tests: a raw terminal on a virtual module's port, a Modem on one (the
dialect the harness picks for it), the module's control channel; every wait bounded."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from harness.dialects import ConnectOptions, ModemLink, connect
from harness.transport import open_port
from harness.transport.protocol_virtual import Serial as VirtualSerial

FINAL = re.compile(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r\n]*)\r\n")
READ_TIMEOUT_S = 0.05  # one read() call; deadlines below bound the waits
# What each model prints once booted (None: nothing, 27.007 defines no such line).
READY_LINES: dict[str, bytes | None] = {
    "bc660k": b"\r\nRDY\r\n",
    "rg255c": b"\r\nRDY\r\n",
    "ml307r": b"\r\n+MATREADY\r\n",
    "generic": None,
}
CONTROL_TIMEOUT_S = 10.0


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
        ready = READY_LINES[model]
        if is_rdy_awaited and ready is not None:
            terminal.read_until(ready)
        return terminal

    yield start
    for terminal in terminals:
        terminal.port.close()


OpenLink = Callable[..., ModemLink]


@pytest.fixture
def open_link() -> Iterator[OpenLink]:
    """open_link("virtual://rg255c?attach_s=0", dialect="auto") -> ModemLink (harness.dialects.connect);
    closed after."""
    links: list[ModemLink] = []

    def open_(url: str, *, dialect: str = "auto") -> ModemLink:
        link = connect(url, ConnectOptions(dialect=dialect))
        links.append(link)
        return link

    yield open_
    for link in links:
        link.close()


def control(port: serial.SerialBase, request: dict[str, object]) -> dict[str, object]:
    """A request to the control channel of the virtual module behind `port` (harness.virtual.control)."""
    assert isinstance(port, VirtualSerial)
    module = port.virtual_module
    assert module is not None, "the port is not open"
    return module.control(request, timeout_s=CONTROL_TIMEOUT_S)


def wait_for_state(port: serial.SerialBase, state: str, *, timeout_s: float = 10.0) -> dict[str, object]:
    """Poll the module's status until it is in `state` (a harness.virtual.ModemState value)."""
    deadline_s = time.monotonic() + timeout_s
    while (status := control(port, {"op": "status"}))["state"] != state:
        assert time.monotonic() < deadline_s, f"not {state} within {timeout_s} s: {status}"
        time.sleep(0.02)
    return status


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


@pytest.fixture
def server() -> Iterator[socket.socket]:
    """The far end of a module's AT socket: a UDP socket on loopback; every receive has a deadline."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    try:
        yield sock
    finally:
        sock.close()
