"""harness.virtual.quectel_sockets: UDP via AT+QIOPEN/QISEND/QIRD/QICLOSE to a UDP socket of the test."""

from __future__ import annotations

import socket
import time

import pytest

from .conftest import StartModule, Terminal

# fast, lossless, no setup delay: the link is tested in test_link.py; here the AT syntax and the sockets
FAST = "echo=0&attach_s=0&delay_ms=5&jitter_ms=0&ul_kbps=10000&dl_kbps=10000&rrc_setup_ms=0&loss_pct=0"
PAYLOAD = b"\x00probe\r\nwith CR LF\rand NUL\x00\n"
REPLY = b"\r\n\x00echo\x00\r\n"


@pytest.fixture
def module(start_module: StartModule) -> Terminal:
    terminal = start_module(FAST)
    terminal.wait_registered()
    return terminal


def open_udp(terminal: Terminal, server: socket.socket, *, connect_id: int = 0, access_mode: int = 0) -> None:
    port = server.getsockname()[1]
    command = f'AT+QIOPEN=0,{connect_id},"UDP","127.0.0.1",{port},0,{access_mode}'
    assert terminal.command(command) == b"\r\nOK\r\n"
    assert terminal.read_until(b"\r\n", timeout_s=5.0) + terminal.read_until(b"\r\n") == (
        f"\r\n+QIOPEN: {connect_id},0\r\n".encode()
    )


def send(terminal: Terminal, payload: bytes, *, connect_id: int = 0) -> None:
    terminal.send(f"AT+QISEND={connect_id},{len(payload)}\r")
    assert terminal.read_until(b"> ") == b"\r\n> "
    terminal.send(payload)
    assert terminal.read_until(b"SEND OK\r\n") == b"\r\nOK\r\n\r\nSEND OK\r\n"


def qiopen_result(terminal: Terminal, command: str) -> bytes:
    assert terminal.command(command) == b"\r\nOK\r\n"
    return terminal.read_until(b"\r\n", timeout_s=5.0) + terminal.read_until(b"\r\n")


def test_udp_round_trip_in_buffer_mode(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    send(module, PAYLOAD)
    received, address = server.recvfrom(2048)
    assert received == PAYLOAD
    assert address[0] == "127.0.0.1"
    server.sendto(REPLY, address)
    assert module.read_until(b'+QIURC: "recv",0\r\n') == b'\r\n+QIURC: "recv",0\r\n'
    expected = f"\r\n+QIRD: {len(REPLY)}\r\n".encode() + REPLY + b"\r\n\r\nOK\r\n"
    module.send("AT+QIRD=0,1500\r")
    assert module.read_until(expected) == expected
    assert module.lines("AT+QIRD=0,1500") == ["+QIRD: 0", "OK"]
    assert module.lines("AT+QIRD=0,0") == [f"+QIRD: {len(REPLY)},{len(REPLY)},0", "OK"]


def test_udp_round_trip_in_direct_push_mode(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server, connect_id=2, access_mode=1)
    send(module, PAYLOAD, connect_id=2)
    _, address = server.recvfrom(2048)
    server.sendto(REPLY, address)
    expected = f'\r\n+QIURC: "recv",2,{len(REPLY)}\r\n'.encode() + REPLY + b"\r\n"
    assert module.read_until(expected) == expected
    assert module.lines("AT+QIRD=2,1500") == ["ERROR"]  # nothing to read in direct push mode


def test_recv_urc_only_when_data_enters_an_empty_buffer(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    send(module, b"x")
    _, address = server.recvfrom(2048)
    for datagram in (b"one", b"two", b"three"):
        server.sendto(datagram, address)
    module.read_until(b'+QIURC: "recv",0\r\n')
    assert b"+QIURC" not in module.collect(0.2)
    reads = [module.lines("AT+QIRD=0,1500")[0] for _ in range(4)]
    assert reads == ["+QIRD: 3", "+QIRD: 3", "+QIRD: 5", "+QIRD: 0"]


def test_qird_reads_one_datagram_and_cuts_it_at_the_length(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    send(module, b"x")
    _, address = server.recvfrom(2048)
    server.sendto(b"abcdef", address)
    module.read_until(b'+QIURC: "recv",0\r\n')
    module.send("AT+QIRD=0,4\r")
    assert module.read_until(b"OK\r\n") == b"\r\n+QIRD: 4\r\nabcd\r\n\r\nOK\r\n"
    assert module.lines("AT+QIRD=0,1500") == ["+QIRD: 0", "OK"]


def test_variable_length_send_ends_with_ctrl_z(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    module.send("AT+QISEND=0\r")
    module.read_until(b"> ")
    module.send(b"hello\r\nthere\x1a")
    assert module.read_until(b"SEND OK\r\n") == b"\r\nOK\r\n\r\nSEND OK\r\n"
    assert server.recvfrom(2048)[0] == b"hello\r\nthere"


def test_local_port_is_used_as_the_source_port(module: Terminal, server: socket.socket) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        local_port = probe.getsockname()[1]
    port = server.getsockname()[1]
    result = qiopen_result(module, f'AT+QIOPEN=0,1,"UDP","127.0.0.1",{port},{local_port},0')
    assert result == b"\r\n+QIOPEN: 1,0\r\n"
    send(module, b"x", connect_id=1)
    assert server.recvfrom(2048)[1] == ("127.0.0.1", local_port)


def test_qiclose_closes_and_the_connect_id_can_be_reused(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    assert module.lines("AT+QICLOSE=0") == ["OK"]
    assert module.lines("AT+QISEND=0,3") == ["ERROR"]
    assert module.lines("AT+QIRD=0,10") == ["ERROR"]
    assert module.lines("AT+QICLOSE=0") == ["OK"]  # closing a closed socket is no error
    open_udp(module, server)


@pytest.mark.parametrize(
    ("host", "service", "err"),
    [
        ("192.0.2.1", "UDP", 572),  # outside the network rule (TEST-NET-1)
        ("8.8.8.8", "UDP", 572),
        ("198.20.0.1", "UDP", 572),  # just past 198.18.0.0/15
        ("example.com", "UDP", 565),  # no name resolution in a virtual module
        ("192.0.2.1", "TCP", 572),  # TCP is refused by the same rule (test_tcp_sockets.py for the rest)
    ],
)
def test_refused_opens_report_the_quectel_error(module: Terminal, host: str, service: str, err: int) -> None:
    result = qiopen_result(module, f'AT+QIOPEN=0,0,"{service}","{host}",5683,0,0')
    assert result == f"\r\n+QIOPEN: 0,{err}\r\n".encode()
    assert module.lines("AT+QISEND=0,1") == ["ERROR"]


def test_connect_id_in_use(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    port = server.getsockname()[1]
    assert qiopen_result(module, f'AT+QIOPEN=0,0,"UDP","127.0.0.1",{port},0,0') == b"\r\n+QIOPEN: 0,563\r\n"


def test_no_socket_before_registration(start_module: StartModule, server: socket.socket) -> None:
    terminal = start_module("echo=0&attach_s=60")
    port = server.getsockname()[1]
    result = qiopen_result(terminal, f'AT+QIOPEN=0,0,"UDP","127.0.0.1",{port},0,0')
    assert result == b"\r\n+QIOPEN: 0,561\r\n"


@pytest.mark.parametrize(
    "command",
    [
        'AT+QIOPEN=1,0,"UDP","127.0.0.1",5683',  # contextID must be 0
        'AT+QIOPEN=0,5,"UDP","127.0.0.1",5683',  # connectID 0-4 by default
        'AT+QIOPEN=0,0,"UDP","127.0.0.1",0',  # no remote port
        'AT+QIOPEN=0,0,"SCTP","127.0.0.1",5683',
        "AT+QISEND=0,1461",  # above the send limit
        "AT+QIRD=0,1501",
    ],
)
def test_wrong_arguments_give_cme_error_50(module: Terminal, command: str) -> None:
    assert module.lines(command) == ["+CME ERROR: 50"]


def test_deregistration_closes_sockets_with_a_urc(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server, connect_id=1)
    assert module.lines("AT+CFUN=0") == ["OK"]
    assert module.read_until(b'+QIURC: "closed",1\r\n') == b'\r\n+QIURC: "closed",1\r\n'
    assert module.lines("AT+QISEND=1,1") == ["ERROR"]


def test_uplink_takes_at_least_the_link_delay(start_module: StartModule, server: socket.socket) -> None:
    terminal = start_module("echo=0&attach_s=0&delay_ms=300&jitter_ms=0&rrc_setup_ms=0&ul_kbps=10000")
    terminal.wait_registered()
    open_udp(terminal, server)
    sent_s = time.monotonic()
    send(terminal, b"slow")
    assert server.recvfrom(2048)[0] == b"slow"
    assert time.monotonic() - sent_s >= 0.3


def test_lost_datagrams_never_reach_the_server(start_module: StartModule, server: socket.socket) -> None:
    terminal = start_module(FAST.replace("loss_pct=0", "loss_pct=100"))
    terminal.wait_registered()
    open_udp(terminal, server)
    send(terminal, b"gone")
    server.settimeout(0.3)
    with pytest.raises(TimeoutError):
        server.recvfrom(2048)


def test_send_after_idle_reports_rrc_setup(start_module: StartModule, server: socket.socket) -> None:
    terminal = start_module(FAST.replace("rrc_setup_ms=0", "rrc_setup_ms=50") + "&inactivity_s=0.3")
    terminal.wait_registered()
    assert terminal.lines("AT+CSCON=1") == ["OK"]
    terminal.read_until(b"+CSCON: 0\r\n", timeout_s=5.0)  # the attach's connection is released
    open_udp(terminal, server)
    send(terminal, b"wake")
    assert terminal.read_until(b"+CSCON: 1\r\n") == b"\r\n+CSCON: 1\r\n"
    assert terminal.read_until(b"+CSCON: 0\r\n", timeout_s=5.0) == b"\r\n+CSCON: 0\r\n"
    assert server.recvfrom(2048)[0] == b"wake"
