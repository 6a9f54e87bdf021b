"""virtual layer: the module's end of the pseudo-terminal the harness opens like a serial device.

../shared/reference/this-machine.md (pty pitfall): a pty written before the other end is open and raw turns
CR into LF, so both ends go to raw mode right after openpty(), before anything is written. The module keeps
its own descriptor of the tty side open: the master then never reads EIO while the harness has the port
closed (between pyserial's open and its flush, or when a tool reconnects).
"""

from __future__ import annotations

import functools
import os
import tty
from collections.abc import Callable

from harness.virtual.event_loop import EventLoop, OutputQueue

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
        self._output = OutputQueue(
            loop,
            self._master_fd,
            write_some=functools.partial(os.write, self._master_fd),
            max_pending_bytes=MAX_PENDING_BYTES,
        )
        self.on_input: Callable[[bytes], None] = _discard
        loop.add_reader(self._master_fd, self._read)

    def write(self, data: bytes) -> None:
        self._output.write(data)

    def close(self) -> None:
        self._loop.remove_reader(self._master_fd)
        self._output.clear()
        os.close(self._master_fd)
        os.close(self._tty_fd)

    def _read(self) -> None:
        try:
            data = os.read(self._master_fd, READ_BYTES)
        except BlockingIOError:
            return
        if data:
            self.on_input(data)


def _discard(data: bytes) -> None:
    del data
