"""harness.virtual.tcp_sockets under the AT commands of bc660k (quectel_tcp_sockets) and ml307r
(cmcc_tcp_sockets): a real TCP server of the test at the far end, the connect taking the link's time."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from .conftest import StartModule, Terminal

# fast and lossless; the connect delay test sets its own link
FAST = "echo=0&attach_s=0&delay_ms=5&jitter_ms=0&ul_kbps=10000&dl_kbps=10000&rrc_setup_ms=0&loss_pct=0"
PAYLOAD = b"\x00stream\r\nwith CR LF\rand NUL\x00\n"
REPLY = b"\r\n\x00reply\x00\r\n"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """The far end: a TCP listener on loopback; every accept and read has a deadline."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(5.0)
    try:
        yield sock
    finally:
        sock.close()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def accept(listener: socket.socket) -> socket.socket:
    connection, _ = listener.accept()
    connection.settimeout(5.0)
    return connection


def read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        assert chunk, f"the connection ended after {len(data)} of {size} bytes"
        data += chunk
    return data


def rest_of_line(terminal: Terminal, prefix: bytes) -> bytes:
    """What follows `prefix` up to the end of its line (everything before it is skipped)."""
    terminal.read_until(prefix, timeout_s=5.0)
    return terminal.read_until(b"\r\n")


def qiopen(terminal: Terminal, port: int, *, connect_id: int = 0, access_mode: int = 0) -> bytes:
    command = f'AT+QIOPEN=0,{connect_id},"TCP","127.0.0.1",{port},0,{access_mode}'
    assert terminal.command(command) == b"\r\nOK\r\n"
    return rest_of_line(terminal, b"+QIOPEN: ")


def qisend(terminal: Terminal, payload: bytes, *, connect_id: int = 0) -> bytes:
    terminal.send(f"AT+QISEND={connect_id},{len(payload)}\r")
    terminal.read_until(b"> ")
    terminal.send(payload)
    return rest_of_line(terminal, b"SEND ")


@pytest.fixture
def bc660k(start_module: StartModule) -> Terminal:
    terminal = start_module(FAST)
    terminal.wait_registered()
    return terminal


def test_bc660k_connect_send_receive_in_buffer_mode(bc660k: Terminal, listener: socket.socket) -> None:
    assert qiopen(bc660k, listener.getsockname()[1]) == b"0,0\r\n"
    connection = accept(listener)
    assert qisend(bc660k, PAYLOAD) == b"OK\r\n"
    assert read_exactly(connection, len(PAYLOAD)) == PAYLOAD
    connection.sendall(REPLY)
    bc660k.read_until(b'+QIURC: "recv",0\r\n')
    expected = f"\r\n+QIRD: {len(REPLY)}\r\n".encode() + REPLY + b"\r\n\r\nOK\r\n"
    bc660k.send("AT+QIRD=0,1500\r")
    assert bc660k.read_until(expected) == expected
    assert bc660k.lines("AT+QIRD=0,1500") == ["+QIRD: 0", "OK"]
    assert bc660k.lines("AT+QIRD=0,0") == [f"+QIRD: {len(REPLY)},{len(REPLY)},0", "OK"]
    sent = len(PAYLOAD)
    assert bc660k.lines("AT+QISEND=0,0") == [f"+QISEND: {sent},{sent},0", "OK"]
    connection.close()


def test_bc660k_direct_push_and_peer_close(bc660k: Terminal, listener: socket.socket) -> None:
    assert qiopen(bc660k, listener.getsockname()[1], connect_id=3, access_mode=1) == b"3,0\r\n"
    connection = accept(listener)
    connection.sendall(REPLY)
    expected = f'+QIURC: "recv",3,{len(REPLY)}\r\n'.encode() + REPLY + b"\r\n"
    assert bc660k.read_until(expected).endswith(expected)
    connection.close()
    bc660k.read_until(b'+QIURC: "closed",3\r\n')
    assert bc660k.lines("AT+QISEND=3,4") == ["ERROR"]
    assert bc660k.lines("AT+QIRD=3,10") == ["ERROR"]  # direct push: nothing to read
    assert bc660k.lines("AT+QICLOSE=3") == ["OK"]
    assert bc660k.lines("AT+QISEND=3,4") == ["ERROR"]


def test_bc660k_module_close_reaches_the_server_after_the_data(
    bc660k: Terminal, listener: socket.socket
) -> None:
    qiopen(bc660k, listener.getsockname()[1])
    connection = accept(listener)
    qisend(bc660k, PAYLOAD)
    assert bc660k.lines("AT+QICLOSE=0") == ["OK"]
    assert read_exactly(connection, len(PAYLOAD)) == PAYLOAD
    assert connection.recv(10) == b""  # the FIN came after the data


def test_bc660k_refused_connect_reports_566(bc660k: Terminal) -> None:
    assert qiopen(bc660k, closed_port()) == b"0,566\r\n"
    assert bc660k.lines("AT+QISEND=0,4") == ["ERROR"]  # the connect id is free again


def test_bc660k_connect_timeout_reports_569(start_module: StartModule, listener: socket.socket) -> None:
    # every SYN is lost on the link; 150 s x 0.005 = 0.75 s of waiting
    terminal = start_module(FAST.replace("loss_pct=0", "loss_pct=100") + "&timer_scale=0.005")
    terminal.wait_registered()
    started_s = time.monotonic()
    assert qiopen(terminal, listener.getsockname()[1]) == b"0,569\r\n"
    assert 0.7 <= time.monotonic() - started_s <= 3.0


def test_connect_takes_rrc_setup_and_one_round_trip_of_the_link(
    start_module: StartModule, listener: socket.socket
) -> None:
    """From idle: RRC set-up (300 ms), the SYN up and the SYN-ACK down (2 x 100 ms); airtime is tiny."""
    link = "echo=0&attach_s=0&delay_ms=100&jitter_ms=0&ul_kbps=10000&dl_kbps=10000&loss_pct=0"
    terminal = start_module(f"{link}&rrc_setup_ms=300&inactivity_s=0.2")
    terminal.wait_registered()
    time.sleep(0.4)  # the attach's connection is released after inactivity_s
    command = f'AT+QIOPEN=0,0,"TCP","127.0.0.1",{listener.getsockname()[1]},0,0'
    started_s = time.monotonic()
    terminal.send(command + "\r")
    terminal.read_until(b"+QIOPEN: 0,0\r\n")
    elapsed_s = time.monotonic() - started_s
    assert 0.5 <= elapsed_s <= 0.5 + 0.5  # the upper margin is for a loaded machine


@pytest.fixture
def ml307r(start_module: StartModule) -> Terminal:
    terminal = start_module(FAST, model="ml307r")
    terminal.wait_registered()
    assert terminal.lines('AT+MIPCFG="encoding",0,0,1') == ["OK"]
    return terminal


def mipopen(terminal: Terminal, port: int, *, timeout_s: int = 10) -> bytes:
    assert terminal.command(f'AT+MIPOPEN=0,"TCP","127.0.0.1",{port},{timeout_s},0') == b"\r\nOK\r\n"
    return rest_of_line(terminal, b"+MIPOPEN: ")


def test_ml307r_connect_send_receive_and_peer_close(ml307r: Terminal, listener: socket.socket) -> None:
    assert mipopen(ml307r, listener.getsockname()[1]) == b"0,0\r\n"
    connection = accept(listener)
    port = listener.getsockname()[1]
    assert ml307r.lines("AT+MIPSTATE=0") == [f'+MIPSTATE: 0,"TCP","127.0.0.1",{port},"CONNECTED"', "OK"]
    ml307r.send(f"AT+MIPSEND=0,{len(PAYLOAD)}\r")
    ml307r.read_until(b">")
    ml307r.send(PAYLOAD)
    assert ml307r.read_until(b"OK\r\n").endswith(f"+MIPSEND: 0,{len(PAYLOAD)}\r\n\r\nOK\r\n".encode())
    assert read_exactly(connection, len(PAYLOAD)) == PAYLOAD
    connection.sendall(REPLY)
    expected = f'+MIPURC: "rtcp",0,{len(REPLY)},{REPLY.hex().upper()}\r\n'.encode()
    assert ml307r.read_until(expected).endswith(expected)
    connection.close()
    ml307r.read_until(b'+MIPURC: "disconn",0,1\r\n')
    assert ml307r.lines("AT+MIPSTATE=0") == ['+MIPSTATE: 0,,,,"INITIAL"', "OK"]  # autofree 0


def test_ml307r_refused_and_timed_out_connects(start_module: StartModule, listener: socket.socket) -> None:
    terminal = start_module(FAST, model="ml307r")
    terminal.wait_registered()
    assert mipopen(terminal, closed_port()) == b"0,557\r\n"
    assert terminal.lines("AT+MIPCLOSE=0") == ["+CME ERROR: 551"]
    lossy = start_module(FAST.replace("loss_pct=0", "loss_pct=100"), model="ml307r")
    lossy.wait_registered()
    started_s = time.monotonic()
    assert mipopen(lossy, listener.getsockname()[1], timeout_s=1) == b"0,558\r\n"
    assert 0.9 <= time.monotonic() - started_s <= 3.0


def test_a_lossy_link_still_delivers_the_stream_whole_and_in_order(
    start_module: StartModule, listener: socket.socket
) -> None:
    """20 % of the packets are lost on the link (seeded: at least one of these is); TCP's retransmissions
    make up for it, each after an RTO of at least 1 s (RFC 6298 §2.4), so the stream takes that long."""
    terminal = start_module(FAST.replace("loss_pct=0", "loss_pct=20") + "&seed=5")
    terminal.wait_registered()
    command = f'AT+QIOPEN=0,0,"TCP","127.0.0.1",{listener.getsockname()[1]},0,0'
    started_s = time.monotonic()
    assert terminal.command(command) == b"\r\nOK\r\n"
    terminal.read_until(b"+QIOPEN: 0,0\r\n", timeout_s=20.0)
    connection = accept(listener)
    connection.settimeout(20.0)
    chunks = [bytes([index]) * 1000 for index in range(4)]
    for chunk in chunks:
        assert qisend(terminal, chunk) == b"OK\r\n"
    assert read_exactly(connection, 4000) == b"".join(chunks)
    assert time.monotonic() - started_s >= 1.0  # a loss was repaired
    connection.close()


def test_a_full_send_buffer_is_send_fail(start_module: StartModule, listener: socket.socket) -> None:
    """A slow uplink (1 kbit/s, 12 s a segment): the 16 384-byte send buffer is full after 11 sends of 1460
    bytes."""
    terminal = start_module(FAST.replace("ul_kbps=10000", "ul_kbps=1"))
    terminal.wait_registered()
    qiopen(terminal, listener.getsockname()[1])
    # kept open to the end: an unreferenced far end closes at once, and its FIN, racing the sends, once
    # ended the connection (+QIURC: "closed") before the buffer query under CI load
    far_end = accept(listener)
    results = [qisend(terminal, bytes(1460)) for _ in range(12)]
    assert results == [b"OK\r\n"] * 11 + [b"FAIL\r\n"]
    unacked = terminal.lines("AT+QISEND=0,0")[0]
    sent, acked, pending = (int(field) for field in unacked.removeprefix("+QISEND: ").split(","))
    assert sent == 11 * 1460
    assert acked + pending == sent
    assert pending > 16384 - 1460
    far_end.close()
