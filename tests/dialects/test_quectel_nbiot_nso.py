"""harness.dialects.quectel_nbiot_nso: the AT+NSOCR UDP sockets of BC95/BC28 firmware, through the Quectel
NB-IoT Modem, against exchanges written from the BC95 AT manual [S12] (cellular-iot.md §3.2): hex payloads,
+NSONMI without a space after the colon. Nothing here reaches a network."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATCommandError, ATSession
from harness.dialects.quectel_nbiot import Family, QuectelNbiotModem
from harness.dialects.quectel_nbiot_nso import LISTEN_PORT_BASE, MAX_PAYLOAD_BYTES
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, lines

HOST = "127.0.0.1"
PORT = 5683
OPEN = f"AT+NSOCR=DGRAM,17,{LISTEN_PORT_BASE},1"
RECEIVE_TIMEOUT_S = 5.0


def bc95(session: ATSession) -> QuectelNbiotModem:
    return QuectelNbiotModem(session, family=Family.BC95)


@pytest.fixture
def opened(fake_module: FakeModule) -> FakeModule:
    fake_module.script[OPEN] = lines("1", "OK")  # the module's socket number
    return fake_module


def test_send_writes_hex_and_returns_when_the_command_was_written(
    opened: FakeModule, fake_session: ATSession
) -> None:
    opened.script[f"AT+NSOST=1,{HOST},{PORT},4,AABBCCDD"] = lines("1,4", "OK")
    sock = bc95(fake_session).open_udp(HOST, PORT)
    before_s = fake_session.now_s()
    sent_s = sock.send(b"\xaa\xbb\xcc\xdd")
    assert before_s <= sent_s <= fake_session.now_s()
    assert opened.commands == [OPEN, f"AT+NSOST=1,{HOST},{PORT},4,AABBCCDD"]


def test_an_announced_datagram_is_read_and_timed_by_its_announcement(
    opened: FakeModule, fake_session: ATSession
) -> None:
    opened.script["AT+NSORF=1,512"] = lines(f"1,{HOST},{PORT},8,0102030405060708,0", "OK")
    sock = bc95(fake_session).open_udp(HOST, PORT)
    opened.send(b"\r\n+NSONMI:1,8\r\n")
    announced = fake_session.wait_for_urc("+NSONMI", timeout_s=RECEIVE_TIMEOUT_S, since_s=0.0)
    datagram = sock.receive(RECEIVE_TIMEOUT_S)
    assert datagram is not None
    assert (datagram.data, datagram.t_s) == (bytes(range(1, 9)), announced.t_s)
    assert opened.commands[-1] == "AT+NSORF=1,512"


def test_remaining_data_is_read_again_and_timed_by_that_read(
    opened: FakeModule, fake_session: ATSession
) -> None:
    answers = [lines(f"1,{HOST},{PORT},2,AAAA,2", "OK"), lines(f"1,{HOST},{PORT},2,BBBB,0", "OK")]

    def next_answer(module: FakeModule) -> None:
        module.send(answers.pop(0))

    opened.script["AT+NSORF=1,512"] = next_answer
    sock = bc95(fake_session).open_udp(HOST, PORT)
    opened.send(b"\r\n+NSONMI:1,4\r\n")
    first = sock.receive(RECEIVE_TIMEOUT_S)
    second = sock.receive(RECEIVE_TIMEOUT_S)
    assert first is not None
    assert second is not None
    assert (first.data, second.data) == (b"\xaa\xaa", b"\xbb\xbb")
    assert second.t_s > first.t_s  # the re-read's own time, after the announcement
    assert sock.receive(0.1) is None


def test_an_announcement_for_another_socket_is_not_read(opened: FakeModule, fake_session: ATSession) -> None:
    sock = bc95(fake_session).open_udp(HOST, PORT)
    opened.send(b"\r\n+NSONMI:2,8\r\n")
    assert sock.receive(0.2) is None
    assert not any(command.startswith("AT+NSORF") for command in opened.commands)


def test_a_read_that_finds_nothing_gives_nothing(opened: FakeModule, fake_session: ATSession) -> None:
    opened.script["AT+NSORF=1,512"] = lines("OK")
    sock = bc95(fake_session).open_udp(HOST, PORT)
    opened.send(b"\r\n+NSONMI:1,8\r\n")
    assert sock.receive(0.3) is None


@pytest.mark.parametrize(
    "answer",
    [
        f"1,{HOST},{PORT},4,AABBCC,0",  # length says 4, payload has 3
        f"1,{HOST},{PORT},2,ZZZZ,0",  # not hex
        f"2,{HOST},{PORT},2,AAAA,0",  # another socket
        f"1,{HOST},{PORT},2,AAAA",  # no remaining field
    ],
    ids=["length", "not-hex", "socket", "short"],
)
def test_a_read_answer_that_does_not_add_up_is_a_modem_error(
    opened: FakeModule, fake_session: ATSession, answer: str
) -> None:
    opened.script["AT+NSORF=1,512"] = lines(answer, "OK")
    sock = bc95(fake_session).open_udp(HOST, PORT)
    opened.send(b"\r\n+NSONMI:1,4\r\n")
    with pytest.raises(ModemError, match=r"AT\+NSORF"):
        sock.receive(RECEIVE_TIMEOUT_S)


def test_close_and_listen_ports_count_up(opened: FakeModule, fake_session: ATSession) -> None:
    second_open = f"AT+NSOCR=DGRAM,17,{LISTEN_PORT_BASE + 1},1"
    opened.script.update({second_open: lines("2", "OK"), "AT+NSOCL=1": lines("OK")})
    modem = bc95(fake_session)
    modem.open_udp(HOST, PORT).close()
    modem.open_udp(HOST, PORT)
    assert opened.commands == [OPEN, "AT+NSOCL=1", second_open]


def test_open_refused_by_the_module_is_raised(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[OPEN] = lines("+CME ERROR: 4")
    with pytest.raises(ATCommandError, match=r"\+CME ERROR: 4"):
        bc95(fake_session).open_udp(HOST, PORT)


def test_open_answer_without_a_socket_number_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script[OPEN] = lines("OK")
    with pytest.raises(ModemError, match=r"AT\+NSOCR answered \[\], not a socket number"):
        bc95(fake_session).open_udp(HOST, PORT)


@pytest.mark.parametrize("host", ["localhost", "::1", '127.0.0.1,9,1,00;+CFUN=0;"'])
def test_a_host_that_is_not_an_ipv4_address_is_refused_unsent(
    fake_module: FakeModule, fake_session: ATSession, host: str
) -> None:
    with pytest.raises(ValueError, match="take an IPv4 address"):
        bc95(fake_session).open_udp(host, PORT)
    assert fake_module.commands == []


def test_send_above_the_limit_or_with_a_wrong_answer_is_a_modem_error(
    opened: FakeModule, fake_session: ATSession
) -> None:
    opened.script[f"AT+NSOST=1,{HOST},{PORT},1,00"] = lines("1,0", "OK")  # accepted none of it
    sock = bc95(fake_session).open_udp(HOST, PORT)
    with pytest.raises(ModemError, match=f"at most {MAX_PAYLOAD_BYTES} bytes"):
        sock.send(bytes(MAX_PAYLOAD_BYTES + 1))
    with pytest.raises(ModemError, match=r"answered \['1,0'\], not '1,1'"):
        sock.send(b"\x00")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(min_size=1, max_size=MAX_PAYLOAD_BYTES))
def test_any_payload_goes_out_as_hex_and_comes_back_byte_for_byte(
    opened: FakeModule, fake_session: ATSession, payload: bytes
) -> None:
    hex_text = payload.hex().upper()
    opened.script[f"AT+NSOST=1,{HOST},{PORT},{len(payload)},{hex_text}"] = lines(f"1,{len(payload)}", "OK")
    opened.script["AT+NSORF=1,512"] = lines(f"1,{HOST},{PORT},{len(payload)},{hex_text.lower()},0", "OK")
    sock = bc95(fake_session).open_udp(HOST, PORT)
    sock.send(payload)
    opened.send(f"\r\n+NSONMI:1,{len(payload)}\r\n".encode())
    datagram = sock.receive(RECEIVE_TIMEOUT_S)
    assert datagram is not None
    assert datagram.data == payload
