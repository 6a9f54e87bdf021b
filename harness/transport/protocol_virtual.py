"""transport layer: the `virtual://<model>?<options>` scheme: a virtual module process behind a pty.

Found by pyserial's `serial_for_url` through `protocol_handler_packages` (see harness.transport). `open()`
starts the module (harness.virtual.process), opens the tty side of its pseudo-terminal as a device with
pyserial's posix Serial, and only then lets the module boot, so its RDY is not flushed away by the open.
`close()` closes the port and ends the process (waiting for it; terminate, then kill if it lingers).
While the port is open, `port.virtual_module` is the module process: `port.virtual_module.control(request)`
changes what a lab changes with an attenuator or a network emulator (radio conditions, network policy,
faults; the ops are VirtualModule.handle_control's), from any thread, with a deadline.
When the module's port vanishes (a USB re-enumeration; the fault port_vanish) a read or write fails
(PortLost in an ATSession); `reopen()` waits for the module's new tty and opens it in place, as a lab reopens
/dev/serial/by-id/...: the same port object, the same module process, a new AT session on top.
"""

from __future__ import annotations

import serial

from harness.errors import UrlError
from harness.virtual import VirtualModuleProcess, parse_virtual_url, start_virtual_module
from harness.virtual.process import DEFAULT_FIND_PORT_TIMEOUT_S


class Serial(serial.Serial):
    """pyserial's posix Serial on the tty of a virtual module it starts on open() and stops on close()."""

    _module: VirtualModuleProcess | None = None

    @property
    def virtual_module(self) -> VirtualModuleProcess | None:
        """The running module process (pid, tty path, `control()`) while the port is open; None after."""
        return self._module

    def open(self) -> None:
        url = self.port
        if url is None:
            raise serial.SerialException("Port must be configured before it can be used.")
        module = start_virtual_module(url)
        # posix Serial.open() opens `portstr`; the URL stays the port's name
        self.portstr = module.tty_path
        try:
            super().open()
        except BaseException:
            module.stop()
            raise
        finally:
            self.portstr = url
        self._module = module
        module.go()

    def reopen(self, *, timeout_s: float = DEFAULT_FIND_PORT_TIMEOUT_S) -> str:
        """After the module's port vanished: wait for its new tty path, open it instead of the dead one, and
        return it. SerialException when the port is not open; VirtualModuleError when no new tty appears."""
        module = self._module
        if module is None:
            raise serial.SerialException("reopen() needs an open virtual port")
        path = module.find_port(timeout_s=timeout_s)
        serial.Serial.close(self)  # the dead tty only: the module process keeps running
        self.portstr = path
        try:
            super().open()
        finally:
            self.portstr = self.port
        return path

    def close(self) -> None:
        try:
            super().close()
        finally:
            module, self._module = self._module, None
            if module is not None:
                module.stop()


def check_url(url: str) -> str | None:
    try:
        parse_virtual_url(url)
    except UrlError as exc:
        return str(exc)
    return None
