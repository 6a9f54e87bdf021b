"""harness.virtual.rfc2217_codec: Telnet data transparency, option negotiation without loops, and the RFC 2217
answers pyserial's rfc2217:// client waits for."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.virtual.rfc2217_codec import (
    DO,
    DONT,
    IAC,
    SB,
    SE,
    WILL,
    WONT,
    ComPortCommand,
    Rfc2217Codec,
    TelnetOption,
)

COM = TelnetOption.COM_PORT
MODEM_READY = 0x80 | 0x20 | 0x10  # CD, DSR, CTS


def command(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def sub(code: int, value: bytes) -> bytes:
    return bytes((IAC, SB, COM, code)) + value.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))


def server_sub(code: ComPortCommand, value: bytes) -> bytes:
    return sub(code + 100, value)


def agreed_codec() -> Rfc2217Codec:
    """A codec after pyserial's opening: binary both ways and the COM port option agreed."""
    codec = Rfc2217Codec()
    codec.greeting()
    codec.decode(command(DO, TelnetOption.BINARY) + command(WILL, TelnetOption.BINARY) + command(WILL, COM))
    return codec


def decode_in_pieces(codec: Rfc2217Codec, wire: bytes, cuts: list[int]) -> tuple[bytes, bytes]:
    data, answer = b"", b""
    start = 0
    for cut in [*sorted(cut % (len(wire) + 1) for cut in cuts), len(wire)]:
        decoded = codec.decode(wire[start:cut])
        data, answer = data + decoded.data, answer + decoded.answer
        start = max(start, cut)
    return data, answer


@settings(deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0), max_size=8))
def test_data_survives_escaping_however_the_chunks_fall(payload: bytes, cuts: list[int]) -> None:
    codec = agreed_codec()
    wire = codec.encode(payload)
    data, answer = decode_in_pieces(codec, wire, cuts)
    assert data == payload
    assert answer == b""


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_without_binary_the_nul_after_cr_is_dropped_and_nothing_else(payload: bytes) -> None:
    codec = Rfc2217Codec()
    data = codec.decode(payload.replace(b"\xff", b"\xff\xff")).data
    assert data == payload.replace(b"\r\x00", b"\r")


def test_encode_doubles_iac_only() -> None:
    assert Rfc2217Codec().encode(b"a\xffb\xff\xff") == b"a\xff\xffb\xff\xff\xff\xff"


def test_greeting_offers_binary_both_ways_sga_and_echo() -> None:
    greeting = Rfc2217Codec().greeting()
    assert {greeting[i : i + 3] for i in range(0, len(greeting), 3)} == {
        command(WILL, TelnetOption.BINARY),
        command(DO, TelnetOption.BINARY),
        command(WILL, TelnetOption.SGA),
        command(WILL, TelnetOption.ECHO),
    }


def test_pyserial_opening_is_answered_once_with_the_modem_lines() -> None:
    codec = Rfc2217Codec()
    codec.greeting()
    # what pyserial's client sends on open (rfc2217.py Serial.open)
    opening = command(DO, TelnetOption.ECHO) + command(WILL, TelnetOption.SGA) + command(DO, TelnetOption.SGA)
    opening += command(DO, COM) + command(WILL, COM)
    answer = codec.decode(opening).answer
    assert answer == (
        command(DO, TelnetOption.SGA)
        + command(WILL, COM)
        + server_sub(ComPortCommand.NOTIFY_MODEMSTATE, bytes((MODEM_READY,)))
        + command(DO, COM)
    )
    assert codec.is_enabled(COM, is_local=False)
    assert codec.is_enabled(COM, is_local=True)
    assert codec.decode(opening).answer == b""  # agreed already: nothing more to say


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from((DO, DONT, WILL, WONT)), st.integers(0, 255)), max_size=30))
def test_negotiation_cannot_loop(requests: list[tuple[int, int]]) -> None:
    """RFC 1143: a request repeated gets no answer but a refusal, and a refusal is never answered by a
    request, so two peers that follow the RFC always fall silent."""
    codec = Rfc2217Codec()
    codec.greeting()
    refusal = {DO: WONT, WILL: DONT}
    for verb, option in requests:
        answer = codec.decode(command(verb, option)).answer
        if verb in (DONT, WONT):
            assert answer in (b"", command(WONT if verb == DONT else DONT, option))
        again = codec.decode(command(verb, option)).answer
        assert again in (b"", command(refusal.get(verb, 0), option))


def test_unsupported_options_are_refused() -> None:
    codec = Rfc2217Codec()
    assert codec.decode(command(DO, 24)).answer == command(WONT, 24)  # terminal type
    assert codec.decode(command(WILL, TelnetOption.ECHO)).answer == command(DONT, TelnetOption.ECHO)


def test_refusal_of_an_offer_is_not_answered() -> None:
    codec = Rfc2217Codec()
    codec.greeting()
    assert codec.decode(command(DONT, TelnetOption.ECHO)).answer == b""
    assert not codec.is_enabled(TelnetOption.ECHO, is_local=True)
    assert codec.decode(command(DO, TelnetOption.ECHO)).answer == command(WILL, TelnetOption.ECHO)


def test_serial_settings_are_set_echoed_and_read_back() -> None:
    codec = agreed_codec()
    baud = struct.pack("!I", 9600)
    assert codec.decode(sub(ComPortCommand.SET_BAUDRATE, baud)).answer == server_sub(
        ComPortCommand.SET_BAUDRATE, baud
    )
    assert codec.decode(sub(ComPortCommand.SET_BAUDRATE, bytes(4))).answer == server_sub(
        ComPortCommand.SET_BAUDRATE, baud
    )
    assert codec.decode(sub(ComPortCommand.SET_DATASIZE, b"\x07")).answer.endswith(b"\x66\x07\xff\xf0")
    # an unsupported value gets the value in force, so the client sees the refusal
    assert codec.decode(sub(ComPortCommand.SET_PARITY, b"\x09")).answer == server_sub(
        ComPortCommand.SET_PARITY, b"\x01"
    )
    assert codec.settings.baudrate == 9600
    assert codec.settings.datasize == 7


def test_a_baud_rate_with_an_iac_byte_is_escaped_in_the_answer() -> None:
    codec = agreed_codec()
    baud = struct.pack("!I", 0xFF00)
    answer = codec.decode(sub(ComPortCommand.SET_BAUDRATE, baud)).answer
    assert answer == bytes((IAC, SB, COM, 101, 0, 0, 0xFF, 0xFF, 0, IAC, SE))
    assert codec.settings.baudrate == 0xFF00


def test_control_lines_are_set_and_requested() -> None:
    codec = agreed_codec()
    dtr_off, dtr_request, rts_request = b"\x09", b"\x07", b"\x0a"
    assert codec.decode(sub(ComPortCommand.SET_CONTROL, dtr_off)).answer == server_sub(
        ComPortCommand.SET_CONTROL, dtr_off
    )
    assert codec.decode(sub(ComPortCommand.SET_CONTROL, dtr_request)).answer == server_sub(
        ComPortCommand.SET_CONTROL, dtr_off
    )
    assert codec.decode(sub(ComPortCommand.SET_CONTROL, rts_request)).answer == server_sub(
        ComPortCommand.SET_CONTROL, b"\x0b"
    )


def test_modem_state_poll_follows_the_mask() -> None:
    codec = agreed_codec()
    assert codec.decode(sub(ComPortCommand.NOTIFY_MODEMSTATE, b"")).answer == server_sub(
        ComPortCommand.NOTIFY_MODEMSTATE, bytes((MODEM_READY,))
    )
    codec.decode(sub(ComPortCommand.SET_MODEMSTATE_MASK, b"\x10"))
    assert codec.decode(sub(ComPortCommand.NOTIFY_MODEMSTATE, b"")).answer == server_sub(
        ComPortCommand.NOTIFY_MODEMSTATE, b"\x10"
    )


def test_purge_of_the_receive_buffer_is_reported_and_answered() -> None:
    codec = agreed_codec()
    decoded = codec.decode(b"AT" + sub(ComPortCommand.PURGE_DATA, b"\x01") + b"\r")
    assert decoded.is_output_purged
    assert decoded.data == b"AT\r"
    assert decoded.answer == server_sub(ComPortCommand.PURGE_DATA, b"\x01")
    assert not codec.decode(sub(ComPortCommand.PURGE_DATA, b"\x02")).is_output_purged


def test_foreign_and_broken_subnegotiations_are_dropped_without_losing_data() -> None:
    codec = agreed_codec()
    foreign = bytes((IAC, SB, 24, 1, IAC, SE))  # terminal type
    broken = bytes((IAC, SB, COM, 1, 0, IAC, 0xF1))  # IAC NOP inside a sub-negotiation
    decoded = codec.decode(b"A" + foreign + b"B" + broken + b"C")
    assert decoded.data == b"ABC"
    assert decoded.answer == b""


@settings(deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_without_error(garbage: bytes) -> None:
    codec = Rfc2217Codec()
    decoded = codec.decode(garbage)
    assert len(decoded.data) <= len(garbage)
