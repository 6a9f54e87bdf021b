"""virtual layer: the module's end of the pseudo-terminal the harness opens like a serial device.

../shared/reference/this-machine.md (pty pitfall): a pty written before the other end is open and raw turns
CR into LF, so both ends go to raw mode right after openpty(), before anything is written. The module keeps
its own descriptor of the tty side open: the master then never reads EIO while the harness has the port
closed (between pyserial's open and its flush, or when a tool reconnects).
"""

from __future__ import annotations

import os
import tty
from collections.abc import Callable

from harness.virtual.event_loop import EventLoop

READ_BYTES = 4096
# Judgement: when the harness stops reading, keep this much output and drop what comes after it.
MAX_PENDING_BYTES = 1 << 20


class PtyPort:
    def __init__(self, loop: EventLoop) -> None:
        self._loop = loop
        self._master_fd, self._tty_fd = os.openpty()
        tty.setraw(self._master_fd)
        tty.setraw(self._tty_fd)
        os.set_blocking(self._master_fd, False)
        self.tty_path = os.ttyname(self._tty_fd)
        self._pending = bytearray()
        self.on_input: Callable[[bytes], None] = _discard
        loop.add_reader(self._master_fd, self._read)

    def write(self, data: bytes) -> None:
        if self._pending:
            if len(self._pending) + len(data) <= MAX_PENDING_BYTES:
                self._pending += data
            return
        written = self._write_some(data)
        if written < len(data):
            self._pending += data[written:]
            self._loop.add_writer(self._master_fd, self._flush)

    def close(self) -> None:
        self._loop.remove_reader(self._master_fd)
        self._loop.remove_writer(self._master_fd)
        os.close(self._master_fd)
        os.close(self._tty_fd)

    def _write_some(self, data: bytes) -> int:
        try:
            return os.write(self._master_fd, data)
        except BlockingIOError:
            return 0

    def _flush(self) -> None:
        del self._pending[: self._write_some(bytes(self._pending))]
        if not self._pending:
            self._loop.remove_writer(self._master_fd)

    def _read(self) -> None:
        try:
            data = os.read(self._master_fd, READ_BYTES)
        except BlockingIOError:
            return
        if data:
            self.on_input(data)


def _discard(data: bytes) -> None:
    del data
