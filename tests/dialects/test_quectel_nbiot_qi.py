"""harness.dialects.quectel_nbiot_qi: AT+QIOPEN UDP sockets of the BC660K family, against a virtual BC660K and
a UdpReflector on loopback (the only address these tests send to), and a scripted fake module for the
failures a virtual module does not produce."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATSession, Urc
from harness.dialects import ConnectOptions, Datagram, ModemLink, ModuleSocket
from harness.dialects.quectel_nbiot import AccessMode, Family, QuectelNbiotModem
from harness.dialects.release_assistance import ReleaseAssistance, ReleaseAssistingSocket
from harness.errors import ModemError
from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server.reflector import UdpReflector
from tests.at.fake_module import FakeModule, lines

from .conftest import FAST, OpenLink

PROBE_BYTES = 48
# Bytes that look like framing to an AT reader: a datagram must come back exactly as it was sent.
TRICKY_TAIL = b'\r\nOK\r\n\x00+QIURC: "closed",0\r\n\r\n> \x1a\x1b\xff'
RECEIVE_TIMEOUT_S = 5.0
QUEUED_TIMEOUT_S = 5.0
MODES = pytest.mark.parametrize("mode", list(AccessMode), ids=lambda mode: mode.name.lower())


@pytest.fixture
def link(open_link: OpenLink) -> ModemLink:
    """A registered virtual module on the baseline dialect: each test builds the Quectel Modem it needs."""
    return open_link(FAST, ConnectOptions(dialect="ts27007"))


def quectel(link: ModemLink, mode: AccessMode) -> QuectelNbiotModem:
    return QuectelNbiotModem(link.session, access_mode=mode)


def bc660k(session: ATSession) -> QuectelNbiotModem:
    """A BC660K-family Modem on a scripted module (which does not answer +CGMM)."""
    return QuectelNbiotModem(session, family=Family.BC660K)


def probe(seq: int, tail: bytes = b"") -> bytes:
    return encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), PROBE_BYTES) + tail


def open_to(modem: QuectelNbiotModem, reflector: UdpReflector) -> ModuleSocket:
    host, port = reflector.address
    return modem.open_udp(host, port)


def echo(sock: ModuleSocket, payload: bytes) -> tuple[float, Datagram]:
    """Send one probe, receive its reflection: (send's time, the datagram)."""
    sent_s = sock.send(payload)
    datagram = sock.receive(RECEIVE_TIMEOUT_S)
    assert datagram is not None, "no reflection within the deadline"
    return sent_s, datagram


def seq_of(datagram: Datagram | None) -> int:
    assert datagram is not None, "no datagram within the deadline"
    header = decode_probe(datagram.data)
    assert header is not None, f"not a probe: {datagram.data!r}"
    return header.seq


def wait_announced(session: ATSession, since_s: float) -> Urc:
    """Until the module announces (buffer mode) a datagram that entered its empty receive queue."""
    return session.wait_for_urc(
        '+QIURC: "recv"',
        timeout_s=RECEIVE_TIMEOUT_S,
        match=lambda urc: urc.line.endswith(",0"),
        since_s=since_s,
    )


def wait_reflected(reflector: UdpReflector, count: int) -> None:
    deadline_s = time.monotonic() + RECEIVE_TIMEOUT_S
    while reflector.stats().reflected < count:
        assert time.monotonic() < deadline_s, f"reflector stats {reflector.stats()}, wanted {count} reflected"
        time.sleep(0.01)


# --- UDP through the virtual module ------------------------------------------------------------------------


@MODES
def test_udp_round_trip_to_a_reflector(link: ModemLink, reflector: UdpReflector, mode: AccessMode) -> None:
    sock = open_to(quectel(link, mode), reflector)
    sent_s, datagram = echo(sock, probe(7))
    header = decode_probe(datagram.data)
    assert header is not None
    assert (header.seq, header.is_reflected) == (7, True)
    assert header.server_rx_ns > 0
    assert len(datagram.data) == PROBE_BYTES
    assert sent_s < datagram.t_s <= link.session.now_s()
    sock.close()
    wait_reflected(reflector, 1)  # the reflector counts an echo just after it leaves
    assert reflector.stats().reflected == 1


def test_connect_gives_a_direct_push_modem_that_round_trips(
    open_link: OpenLink, reflector: UdpReflector
) -> None:
    modem = open_link(FAST).modem
    assert isinstance(modem, QuectelNbiotModem)
    assert modem.access_mode is AccessMode.DIRECT_PUSH
    sent_s, datagram = echo(open_to(modem, reflector), probe(1))
    assert decode_probe(datagram.data) is not None
    assert sent_s < datagram.t_s


@MODES
def test_payload_with_cr_lf_nul_arrives_intact(
    link: ModemLink, reflector: UdpReflector, mode: AccessMode
) -> None:
    # seq 0x0D0A0D0A puts CR LF into the header as well
    sock = open_to(quectel(link, mode), reflector)
    _, datagram = echo(sock, probe(0x0D0A0D0A, TRICKY_TAIL))
    assert datagram.data[-len(TRICKY_TAIL) :] == TRICKY_TAIL
    assert seq_of(datagram) == 0x0D0A0D0A


@MODES
def test_any_payload_comes_back_byte_for_byte(
    link: ModemLink, reflector: UdpReflector, mode: AccessMode
) -> None:
    sock = open_to(quectel(link, mode), reflector)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(tail=st.binary(max_size=300))
    def round_trip(tail: bytes) -> None:
        _, datagram = echo(sock, probe(1, tail))
        assert datagram.data[PROBE_BYTES:] == tail

    round_trip()


def test_several_queued_datagrams_are_all_read_in_buffer_mode(
    link: ModemLink, reflector: UdpReflector
) -> None:
    sock = open_to(quectel(link, AccessMode.BUFFER), reflector)
    first_sent_s = sock.send(probe(0))
    for seq in (1, 2):
        sock.send(probe(seq))
    wait_announced(link.session, first_sent_s)
    wait_reflected(reflector, 3)
    # With a zero-delay link the last two are queued behind the one announcement a moment after the
    # reflector sent them; should one still be on its way, it gets its own announcement and is read too.
    time.sleep(0.1)
    received = [sock.receive(RECEIVE_TIMEOUT_S) for _ in range(3)]
    assert [seq_of(datagram) for datagram in received] == [0, 1, 2]
    assert sock.receive(0.2) is None


def test_every_echo_in_buffer_mode_is_timed_after_its_send(link: ModemLink, reflector: UdpReflector) -> None:
    # A fast echo can be in the module before receive() runs; each exchange must still time its own datagram.
    sock = open_to(quectel(link, AccessMode.BUFFER), reflector)
    for seq in range(3):
        sent_s = sock.send(probe(seq))
        announced = wait_announced(link.session, sent_s)  # the echo is in the module's queue
        datagram = sock.receive(RECEIVE_TIMEOUT_S)
        assert seq_of(datagram) == seq
        assert datagram is not None
        assert datagram.t_s >= announced.t_s > sent_s, f"echo {seq} timed before it was announced"
        if seq == 0:  # nothing read before: the announcement times its datagram
            assert datagram.t_s == announced.t_s


@MODES
def test_receive_without_traffic_times_out_with_none(
    link: ModemLink, reflector: UdpReflector, mode: AccessMode
) -> None:
    sock = open_to(quectel(link, mode), reflector)
    assert sock.receive(0.2) is None


def test_open_to_a_refused_address_is_a_modem_error_and_frees_its_id(
    link: ModemLink, reflector: UdpReflector
) -> None:
    # the virtual module refuses addresses outside loopback and 198.18.0.0/15 without sending anything
    modem = quectel(link, AccessMode.DIRECT_PUSH)
    with pytest.raises(ModemError, match=r"to 10\.0\.0\.1:7 failed: \+QIOPEN: 0,572"):
        modem.open_udp("10.0.0.1", 7)
    sockets = [open_to(modem, reflector) for _ in range(5)]  # all five ids, the failed one included
    echo(sockets[0], probe(0))


def test_an_address_that_would_inject_a_command_is_refused(link: ModemLink, reflector: UdpReflector) -> None:
    modem = quectel(link, AccessMode.DIRECT_PUSH)
    with pytest.raises(ValueError, match="not allowed"):
        modem.open_udp('127.0.0.1";+CFUN=0;"', reflector.address[1])
    assert link.modem.registration().is_registered  # no +CFUN=0 reached the module
    sockets = [open_to(modem, reflector) for _ in range(5)]  # its connect id was given back
    echo(sockets[0], probe(0))


def test_connect_ids_are_reused_after_close_and_a_sixth_socket_is_refused(
    link: ModemLink, reflector: UdpReflector
) -> None:
    modem = quectel(link, AccessMode.DIRECT_PUSH)
    sockets = [open_to(modem, reflector) for _ in range(5)]
    with pytest.raises(ModemError, match="all 5 socket connect IDs are in use"):
        open_to(modem, reflector)
    sockets[2].close()
    reopened = open_to(modem, reflector)  # the module would answer 563 if the id were still open there
    _, datagram = echo(reopened, probe(22))
    assert seq_of(datagram) == 22
    _, datagram = echo(sockets[4], probe(44))
    assert seq_of(datagram) == 44


@MODES
def test_socket_closed_by_the_network_refuses_send_and_receive(
    link: ModemLink, reflector: UdpReflector, mode: AccessMode
) -> None:
    modem = quectel(link, mode)
    sock = open_to(modem, reflector)
    modem.set_radio(False)  # deregistration: the module closes its sockets with +QIURC: "closed"
    link.session.wait_for_urc("+QIURC", timeout_s=5.0, match=lambda urc: '"closed",0' in urc.line)
    with pytest.raises(ModemError, match="socket 0 was closed by the network"):
        sock.send(probe(0))
    with pytest.raises(ModemError, match="socket 0 was closed by the network"):
        sock.receive(0.1)
    sock.close()


def test_a_waiting_receive_ends_when_the_network_closes_the_socket(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script[OPEN_COMMAND] = lines("OK", "+QIOPEN: 0,0")
    sock = bc660k(fake_session).open_udp("127.0.0.1", 9)
    fake_module.send(b'\r\n+QIURC: "recv",0,2\r\nhi\r\n\r\n+QIURC: "closed",0\r\n')
    first = sock.receive(RECEIVE_TIMEOUT_S)
    assert first is not None
    assert first.data == b"hi"  # data that came before the close is still delivered
    started = time.monotonic()
    with pytest.raises(ModemError, match="socket 0 was closed by the network"):
        sock.receive(30.0)
    assert time.monotonic() - started < 5.0  # raised on the close, not after waiting out the 30 s
    with pytest.raises(ModemError, match="closed by the network"):
        sock.receive(0.0)


# --- failures only a scripted module gives ----------------------------------------------------------------

OPEN_COMMAND = 'AT+QIOPEN=0,0,"UDP","127.0.0.1",9,0,1'


@pytest.mark.parametrize("err", [561, 563, 565], ids=["pdp-inactive", "id-in-use", "dns"])
def test_qiopen_error_code_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession, err: int
) -> None:
    fake_module.script[OPEN_COMMAND] = lines("OK", f"+QIOPEN: 0,{err}")
    modem = bc660k(fake_session)
    with pytest.raises(ModemError, match=rf"socket 0 to 127\.0\.0\.1:9 failed: \+QIOPEN: 0,{err}"):
        modem.open_udp("127.0.0.1", 9)
    fake_module.script[OPEN_COMMAND] = lines("OK", "+QIOPEN: 0,0")
    modem.open_udp("127.0.0.1", 9)  # id 0 again: the failed open gave it back


def test_qiopen_result_of_another_socket_is_not_taken(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script[OPEN_COMMAND] = lines("OK", "+QIOPEN: 1,0", "+QIOPEN: 0,561")
    with pytest.raises(ModemError, match=r"\+QIOPEN: 0,561"):
        bc660k(fake_session).open_udp("127.0.0.1", 9)


def test_send_fail_is_a_modem_error(fake_module: FakeModule, fake_session: ATSession) -> None:
    payload = b"\r\n\x00x"

    def send_fails(module: FakeModule) -> None:
        module.send(b"\r\n> ")
        module.read_raw(len(payload))
        module.reply("OK", "SEND FAIL")

    fake_module.script[OPEN_COMMAND] = lines("OK", "+QIOPEN: 0,0")
    fake_module.script[f"AT+QISEND=0,{len(payload)}"] = send_fails
    sock = bc660k(fake_session).open_udp("127.0.0.1", 9)
    with pytest.raises(ModemError, match=r"AT\+QISEND=0,4 ended with 'SEND FAIL'"):
        sock.send(payload)
    assert fake_module.raw_received == [payload]


def test_send_with_release_assistance_puts_rai_after_the_length(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    payload = b"meter"

    def accepted(module: FakeModule) -> None:
        module.send(b"\r\n> ")
        module.read_raw(len(payload))
        module.reply("OK", "SEND OK")

    fake_module.script[OPEN_COMMAND] = lines("OK", "+QIOPEN: 0,0")
    fake_module.script[f"AT+QISEND=0,{len(payload)},1"] = accepted
    sock = bc660k(fake_session).open_udp("127.0.0.1", 9)
    assert isinstance(sock, ReleaseAssistingSocket)
    sock.send_with_release(payload, ReleaseAssistance.NO_FURTHER_DATA)
    assert fake_module.raw_received == [payload]


def test_direct_push_urc_for_another_socket_is_not_delivered(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script[OPEN_COMMAND] = lines("OK", "+QIOPEN: 0,0")
    sock = bc660k(fake_session).open_udp("127.0.0.1", 9)
    fake_module.send(b'\r\n+QIURC: "recv",1,3\r\nabc\r\n\r\n+QIURC: "recv",0,4\r\n\r\n\x00\n\r\n')
    datagram = sock.receive(RECEIVE_TIMEOUT_S)
    assert datagram is not None
    assert datagram.data == b"\r\n\x00\n"
    assert sock.receive(0.1) is None


def test_buffer_statistics_query_still_answers(link: ModemLink, reflector: UdpReflector) -> None:
    sock = open_to(quectel(link, AccessMode.BUFFER), reflector)
    echo(sock, probe(0))
    statistics = link.session.send("AT+QIRD=0,0", timeout_s=0.5)
    assert statistics.value_of("+QIRD") == f"{PROBE_BYTES},{PROBE_BYTES},0"
