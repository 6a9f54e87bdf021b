"""harness.transport.protocol_virtual: a virtual module's lifetime follows its port."""

from __future__ import annotations

import time

import pytest
import serial

from harness.errors import VirtualModuleError
from harness.transport import open_port, protocol_virtual
from harness.transport.protocol_virtual import Serial
from harness.virtual import VirtualModuleProcess, start_virtual_module


def read_until(port: serial.SerialBase, wanted: bytes, *, attempts: int = 50) -> bytes:
    received = b""
    for _ in range(attempts):  # port timeout 0.1 s: at most 5 s in all
        received += port.read(max(1, port.in_waiting))
        if wanted in received:
            return received
    raise AssertionError(f"no {wanted!r}; got {received!r}")


def test_open_starts_the_module_and_rdy_survives_the_open_flush() -> None:
    port = open_port("virtual://bc660k?attach_s=60", timeout=0.1)
    try:
        assert isinstance(port, Serial)
        assert port.name == "virtual://bc660k?attach_s=60"
        module = port.virtual_module
        assert module is not None
        assert module.is_running
        assert read_until(port, b"RDY\r\n") == b"\r\nRDY\r\n"
        port.write(b"AT+CGMM\r")
        assert read_until(port, b"OK\r\n") == b"AT+CGMM\r\r\nQuectel_BC660K-GL\r\n\r\nOK\r\n"
    finally:
        port.close()
    assert not module.is_running
    assert port.virtual_module is None


def test_close_twice_is_harmless() -> None:
    port = open_port("virtual://bc660k")
    port.close()
    port.close()
    assert not port.is_open


def test_failing_tty_open_stops_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[VirtualModuleProcess] = []

    def recording_start(url: str) -> VirtualModuleProcess:
        started.append(start_virtual_module(url))
        return started[-1]

    def failing_open(self: serial.Serial) -> None:
        raise serial.SerialException(f"simulated failure opening {self.portstr}")

    monkeypatch.setattr(protocol_virtual, "start_virtual_module", recording_start)
    monkeypatch.setattr(serial.Serial, "open", failing_open)
    port = Serial(None, timeout=0.1)
    port.port = "virtual://bc660k"
    with pytest.raises(serial.SerialException, match="simulated failure opening /dev/"):
        port.open()
    (module,) = started
    assert not module.is_running
    assert port.virtual_module is None
    assert port.portstr == "virtual://bc660k"


def test_control_reaches_the_module_behind_the_port() -> None:
    port = open_port("virtual://bc660k?attach_s=0", timeout=0.1)
    try:
        module = port.virtual_module
        assert module is not None
        read_until(port, b"RDY\r\n")
        deadline_s = time.monotonic() + 5.0
        while not module.control({"op": "status"})["is_registered"]:
            assert time.monotonic() < deadline_s, "not registered in time"
            time.sleep(0.02)
        port.write(b"AT+CFUN=0\r")
        read_until(port, b"OK\r\n")
        assert module.control({"op": "status"})["is_registered"] is False  # what the AT side did
    finally:
        port.close()
    with pytest.raises(VirtualModuleError, match="closed"):
        module.control({"op": "status"})
