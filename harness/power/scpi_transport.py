"""power layer: a line-oriented SCPI link to an instrument: through pyvisa when it is installed, else a raw
TCP socket for `TCPIP[n]::<host>::<port>::SOCKET` resources (the instrument's SCPI socket, usually port
5025, newline-terminated both ways: IVI VISA resource syntax; recalled, not in ../shared/reference).

Every failure is one HarnessError naming the resource and the command: no answer within the timeout, a
closed connection, an answer that is not text.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import socket
import time
from typing import Any, Protocol

from harness.errors import HarnessError

SOCKET_RESOURCE = re.compile(r"TCPIP\d*::(?P<host>[^:]+)::(?P<port>\d+)::SOCKET", re.IGNORECASE)
TRANSPORTS = ("auto", "socket", "visa")
_TERMINATION = "\n"
_MS_PER_S = 1000


class ScpiLink(Protocol):
    """Commands and queries, one line each."""

    def write(self, command: str) -> None: ...
    def query(self, command: str, *, timeout_s: float | None = None) -> str: ...
    def close(self) -> None: ...


def is_visa_installed() -> bool:
    return importlib.util.find_spec("pyvisa") is not None


def open_link(resource: str, *, transport: str, timeout_s: float) -> ScpiLink:
    """`transport` "auto": pyvisa when installed, else the raw socket; HarnessError naming the resource."""
    if transport == "visa" or (transport == "auto" and is_visa_installed()):
        return VisaLink(resource, timeout_s=timeout_s)
    return SocketLink(resource, timeout_s=timeout_s)


def socket_resource_problem(resource: str) -> str | None:
    if SOCKET_RESOURCE.fullmatch(resource):
        return None
    return f"without pyvisa only TCPIP::<host>::<port>::SOCKET resources can be reached, got {resource!r}"


class SocketLink:
    """SCPI over a raw TCP socket."""

    def __init__(self, resource: str, *, timeout_s: float) -> None:
        self.resource, self._timeout_s = resource, timeout_s
        problem = socket_resource_problem(resource)
        match = SOCKET_RESOURCE.fullmatch(resource)
        if problem or match is None:
            raise HarnessError(f"SCPI {resource}: {problem}")
        try:
            self._sock = socket.create_connection((match["host"], int(match["port"])), timeout=timeout_s)
        except OSError as error:
            raise HarnessError(f"SCPI {resource}: cannot connect: {error}") from error
        # Without it Nagle's algorithm holds a trigger written right after another command until the
        # instrument's delayed ACK (~40 ms): the sweep would start later than its stamped time.
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pending = b""

    def write(self, command: str) -> None:
        try:
            self._sock.sendall((command + _TERMINATION).encode("ascii"))
        except OSError as error:
            raise HarnessError(f"SCPI {self.resource}: sending {command!r} failed: {error}") from error

    def query(self, command: str, *, timeout_s: float | None = None) -> str:
        self.write(command)
        wait_s = self._timeout_s if timeout_s is None else timeout_s
        deadline_s = time.monotonic() + wait_s
        while b"\n" not in self._pending:
            left_s = deadline_s - time.monotonic()
            if left_s <= 0:
                raise HarnessError(f"SCPI {self.resource}: no answer to {command!r} within {wait_s:g} s")
            self._sock.settimeout(left_s)
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as error:
                raise HarnessError(
                    f"SCPI {self.resource}: reading the answer to {command!r}: {error}"
                ) from error
            if not chunk:
                raise HarnessError(
                    f"SCPI {self.resource}: the instrument closed the connection at {command!r}"
                )
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        try:
            return line.decode("ascii").strip()
        except UnicodeDecodeError:
            raise HarnessError(
                f"SCPI {self.resource}: the answer to {command!r} is not text: {line[:40]!r}"
            ) from None

    def close(self) -> None:
        self._sock.close()


class VisaLink:
    """SCPI through pyvisa (any VISA resource: USB, GPIB, VXI-11, HiSLIP, sockets)."""

    def __init__(self, resource: str, *, timeout_s: float) -> None:
        self.resource, self._timeout_s = resource, timeout_s
        try:
            pyvisa: Any = importlib.import_module("pyvisa")
        except ImportError:
            raise HarnessError(
                f"SCPI {resource}: transport visa needs pyvisa, which is not installed"
            ) from None
        try:
            self._inst = pyvisa.ResourceManager().open_resource(resource)
        except Exception as error:  # pyvisa's errors have no common base outside pyvisa.errors
            raise HarnessError(f"SCPI {resource}: cannot open: {error}") from error
        self._inst.read_termination = _TERMINATION
        self._inst.write_termination = _TERMINATION
        self._inst.timeout = timeout_s * _MS_PER_S

    def write(self, command: str) -> None:
        try:
            self._inst.write(command)
        except Exception as error:
            raise HarnessError(f"SCPI {self.resource}: sending {command!r} failed: {error}") from error

    def query(self, command: str, *, timeout_s: float | None = None) -> str:
        self._inst.timeout = (self._timeout_s if timeout_s is None else timeout_s) * _MS_PER_S
        try:
            return str(self._inst.query(command)).strip()
        except Exception as error:
            raise HarnessError(f"SCPI {self.resource}: no answer to {command!r}: {error}") from error

    def close(self) -> None:
        self._inst.close()
