"""harness.virtual.network_port: a virtual module reached over TCP like a remote rig (ser2net), raw and
RFC 2217, through the harness's own transport, AT session and Modem; one client at a time."""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading
import time
import tty
from collections.abc import Iterator

import pytest
import serial

from harness.at import ATSession
from harness.dialects import ConnectOptions, connect
from harness.errors import VirtualModuleError
from harness.transport import open_port
from harness.virtual.process import TcpPorts, VirtualModuleProcess, start_virtual_module

# pyserial 3.5's rfc2217 client names its reader thread the old way
pytestmark = pytest.mark.filterwarnings(r"ignore:set(Daemon|Name)\(\) is deprecated:DeprecationWarning")
# a short, lossless link so that data round trips take milliseconds
URL = "virtual://bc660k?attach_s=0&delay_ms=1&jitter_ms=0&loss_pct=0"
PORT_TIMEOUT_S = 0.05


@pytest.fixture
def served() -> Iterator[VirtualModuleProcess]:
    """A booted module served on both TCP ports; nobody has its pty open."""
    module = start_virtual_module(URL, tcp_ports=TcpPorts(socket_port=0, rfc2217_port=0))
    module.go()
    yield module
    module.stop()


@pytest.fixture
def udp_echo() -> Iterator[tuple[int, list[bytes]]]:
    """A UDP echo on 127.0.0.1: its port and what it received."""
    received: list[bytes] = []
    stop = threading.Event()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)

    def echo() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                data, peer = sock.recvfrom(65535)
                received.append(data)
                sock.sendto(data, peer)

    thread = threading.Thread(target=echo, name="udp echo")
    thread.start()
    yield sock.getsockname()[1], received
    stop.set()
    thread.join(5.0)
    sock.close()


def url_of(module: VirtualModuleProcess, scheme: str) -> str:
    url = module.socket_url if scheme == "socket" else module.rfc2217_url
    assert url is not None
    return url


def exchange(port: serial.SerialBase, command: bytes, *, timeout_s: float = 5.0) -> bytes:
    port.write(command + b"\r")
    received = b""
    deadline_s = time.monotonic() + timeout_s
    while not received.endswith((b"OK\r\n", b"ERROR\r\n")):
        assert time.monotonic() < deadline_s, f"no final result for {command!r}; got {received!r}"
        received += port.read(max(1, port.in_waiting))
    return received


def test_start_announces_both_tcp_urls(served: VirtualModuleProcess) -> None:
    assert served.socket_url is not None
    assert served.socket_url.startswith("socket://127.0.0.1:")
    assert served.rfc2217_url is not None
    assert served.rfc2217_url.startswith("rfc2217://127.0.0.1:")
    assert served.socket_url.rsplit(":", 1)[1] != served.rfc2217_url.rsplit(":", 1)[1]


def test_without_tcp_ports_there_are_no_urls() -> None:
    module = start_virtual_module(URL)
    try:
        assert module.socket_url is None
        assert module.rfc2217_url is None
    finally:
        module.stop()


@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
def test_at_commands_over_tcp(served: VirtualModuleProcess, scheme: str) -> None:
    port = open_port(url_of(served, scheme), timeout=PORT_TIMEOUT_S)
    try:
        assert exchange(port, b"AT+CGMM") == b"AT+CGMM\r\r\nQuectel_BC660K-GL\r\n\r\nOK\r\n"
    finally:
        port.close()


def test_rfc2217_port_settings_and_modem_lines(served: VirtualModuleProcess) -> None:
    port = open_port(url_of(served, "rfc2217"), timeout=PORT_TIMEOUT_S)
    try:
        port.baudrate = 9600  # pyserial waits for the server to confirm the value, or raises
        port.dtr = False
        port.rts = False
        assert (port.cts, port.dsr, port.cd) == (True, True, True)  # a powered module, ready
        port.reset_input_buffer()  # PURGE-DATA, answered
        assert exchange(port, b"AT").endswith(b"\r\nOK\r\n")
    finally:
        port.close()


def test_an_at_session_runs_over_rfc2217(served: VirtualModuleProcess) -> None:
    port = open_port(url_of(served, "rfc2217"), timeout=PORT_TIMEOUT_S)
    try:
        with ATSession(port) as session:  # type: ignore[arg-type]  # rfc2217.Serial has in_waiting
            assert session.send("AT+CGMI").lines[0] == "Quectel_Ltd"
    finally:
        port.close()


def test_bytes_255_cross_rfc2217_both_ways_through_a_modem(
    served: VirtualModuleProcess, udp_echo: tuple[int, list[bytes]]
) -> None:
    echo_port, received = udp_echo
    payload = b"\xff\xff\x00\r\n\xff\xfa\xf0A"  # IAC IAC, NUL after CR, IAC SB, SE: all must pass as data
    options = ConnectOptions(dialect="quectel_nbiot", ready_timeout_s=10.0)
    with connect(url_of(served, "rfc2217"), options) as link:
        link.modem.attach(None, timeout_s=10.0)
        sock = link.modem.open_udp("127.0.0.1", echo_port)
        sock.send(payload)
        datagram = sock.receive(timeout_s=10.0)
        sock.close()
    assert received == [payload]
    assert datagram is not None
    assert datagram.data == payload


def test_one_client_at_a_time(served: VirtualModuleProcess) -> None:
    first = open_port(url_of(served, "rfc2217"), timeout=PORT_TIMEOUT_S)
    try:
        assert exchange(first, b"AT").endswith(b"OK\r\n")
        second = socket.create_connection(("127.0.0.1", int(url_of(served, "socket").rsplit(":", 1)[1])), 5.0)
        with second, contextlib.suppress(OSError):  # a reset is as good as a close
            second.sendall(b"AT\r")
            assert second.recv(100) == b""  # closed at once, no answer
        assert exchange(first, b"AT").endswith(b"OK\r\n")  # the holder was not disturbed
    finally:
        first.close()
    # the line is free again once the server has seen the first client go
    deadline_s = time.monotonic() + 5.0
    while True:
        port = open_port(url_of(served, "socket"), timeout=PORT_TIMEOUT_S)
        try:
            assert exchange(port, b"AT").endswith(b"OK\r\n")
            break
        except serial.SerialException:
            assert time.monotonic() < deadline_s, "the line was not free again in time"
        finally:
            port.close()


def test_the_pty_sees_what_a_tcp_client_is_answered(served: VirtualModuleProcess) -> None:
    fd = os.open(served.tty_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        tty.setraw(fd)
        port = open_port(url_of(served, "socket"), timeout=PORT_TIMEOUT_S)
        try:
            exchange(port, b"AT+CGMR")
        finally:
            port.close()
        seen = b""
        deadline_s = time.monotonic() + 5.0
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"OK\r\n" not in seen and time.monotonic() < deadline_s:
                if selector.select(0.1):
                    seen += os.read(fd, 65536)
        assert seen.endswith(b"AT+CGMR\r\r\nRevision: BC660KGLAAR01A03\r\n\r\nOK\r\n")  # after RDY
    finally:
        os.close(fd)


def test_a_tcp_port_in_use_is_reported() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port_number = taken.getsockname()[1]
        with pytest.raises(VirtualModuleError, match=f"cannot listen on 127.0.0.1: .*{port_number}|in use"):
            start_virtual_module(URL, tcp_ports=TcpPorts(socket_port=port_number))
