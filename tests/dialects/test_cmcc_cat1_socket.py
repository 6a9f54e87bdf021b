"""harness.dialects.cmcc_cat1_socket: AT+MIPOPEN UDP sockets of a OneMO ML307R, against a scripted fake module
answering as the OneMO TCP/IP AT manual V5.1.5 shows (§3.1 MIPCFG, §3.3 MIPOPEN, §3.4 MIPCLOSE, §3.5
MIPSEND, §3.6 MIPRD, §3.20 MIPURC, §4.2 UDP and §4.4 cache examples, §5 error codes), with the data in the
HEX form the dialect asks for. Every wait has a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATSession, ATTimeout
from harness.dialects import cmcc_cat1_socket as socket_module
from harness.dialects.cmcc_cat1 import AccessMode, CmccCat1Modem, SendForm, SocketOptions
from harness.dialects.cmcc_cat1_socket import CmccSocket
from harness.errors import ModemError, ParseError
from tests.at.fake_module import FakeModule, lines

HOST, PORT = "127.0.0.1", 9
RECEIVE_TIMEOUT_S = 5.0
NORMAL, CACHE = AccessMode.NORMAL, AccessMode.PACKET_CACHE


def open_command(connect_id: int = 0, mode: AccessMode = NORMAL) -> str:
    return f'AT+MIPOPEN={connect_id},"UDP","{HOST}",{PORT},60,{int(mode)}'


def encoding_command(connect_id: int = 0, send_format: int = 0) -> str:
    return f'AT+MIPCFG="encoding",{connect_id},{send_format},1'


def script_open(
    module: FakeModule,
    *,
    connect_id: int = 0,
    mode: AccessMode = NORMAL,
    send_format: int = 0,
    answer: bytes | None = None,
) -> None:
    """The manual's open: OK at once, the result as a URC after it (§4.2)."""
    module.script[encoding_command(connect_id, send_format)] = lines("OK")
    module.script[open_command(connect_id, mode)] = answer or lines("OK", f"+MIPOPEN: {connect_id},0")


def data_mode_send(connect_id: int, length: int, *, reflect: bool = True) -> Callable[[FakeModule], None]:
    """AT+MIPSEND=<id>,<len>: the prompt, <len> raw bytes, +MIPSEND and OK; then, if `reflect`, the same
    bytes come back in a normal-mode URC as a lower-case HEX string."""

    def answer(module: FakeModule) -> None:
        module.send(b"\r\n> ")
        data = module.read_raw(length)
        module.reply(f"+MIPSEND: {connect_id},{length}", "OK")
        if reflect:
            module.reply(f'+MIPURC: "rudp",{connect_id},{length},{data.hex()}')

    return answer


def modem(
    session: ATSession, *, mode: AccessMode = NORMAL, form: SendForm = SendForm.DATA_MODE
) -> CmccCat1Modem:
    return CmccCat1Modem(session, options=SocketOptions(access_mode=mode, send_form=form))


def opened(module: FakeModule, session: ATSession, *, mode: AccessMode = NORMAL) -> CmccSocket:
    script_open(module, mode=mode)
    return modem(session, mode=mode).open_udp(HOST, PORT)


def received(sock: CmccSocket, timeout_s: float = RECEIVE_TIMEOUT_S) -> bytes:
    datagram = sock.receive(timeout_s)
    assert datagram is not None, "no datagram within the deadline"
    return datagram.data


# --- normal mode, data-mode sends ---------------------------------------------------------------------------


def test_udp_exchange_as_the_manual_shows_it(fake_module: FakeModule, fake_session: ATSession) -> None:
    payload = b"\r\nOK\r\n\x00\xff"
    sock = opened(fake_module, fake_session)
    fake_module.script[f"AT+MIPSEND=0,{len(payload)}"] = data_mode_send(0, len(payload))
    fake_module.script["AT+MIPCLOSE=0"] = lines("OK", "+MIPCLOSE: 0")
    sent_s = sock.send(payload)
    datagram = sock.receive(RECEIVE_TIMEOUT_S)
    assert datagram is not None
    assert datagram.data == payload
    assert fake_module.raw_received == [payload]  # raw after the prompt: the encoding does not touch it
    assert sent_s < datagram.t_s <= fake_session.now_s()
    sock.close()
    assert fake_module.commands == [encoding_command(), open_command(), "AT+MIPSEND=0,8", "AT+MIPCLOSE=0"]


def test_any_payload_comes_back_byte_for_byte(fake_module: FakeModule, fake_session: ATSession) -> None:
    sock = opened(fake_module, fake_session)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(payload=st.binary(min_size=1, max_size=600))
    def round_trip(payload: bytes) -> None:
        fake_module.script[f"AT+MIPSEND=0,{len(payload)}"] = data_mode_send(0, len(payload))
        sock.send(payload)
        assert received(sock) == payload

    round_trip()


def test_result_before_ok_and_a_result_of_another_socket_inside_the_response(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    # The other socket's late result arrives while AT+MIPOPEN=0 is pending, this one's before the OK.
    script_open(fake_module, answer=lines("+MIPOPEN: 1,0", "+MIPOPEN: 0,0", "OK"))
    sock = modem(fake_session).open_udp(HOST, PORT)
    fake_module.send(lines('+MIPURC: "rudp",0,2,6869'))
    assert received(sock) == b"hi"


def test_result_of_another_socket_after_ok_is_not_taken(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    script_open(fake_module, answer=lines("OK", "+MIPOPEN: 1,0", "+MIPOPEN: 0,570"))
    with pytest.raises(ModemError, match=r"\+MIPOPEN: 0,570 \(PDP context not active\)"):
        modem(fake_session).open_udp(HOST, PORT)


@pytest.mark.parametrize(
    ("result", "meaning"), [("557", "connection refused"), ("558", "connection timed out"), ("-1", "")]
)
def test_failed_open_is_a_modem_error_and_frees_the_id(
    fake_module: FakeModule, fake_session: ATSession, result: str, meaning: str
) -> None:
    script_open(fake_module, answer=lines("OK", f"+MIPOPEN: 0,{result}"))
    dialect = modem(fake_session)
    with pytest.raises(ModemError, match=rf"socket 0 to 127\.0\.0\.1:9 failed: \+MIPOPEN: 0,{result}"):
        dialect.open_udp(HOST, PORT)
    script_open(fake_module)
    assert dialect.open_udp(HOST, PORT).connect_id == 0


def test_open_refused_with_a_socket_error_code(fake_module: FakeModule, fake_session: ATSession) -> None:
    script_open(fake_module, answer=lines("+CME ERROR: 552"))
    with pytest.raises(ModemError, match=r"failed: \+CME ERROR: 552 \(connection id already in use\)"):
        modem(fake_session).open_udp(HOST, PORT)


def test_an_address_that_would_inject_a_command_is_refused_before_anything_is_written(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    dialect = modem(fake_session)
    with pytest.raises(ValueError, match="not allowed"):
        dialect.open_udp('127.0.0.1",9;+CFUN=0;"', PORT)
    with pytest.raises(ValueError, match=r"outside 0\.\.65535"):
        dialect.open_udp(HOST, 65536)
    assert fake_module.commands == []
    script_open(fake_module)
    assert dialect.open_udp(HOST, PORT).connect_id == 0


def test_six_sockets_at_most_and_close_frees_an_id(fake_module: FakeModule, fake_session: ATSession) -> None:
    for connect_id in range(6):
        script_open(fake_module, connect_id=connect_id)
    fake_module.script["AT+MIPCLOSE=2"] = lines("OK", "+MIPCLOSE: 2")
    dialect = modem(fake_session)
    sockets = [dialect.open_udp(HOST, PORT) for _ in range(6)]
    with pytest.raises(ModemError, match="all 6 socket connect IDs are in use"):
        dialect.open_udp(HOST, PORT)
    sockets[2].close()
    assert dialect.open_udp(HOST, PORT).connect_id == 2


def test_datagram_of_another_socket_is_not_delivered(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    sock = opened(fake_module, fake_session)
    fake_module.send(lines('+MIPURC: "rudp",1,3,616263', '+MIPURC: "rudp",0,1,7A'))
    assert received(sock) == b"z"
    assert sock.receive(0.1) is None


def test_receive_without_traffic_times_out_with_none(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    assert opened(fake_module, fake_session).receive(0.2) is None


def test_unreadable_data_line_is_a_parse_error_and_later_data_still_arrives(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    sock = opened(fake_module, fake_session)
    # The manual's own example is ASCII ("encoding" recv_format 0): read as HEX it holds 5 bytes, not 10.
    fake_module.send(lines('+MIPURC: "rudp",0,10,ABCDE12345', '+MIPURC: "rudp",1,10,garbage'))
    with pytest.raises(ParseError, match="ABCDE12345"):
        sock.receive(RECEIVE_TIMEOUT_S)
    fake_module.send(lines('+MIPURC: "rudp",0,3,414243'))
    assert received(sock) == b"ABC"


@pytest.mark.parametrize("close_answer", ["+CME ERROR: 551", "OK"], ids=["not-in-use", "ok"])
def test_network_close_refuses_send_and_receive_after_the_data_before_it(
    fake_module: FakeModule, fake_session: ATSession, close_answer: str
) -> None:
    sock = opened(fake_module, fake_session)
    fake_module.send(lines('+MIPURC: "rudp",0,2,6869', '+MIPURC: "disconn",0,3'))
    assert received(sock) == b"hi"
    started = time.monotonic()
    with pytest.raises(ModemError, match=r"socket 0 was closed by the network \(PDP deactivated\)"):
        sock.receive(30.0)
    assert time.monotonic() - started < 5.0  # raised on the close, not after waiting out the 30 s
    with pytest.raises(ModemError, match="closed by the network"):
        sock.send(b"x")
    # autofree 0 (the default) has freed it already: the module answers 551, or OK on an idle id (bench
    # notes), and sends no +MIPCLOSE, which is not waited for.
    fake_module.script["AT+MIPCLOSE=0"] = lines(close_answer)
    started = time.monotonic()
    sock.close()
    assert time.monotonic() - started < socket_module.CLOSE_TIMEOUT_S / 2
    assert fake_module.commands[-1] == "AT+MIPCLOSE=0"


def test_dropped_data_is_counted(fake_module: FakeModule, fake_session: ATSession) -> None:
    sock = opened(fake_module, fake_session)
    fake_module.send(lines('+MIPURC: "drop",0,100', '+MIPURC: "drop",1,7', '+MIPURC: "rudp",0,1,00'))
    assert received(sock) == b"\x00"
    assert sock.dropped_bytes == 100


# --- sends --------------------------------------------------------------------------------------------------


def test_hex_form_puts_the_data_into_the_command(fake_module: FakeModule, fake_session: ATSession) -> None:
    script_open(fake_module, send_format=1)
    fake_module.script['AT+MIPSEND=0,5,"48454C4C4F"'] = lines("+MIPSEND: 0,5", "OK")
    sock = modem(fake_session, form=SendForm.HEX).open_udp(HOST, PORT)
    sock.send(b"HELLO")
    assert fake_module.commands[-1] == 'AT+MIPSEND=0,5,"48454C4C4F"'


def test_ascii_form_as_in_the_manual(fake_module: FakeModule, fake_session: ATSession) -> None:
    script_open(fake_module, send_format=0)
    fake_module.script['AT+MIPSEND=0,10,"0123456789"'] = lines("+MIPSEND: 0,10", "OK")  # §3.5 example
    sock = modem(fake_session, form=SendForm.ASCII).open_udp(HOST, PORT)
    sock.send(b"0123456789")
    written = len(fake_module.commands)
    for payload in (b'say "hi"', b"a;AT+CFUN=0", b"\xff", b"line\r\n"):
        with pytest.raises(ValueError, match=r"not allowed|printable ASCII only"):
            sock.send(payload)
    assert len(fake_module.commands) == written


@pytest.mark.parametrize(
    ("form", "size_bytes"),
    [(SendForm.DATA_MODE, 0), (SendForm.DATA_MODE, 8193), (SendForm.HEX, 1461), (SendForm.ASCII, 0)],
)
def test_sizes_the_module_cannot_send_are_refused(
    fake_module: FakeModule, fake_session: ATSession, form: SendForm, size_bytes: int
) -> None:
    script_open(fake_module, send_format=1 if form is SendForm.HEX else 0)
    sock = modem(fake_session, form=form).open_udp(HOST, PORT)
    with pytest.raises(ValueError, match="datagram holds 1 to"):
        sock.send(b"a" * size_bytes)


def test_send_taken_only_in_part_is_a_modem_error(fake_module: FakeModule, fake_session: ATSession) -> None:
    sock = opened(fake_module, fake_session)

    def short(module: FakeModule) -> None:
        module.send(b"\r\n>")
        module.read_raw(4)
        module.reply("+MIPSEND: 0,2", "OK")

    fake_module.script["AT+MIPSEND=0,4"] = short
    with pytest.raises(ModemError, match="the module took 2 of 4 bytes"):
        sock.send(b"abcd")


def test_send_refused_with_a_socket_error_code(fake_module: FakeModule, fake_session: ATSession) -> None:
    sock = opened(fake_module, fake_session)
    fake_module.script["AT+MIPSEND=0,1"] = lines("+CME ERROR: 553")
    with pytest.raises(ModemError, match=r"AT\+MIPSEND=0,1 failed: \+CME ERROR: 553 \(not connected\)"):
        sock.send(b"x")


# --- packet cache mode --------------------------------------------------------------------------------------


def cache_reads(module: FakeModule, answers: list[bytes]) -> None:
    """AT+MIPRD=0,1 answered with each of `answers` in turn, then with a bare OK (empty cache)."""

    def answer(reader: FakeModule) -> None:
        reader.send(answers.pop(0) if answers else lines("OK"))

    module.script["AT+MIPRD=0,1"] = answer


def test_cache_mode_reads_each_announced_datagram_with_its_announcement_time(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    sock = opened(fake_module, fake_session, mode=CACHE)
    cache_reads(fake_module, [lines("+MIPRD: 0,1,3,616263", "OK"), lines("+MIPRD: 0,0,2,0d0a", "OK")])
    since_s = fake_session.now_s()
    fake_module.send(lines('+MIPURC: "rudp",0,1', '+MIPURC: "rudp",0,2'))  # §4.4: one per packet
    first = fake_session.wait_for_urc("+MIPURC", timeout_s=RECEIVE_TIMEOUT_S, since_s=since_s)
    second = fake_session.wait_for_urc("+MIPURC", timeout_s=RECEIVE_TIMEOUT_S, since_s=since_s)
    datagrams = [sock.receive(RECEIVE_TIMEOUT_S), sock.receive(RECEIVE_TIMEOUT_S)]
    assert [(d.data, d.t_s) for d in datagrams if d] == [(b"abc", first.t_s), (b"\r\n", second.t_s)]
    assert fake_module.commands[-2:] == ["AT+MIPRD=0,1", "AT+MIPRD=0,1"]
    assert sock.receive(0.1) is None


def test_cache_mode_reads_again_when_the_module_holds_more_than_it_announced(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    sock = opened(fake_module, fake_session, mode=CACHE)
    cache_reads(fake_module, [lines("+MIPRD: 0,1,1,41", "OK"), lines("+MIPRD: 0,0,1,42", "OK")])
    since_s = fake_session.now_s()
    fake_module.send(lines('+MIPURC: "rudp",0,1'))
    announced = fake_session.wait_for_urc("+MIPURC", timeout_s=RECEIVE_TIMEOUT_S, since_s=since_s)
    first, second = sock.receive(RECEIVE_TIMEOUT_S), sock.receive(RECEIVE_TIMEOUT_S)
    assert first is not None
    assert second is not None
    assert (first.data, first.t_s) == (b"A", announced.t_s)
    assert second.data == b"B"
    assert second.t_s > announced.t_s  # the read's time: later than the arrival, never earlier


def test_cache_mode_empty_read_gives_no_datagram(fake_module: FakeModule, fake_session: ATSession) -> None:
    sock = opened(fake_module, fake_session, mode=CACHE)
    cache_reads(fake_module, [])
    fake_module.send(lines('+MIPURC: "rudp",0,1'))
    assert sock.receive(0.5) is None


def test_cache_mode_read_for_another_socket_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    sock = opened(fake_module, fake_session, mode=CACHE)
    cache_reads(fake_module, [lines("+MIPRD: 3,0,1,41", "OK")])
    fake_module.send(lines('+MIPURC: "rudp",0,1'))
    with pytest.raises(ModemError, match="not a datagram of socket 0"):
        sock.receive(RECEIVE_TIMEOUT_S)


# --- close --------------------------------------------------------------------------------------------------


def test_close_waits_for_its_result_and_a_second_close_writes_nothing(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    sock = opened(fake_module, fake_session)
    fake_module.script["AT+MIPCLOSE=0"] = lines("OK", "+MIPCLOSE: 1", "+MIPCLOSE: 0")
    sock.close()
    sock.close()
    assert fake_module.commands.count("AT+MIPCLOSE=0") == 1
    with pytest.raises(ModemError, match="socket 0 is closed"):
        sock.send(b"x")


def test_close_without_its_result_times_out_and_still_frees_the_id(
    fake_module: FakeModule, fake_session: ATSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket_module, "CLOSE_TIMEOUT_S", 0.3)
    script_open(fake_module)
    dialect = modem(fake_session)
    sock = dialect.open_udp(HOST, PORT)
    fake_module.script["AT+MIPCLOSE=0"] = lines("OK")
    with pytest.raises(ATTimeout, match=r"no \+MIPCLOSE URC"):
        sock.close()
    assert dialect.open_udp(HOST, PORT).connect_id == 0
