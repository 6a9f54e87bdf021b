"""A scripted fake module on the master side of a pseudo-terminal, for the AT session tests.

Both pty ends are put in raw mode before anything is written (../shared/reference/this-machine.md: a cooked
pty turns CR into LF), every read has a deadline, and the thread's errors are kept and re-raised by stop().
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager

import serial

Reply = bytes | Callable[["FakeModule"], None]
POLL_S = 0.02


def lines(*texts: str) -> bytes:
    """Response bytes framed as modules frame them: <CR><LF>text<CR><LF> per line."""
    return b"".join(b"\r\n" + t.encode() + b"\r\n" for t in texts)


class FakeModule:
    """Answers each command (a line ending in CR) from `script`; unknown commands get ERROR.

    ATE0/ATE1 switch echo like a real module: the echo of ATE0 itself is still sent, ATE1's is not.
    """

    def __init__(self, master_fd: int, *, is_echo: bool = False) -> None:
        self.master_fd = master_fd
        self.is_echo = is_echo
        self.script: MutableMapping[str, Reply] = {}
        self.commands: list[str] = []
        self.raw_received: list[bytes] = []
        self._buffer = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-module", daemon=True)
        self._error: BaseException | None = None
        self.is_closed = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        assert not self._thread.is_alive(), "fake module thread did not stop"
        if self._error is not None:
            raise self._error

    def send(self, data: bytes) -> None:
        """Write bytes to the host (URCs, responses, anything)."""
        if not self.is_closed:
            os.write(self.master_fd, data)

    def reply(self, *texts: str) -> None:
        self.send(lines(*texts))

    def read_raw(self, size_bytes: int, *, timeout_s: float = 2.0) -> bytes:
        """Exactly size_bytes raw bytes from the host (a prompt command's payload)."""
        deadline_s = time.monotonic() + timeout_s
        while len(self._buffer) < size_bytes:
            if time.monotonic() > deadline_s:
                raise TimeoutError(f"fake module got {bytes(self._buffer)!r}, wanted {size_bytes} bytes")
            self._fill()
        data = bytes(self._buffer[:size_bytes])
        del self._buffer[:size_bytes]
        self.raw_received.append(data)
        return data

    def close_port(self) -> None:
        """Close the master end: the host side sees the port go away."""
        if not self.is_closed:
            self.is_closed = True
            os.close(self.master_fd)

    def _fill(self) -> None:
        ready, _, _ = select.select([self.master_fd], [], [], POLL_S)
        if ready:
            self._buffer += os.read(self.master_fd, 4096)

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and not self.is_closed:
                self._fill()
                while (end := self._buffer.find(b"\r")) >= 0 and not self.is_closed:
                    command = self._buffer[:end].decode()
                    del self._buffer[: end + 1]
                    self._answer(command)
        except BaseException as exc:  # kept for stop(), never lost in the thread
            if not self.is_closed:
                self._error = exc

    def _answer(self, command: str) -> None:
        self.commands.append(command)
        if self.is_echo:
            self.send(command.encode() + b"\r")
        if command.upper() in ("ATE0", "ATE1"):
            self.is_echo = command.upper() == "ATE1"
            self.reply("OK")
            return
        reply = self.script.get(command, lines("ERROR"))
        if isinstance(reply, bytes):
            self.send(reply)
        else:
            reply(self)


@contextmanager
def fake_link(*, is_echo: bool = False) -> Iterator[tuple[FakeModule, serial.Serial]]:
    """A started FakeModule on a fresh pty and a pyserial port on the other end."""
    master_fd, slave_fd = os.openpty()
    tty.setraw(master_fd)
    tty.setraw(slave_fd)
    port = serial.Serial(os.ttyname(slave_fd), timeout=0.05)
    module = FakeModule(master_fd, is_echo=is_echo)
    module.start()
    try:
        yield module, port
    finally:
        try:
            module.stop()
        finally:
            port.close()
            module.close_port()
            os.close(slave_fd)
