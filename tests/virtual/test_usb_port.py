"""harness.virtual.usb_port: a virtual module's serial device that vanishes like a re-enumerating USB modem
(the host's open port reads end of file and writes fail) and comes back as a new pty, counted."""

from __future__ import annotations

import os
import select
import tty

import pytest

from harness.virtual.event_loop import EventLoop
from harness.virtual.usb_port import UsbPort

WAIT_S = 2.0


def open_host_side(path: str) -> int:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    return fd


def read_some(fd: int) -> bytes:
    ready, _, _ = select.select([fd], [], [], WAIT_S)
    assert ready, f"nothing to read within {WAIT_S} s"
    return os.read(fd, 1024)


def test_a_new_port_is_there_and_carries_bytes_both_ways() -> None:
    loop = EventLoop()
    port = UsbPort(loop)
    received: list[bytes] = []
    port.on_input = received.append
    assert (port.is_present, port.plug_count) == (True, 1)
    assert port.tty_path is not None
    fd = open_host_side(port.tty_path)
    try:
        port.write(b"\r\nRDY\r\n")
        assert read_some(fd) == b"\r\nRDY\r\n"
        os.write(fd, b"AT\r")
        loop.call_later(0.2, loop.stop)
        loop.run()
        assert b"".join(received) == b"AT\r"
    finally:
        os.close(fd)
        port.close()
        loop.close()


def test_a_vanished_port_ends_the_host_side_and_comes_back_under_a_new_path() -> None:
    loop = EventLoop()
    port = UsbPort(loop)
    presence: list[bool] = []
    port.presence_watchers.append(presence.append)
    old_path = port.tty_path
    assert old_path is not None
    fd = open_host_side(old_path)
    try:
        port.vanish()
        port.write(b"lost")  # nobody to write to: dropped, no error
        assert (port.is_present, port.tty_path, presence) == (False, None, [False])
        assert read_some(fd) == b""  # the host reads end of file (pyserial: "device disconnected")
        with pytest.raises(OSError, match="Input/output error"):
            os.write(fd, b"AT\r")
        new_path = port.reappear()  # the old tty is still held open: the new one has another name
        assert (port.tty_path, port.plug_count, presence) == (new_path, 2, [False, True])
        assert new_path != old_path
        assert port.reappear() == new_path  # already there: nothing changes
        assert port.plug_count == 2
    finally:
        os.close(fd)
        port.close()
        loop.close()
