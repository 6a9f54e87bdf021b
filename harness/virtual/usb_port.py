"""virtual layer: a virtual module's serial device as a host sees a USB modem's AT port: a pty (pty_port) that
can vanish and come back under another name, as /dev/ttyUSB2 does when the module re-enumerates on USB.

What a lab sees then, and what this does the same way: the open port fails (the harness reads EIO: PortLost);
the module is still powered (and usually reset: the fault's choice); a moment later a new device node appears,
with a new name when the old one is still held open, and a lab finds it again by its stable udev name
(/dev/serial/by-id/...). A virtual module has no udev: its process keeps running and reports its current tty
path in the control op "status" (`tty_path`, None while the port is away, and `port_plug_count`, which grows
by one each time the port comes back, since a new pty may reuse the old path once nobody holds it);
VirtualModuleProcess.find_port() waits for it. What the module writes while its port is away is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.virtual.event_loop import EventLoop
from harness.virtual.pty_port import PtyPort


class UsbPort:
    def __init__(self, loop: EventLoop) -> None:
        self._loop = loop
        self._pty: PtyPort | None = None
        self.plug_count = 0  # how many times a port appeared (1 once the first one is there)
        self.on_input: Callable[[bytes], None] = _discard
        self.presence_watchers: list[Callable[[bool], None]] = []  # called with False when it vanishes
        self._plug()

    @property
    def tty_path(self) -> str | None:
        return None if self._pty is None else self._pty.tty_path

    @property
    def is_present(self) -> bool:
        return self._pty is not None

    def write(self, data: bytes) -> None:
        if self._pty is not None:
            self._pty.write(data)

    def vanish(self) -> None:
        """The port goes away (nothing happens when it is away already)."""
        if self._pty is None:
            return
        self._pty.close()
        self._pty = None
        for watcher in self.presence_watchers:
            watcher(False)

    def reappear(self) -> str:
        """The port is back (a new pty, a new path); its path."""
        if self._pty is None:
            self._plug()
            for watcher in self.presence_watchers:
                watcher(True)
        assert self._pty is not None
        return self._pty.tty_path

    def close(self) -> None:
        if self._pty is not None:
            self._pty.close()
            self._pty = None

    def _plug(self) -> None:
        self._pty = PtyPort(self._loop)
        self._pty.on_input = self._input
        self.plug_count += 1

    def _input(self, data: bytes) -> None:
        self.on_input(data)


def _discard(data: bytes) -> None:
    del data
