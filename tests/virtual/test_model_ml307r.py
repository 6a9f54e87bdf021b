"""harness.virtual.model_ml307r (with cmcc_sockets): the ML307R-like Cat-1 module driven by its dialect
(harness.dialects.cmcc_cat1, picked by detection): identity, radio snapshot, the module's ping, UDP sockets
over real sockets in normal and packet cache mode; and the raw forms and refusals of the OneMO TCP/IP
manual V5.1.5 (§3.1-3.8, §3.20, §5) through the port."""

from __future__ import annotations

import socket

import pytest

from harness.dialects.cmcc_cat1 import AccessMode, CmccCat1Modem, SendForm, SocketOptions
from harness.errors import ModemError

from .conftest import OpenLink, StartModule, Terminal, control

FAST = "attach_s=0&delay_ms=2&jitter_ms=0&rrc_setup_ms=0&loss_pct=0&inactivity_s=5"
ICCID = "89861118216007272115"


def ml307r(open_link: OpenLink, query: str = FAST) -> CmccCat1Modem:
    link = open_link(f"virtual://ml307r?{query}")
    assert link.dialect == "cmcc_cat1"
    modem = link.modem
    assert isinstance(modem, CmccCat1Modem)
    modem.attach(None, timeout_s=10)
    return modem


def test_identity(open_link: OpenLink) -> None:
    identity = ml307r(open_link, f"{FAST}&iccid={ICCID}").identity()
    assert (identity.manufacturer, identity.model, identity.firmware, identity.iccid) == (
        "CMCC",
        "ML307R-DC",
        "ML307R-DC-MBRH0S01",
        ICCID,
    )


def test_radio_snapshot_from_muestats(open_link: OpenLink) -> None:
    snapshot = ml307r(open_link, f"{FAST}&rsrp=-101.5").radio_snapshot()
    assert (snapshot.rsrp_dbm, snapshot.rsrq_db, snapshot.sinr_db, snapshot.ce_level) == (
        -101.5,
        -9.0,
        18.0,
        None,
    )
    assert (snapshot.cell_id, snapshot.pci, snapshot.earfcn, snapshot.band) == ("01A2B3C4", 57, 1650, 3)


def test_radio_before_registration_is_invalid(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=3600", model="ml307r")
    assert terminal.lines('AT+MUESTATS="radio"') == [
        '+MUESTATS: "radio",4,-32768,-32768,,,,FFFFFFFF,,-32768,-1,65535,-32768',
        "OK",
    ]
    assert terminal.lines('AT+MUESTATS="sband"') == ["+CME ERROR: 3"]
    assert terminal.lines("AT+MUESTATS") == ["ERROR"]  # no default <type> on ML307R


def test_ping(open_link: OpenLink) -> None:
    modem = ml307r(open_link)
    result = modem.ping("127.0.0.1", count=2, timeout_s=2)
    assert (result.sent, result.received) == (2, 2)
    assert all(4 <= rtt < 200 for rtt in result.rtts_ms), result.rtts_ms  # 2 x 2 ms of link delay at least
    single = modem.ping("127.0.0.1", count=1, timeout_s=2)
    assert (single.sent, single.received) == (1, 1)
    with pytest.raises(ModemError, match="could not start"):
        modem.ping("no.such.host", count=1, timeout_s=1)


@pytest.mark.parametrize(
    "options",
    [
        SocketOptions(),
        SocketOptions(access_mode=AccessMode.PACKET_CACHE),
        SocketOptions(send_form=SendForm.HEX),
        SocketOptions(send_form=SendForm.ASCII),
    ],
)
def test_udp_round_trip(open_link: OpenLink, server: socket.socket, options: SocketOptions) -> None:
    link = open_link(f"virtual://ml307r?{FAST}")
    modem = CmccCat1Modem(link.session, options=options)
    modem.attach(None, timeout_s=10)
    payload = b"ping-pong" if options.send_form is SendForm.ASCII else b"\x00\r\nOK\r\n\xff"
    sock = modem.open_udp(*server.getsockname())
    sock.send(payload)
    received, address = server.recvfrom(2048)
    assert received == payload
    server.sendto(payload[::-1], address)
    datagram = sock.receive(5.0)
    assert datagram is not None
    assert datagram.data == payload[::-1]
    sock.close()


def test_network_deregistration_closes_the_socket(open_link: OpenLink, server: socket.socket) -> None:
    link = open_link(f"virtual://ml307r?{FAST}")
    modem = link.modem
    assert isinstance(modem, CmccCat1Modem)
    modem.attach(None, timeout_s=10)
    sock = modem.open_udp(*server.getsockname())
    control(link.port, {"op": "network", "registration": "deregister"})
    with pytest.raises(ModemError, match="closed by the network"):
        sock.receive(5.0)
    sock.close()


@pytest.fixture
def terminal(start_module: StartModule) -> Terminal:
    terminal = start_module(f"echo=0&{FAST}", model="ml307r")
    terminal.wait_registered()
    return terminal


def open_raw(terminal: Terminal, server: socket.socket, *, mode: int = 0) -> None:
    port = server.getsockname()[1]
    assert terminal.lines(f'AT+MIPOPEN=0,"UDP","127.0.0.1",{port},60,{mode}') == ["OK"]
    terminal.read_until(b"+MIPOPEN: 0,0\r\n")


def test_refusals_name_the_manuals_codes(terminal: Terminal, server: socket.socket) -> None:
    assert terminal.lines("AT+MIPCLOSE=0") == ["+CME ERROR: 551"]
    assert terminal.lines("AT+MIPSEND=0,3") == ["+CME ERROR: 551"]
    open_raw(terminal, server)
    assert terminal.lines('AT+MIPOPEN=0,"UDP","127.0.0.1",9') == ["+CME ERROR: 552"]
    assert terminal.lines('AT+MIPSEND=0,1,"a",1') == ["+CME ERROR: 50"]  # no RAI on a 4G part
    assert terminal.lines('AT+MIPOPEN=1,"UDP","127.0.0.1",9,60,1') == ["+CME ERROR: 4"]
    assert terminal.lines('AT+MIPOPEN=6,"UDP","127.0.0.1",9') == ["+CME ERROR: 50"]
    assert terminal.lines('AT+MIPOPEN=2,"UDP","example.invalid",9') == ["OK"]
    terminal.read_until(b"+MIPOPEN: 2,580\r\n")
    assert terminal.lines('AT+MIPOPEN=3,"UDP","192.0.2.1",9') == ["OK"]
    terminal.read_until(b"+MIPOPEN: 3,559\r\n")  # outside the network rule: never sent
    assert terminal.lines("AT+CFUN=0") == ["OK"]
    terminal.read_until(b'+MIPURC: "disconn",0,3\r\n')
    assert terminal.lines('AT+MIPOPEN=0,"UDP","127.0.0.1",9') == ["+CME ERROR: 570"]


def test_inline_send_and_packet_cache_read(terminal: Terminal, server: socket.socket) -> None:
    open_raw(terminal, server, mode=3)
    assert terminal.lines('AT+MIPSEND=0,5,"hello"') == ["+MIPSEND: 0,5", "OK"]
    _, address = server.recvfrom(64)
    assert terminal.lines('AT+MIPCFG="encoding",0,1,1') == ["OK"]
    assert terminal.lines('AT+MIPCFG="encoding",0') == ['+MIPCFG: "encoding",0,1,1', "OK"]
    assert terminal.lines('AT+MIPSEND=0,2,"4142"') == ["+MIPSEND: 0,2", "OK"]
    assert server.recv(64) == b"AB"
    for payload in (b"one", b"two"):
        server.sendto(payload, address)
    terminal.read_until(b'+MIPURC: "rudp",0,2\r\n')
    assert terminal.lines("AT+MIPRD=0") == ["+MIPRD: 0,2", "OK"]
    assert terminal.lines("AT+MIPRD=0,1") == ["+MIPRD: 0,1,3,6F6E65", "OK"]
    assert terminal.lines("AT+MIPRD=0,0") == ["+MIPRD: 0,0,3,74776F", "OK"]
    assert terminal.lines("AT+MIPRD=0,1") == ["OK"]
    assert terminal.lines("AT+MIPSTATE=0") == [
        f'+MIPSTATE: 0,"UDP","127.0.0.1",{server.getsockname()[1]},"CONNECTED"',
        "OK",
    ]
    assert terminal.lines("AT+MIPCLOSE=0") == ["OK"]
    terminal.read_until(b"+MIPCLOSE: 0\r\n")
    assert terminal.lines("AT+MIPSTATE=0") == ['+MIPSTATE: 0,,,,"INITIAL"', "OK"]


def test_autofree_1_keeps_a_network_closed_socket_until_mipclose(
    terminal: Terminal, server: socket.socket
) -> None:
    assert terminal.lines('AT+MIPCFG="autofree",0,1') == ["OK"]
    open_raw(terminal, server)
    control(terminal.port, {"op": "network", "registration": "deregister"})
    terminal.read_until(b'+MIPURC: "disconn",0,3\r\n')
    assert terminal.lines("AT+MIPSTATE=0") == ['+MIPSTATE: 0,,,,"CLOSED"', "OK"]
    assert terminal.lines("AT+MIPSEND=0,1") == ["+CME ERROR: 553"]
    assert terminal.lines("AT+MIPCLOSE=0") == ["OK"]
    terminal.read_until(b"+MIPCLOSE: 0\r\n")
    assert terminal.lines("AT+MIPSTATE=0") == ['+MIPSTATE: 0,,,,"INITIAL"', "OK"]
