"""open_tcp of the BC660K family (harness.dialects.quectel_nbiot_qi) and the OneMO Cat-1
(harness.dialects.cmcc_cat1_socket): golden exchanges written from the vendors' documents
(fixtures/at/golden/quectel_nbiot, cmcc_cat1) on the scripted fake module, and whole streams through virtual
modules to a TCP listener of the test on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from harness.at import ATSession
from harness.dialects import ConnectOptions, ModemLink, ModuleStream, connect
from harness.dialects.cmcc_cat1 import CmccCat1Modem, SendForm, SocketOptions
from harness.dialects.quectel_nbiot import AccessMode, Family, QuectelNbiotModem
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, lines

from . import golden
from .conftest import FAST

MODELS = pytest.mark.parametrize("model", ["bc660k", "ml307r"])
RECEIVE_TIMEOUT_S = 5.0
BAD_HOSTS = ['198.18.0.2",5000\r\nAT+CFUN=0', "198.18.0.2;+CFUN=0", "198.18.0.2\n"]


def bc660k(session: ATSession) -> QuectelNbiotModem:
    return QuectelNbiotModem(session, family=Family.BC660K)


# --- golden exchanges --------------------------------------------------------------------------------------


def test_bc660k_golden_connect_and_close(fake_module: FakeModule, fake_session: ATSession) -> None:
    golden.play(fake_module, "quectel_nbiot", "tcp-connect")
    stream = bc660k(fake_session).open_tcp("198.18.0.2", 5000)
    assert stream.connected.connected_s >= stream.connected.command_s
    stream.close()
    assert fake_module.commands == ['AT+QIOPEN=0,0,"TCP","198.18.0.2",5000,0,1', "AT+QICLOSE=0"]


def test_bc660k_golden_refused_connect(fake_module: FakeModule, fake_session: ATSession) -> None:
    golden.play(fake_module, "quectel_nbiot", "tcp-connect-refused")
    modem = bc660k(fake_session)
    with pytest.raises(ModemError, match=r"\+QIOPEN: 0,566 \(socket connect failed\)"):
        modem.open_tcp("198.18.0.2", 5001)
    golden.play(fake_module, "quectel_nbiot", "tcp-connect")
    modem.open_tcp("198.18.0.2", 5000)  # the connect id was given back: 0 again


def test_bc660k_send_fail_is_retried_for_tcp(fake_module: FakeModule, fake_session: ATSession) -> None:
    golden.play(fake_module, "quectel_nbiot", "tcp-connect")
    results = iter(["SEND FAIL", "SEND OK"])  # a full send buffer, then room [S13]

    def qisend(module: FakeModule) -> None:
        module.send(b"\r\n> ")
        module.read_raw(4)
        module.send(lines("OK", next(results)))

    fake_module.script["AT+QISEND=0,4"] = qisend
    bc660k(fake_session).open_tcp("198.18.0.2", 5000).send(b"data")
    assert fake_module.commands.count("AT+QISEND=0,4") == 2


def test_ml307r_golden_connect_send_receive_close(fake_module: FakeModule, fake_session: ATSession) -> None:
    golden.play(fake_module, "cmcc_cat1", "tcp-connect-send-receive")
    modem = CmccCat1Modem(fake_session, options=SocketOptions(send_form=SendForm.ASCII))
    stream = modem.open_tcp("198.18.0.2", 9500)
    stream.send(b"HELLO")
    received = stream.receive(RECEIVE_TIMEOUT_S)
    assert received is not None
    assert received.data == bytes.fromhex("ABCDE12345")
    stream.close()
    assert fake_module.commands[1:] == [
        'AT+MIPOPEN=0,"TCP","198.18.0.2",9500,60,0',
        'AT+MIPSEND=0,5,"HELLO"',
        "AT+MIPCLOSE=0",
    ]


def test_ml307r_golden_refused_connect(fake_module: FakeModule, fake_session: ATSession) -> None:
    golden.play(fake_module, "cmcc_cat1", "tcp-connect-refused")
    with pytest.raises(ModemError, match=r"557 \(connection refused\)"):
        CmccCat1Modem(fake_session).open_tcp("198.18.0.2", 9501)


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_hosts_that_could_break_a_command_line_are_refused_unwritten(
    fake_module: FakeModule, fake_session: ATSession, host: str
) -> None:
    for modem in (bc660k(fake_session), CmccCat1Modem(fake_session)):
        with pytest.raises(ValueError, match="not allowed"):
            modem.open_tcp(host, 5000)
    assert fake_module.commands == []


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_ports_outside_the_range_are_refused_unwritten(
    fake_module: FakeModule, fake_session: ATSession, port: int
) -> None:
    for modem in (bc660k(fake_session), CmccCat1Modem(fake_session)):
        with pytest.raises(ValueError, match="port"):
            modem.open_tcp("198.18.0.2", port)
    assert fake_module.commands == []


# --- whole streams through virtual modules ---------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2)
    sock.settimeout(5.0)
    try:
        yield sock
    finally:
        sock.close()


@pytest.fixture
def links() -> Iterator[list[ModemLink]]:
    opened: list[ModemLink] = []
    yield opened
    for link in opened:
        link.close()


def open_module(links: list[ModemLink], model: str, query: str = FAST) -> ModemLink:
    link = connect(f"virtual://{model}?{query}", ConnectOptions())
    links.append(link)
    return link


def receive_all(stream: ModuleStream, size_bytes: int) -> bytes:
    data = b""
    while len(data) < size_bytes:
        chunk = stream.receive(RECEIVE_TIMEOUT_S)
        assert chunk is not None, f"the stream stalled after {len(data)} of {size_bytes} bytes"
        data += chunk.data
    return data


@MODELS
def test_a_stream_both_ways_then_the_server_closes(
    links: list[ModemLink], listener: socket.socket, model: str
) -> None:
    modem = open_module(links, model).modem
    stream = modem.open_tcp(*listener.getsockname(), timeout_s=10.0)
    connection, _ = listener.accept()
    connection.settimeout(5.0)
    uplink = bytes(range(256)) * 40  # 10 240 bytes: several sends and segments, every byte value
    stream.send(uplink)
    received = b""
    while len(received) < len(uplink):
        received += connection.recv(65536)
    assert received == uplink
    downlink = b"\r\nOK\r\n+QIURC: x\x00\xff" * 300
    connection.sendall(downlink)
    assert receive_all(stream, len(downlink)) == downlink
    connection.close()
    with pytest.raises(ModemError, match="closed"):
        stream.receive(RECEIVE_TIMEOUT_S)
    assert stream.is_ended
    stream.close()


@MODELS
def test_a_refused_connect_raises_and_frees_the_connect_id(
    links: list[ModemLink], listener: socket.socket, model: str
) -> None:
    modem = open_module(links, model).modem
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(ModemError, match=r"refused|connect failed"):
        modem.open_tcp("127.0.0.1", closed_port, timeout_s=10.0)
    modem.open_tcp(*listener.getsockname(), timeout_s=10.0).close()


@MODELS
def test_the_connect_time_is_the_modules_rrc_setup_and_round_trip(
    links: list[ModemLink], listener: socket.socket, model: str
) -> None:
    """From idle: RRC set-up 300 ms, SYN up and SYN-ACK down 2 x 100 ms; the AT exchange adds little."""
    link = "attach_s=0&delay_ms=100&jitter_ms=0&rrc_setup_ms=300&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
    modem = open_module(links, model, f"{link}&inactivity_s=0.2").modem
    time.sleep(0.5)  # the attach's connection is released after inactivity_s
    stream = modem.open_tcp(*listener.getsockname(), timeout_s=10.0)
    assert 500 <= stream.connected.connect_ms <= 500 + 500  # the upper margin is for a loaded machine
    stream.close()


def test_bc660k_buffer_mode_reads_the_stream_with_qird(
    links: list[ModemLink], listener: socket.socket
) -> None:
    modem = QuectelNbiotModem(open_module(links, "bc660k").session, access_mode=AccessMode.BUFFER)
    stream = modem.open_tcp(*listener.getsockname(), timeout_s=10.0)
    connection, _ = listener.accept()
    downlink = bytes(range(256)) * 20  # more than one AT+QIRD reads
    connection.sendall(downlink)
    assert receive_all(stream, len(downlink)) == downlink
    connection.close()
    stream.close()
