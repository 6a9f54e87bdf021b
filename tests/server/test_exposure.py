"""The test server as a target (issue 9 item 5): the token check gives nothing away, and nothing the server
sends is unasked, larger than what asked for it, or sent for a session that is not open. The flood of junk
is tests/server/test_flood.py."""

from __future__ import annotations

import hmac
import os
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.probe import HEADER_BYTES, ProbeHeader, decode_probe, encode_probe, stamp_reflection
from harness.server import LocalServer, SessionKind, SessionParams
from harness.server.client import ServerClient
from harness.server.control import decode_line, encode_line, is_token_valid
from harness.server.listener import ControlListener

TOKEN = "exposure-token-0123456789"
QUIET_S = 0.3  # how long "nothing comes back" is listened for; loopback answers in microseconds
READ_TIMEOUT_S = 5.0


@pytest.fixture
def listener() -> Iterator[ControlListener]:
    sessions = LocalServer()
    with ControlListener(sessions, host="127.0.0.1", port=0, token=TOKEN) as running:
        yield running
    sessions.close()


@pytest.fixture
def client(listener: ControlListener) -> Iterator[ServerClient]:
    with ServerClient(*listener.address, TOKEN) as connected:
        yield connected


@pytest.fixture
def udp() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(QUIET_S)
        yield sock


def first_answer(listener: ControlListener, hello: dict[str, object]) -> dict[str, object]:
    with socket.create_connection(listener.address, timeout=READ_TIMEOUT_S) as sock:
        sock.sendall(encode_line(hello))
        return decode_line(sock.makefile("rb").readline())


def replies(sock: socket.socket) -> list[bytes]:
    """Whatever reaches `sock` until it has been quiet for QUIET_S (an ICMP refusal counts as nothing)."""
    received = []
    while True:
        try:
            received.append(sock.recv(65_536))
        except TimeoutError:
            return received
        except ConnectionRefusedError:
            continue


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        TOKEN[:-1],  # a prefix
        TOKEN + "0",  # one character more
        TOKEN[:-1] + "X",  # the right length, the last character wrong
        "x" * len(TOKEN),
        "\ud800",  # a lone surrogate, which JSON can carry and UTF-8 cannot encode
        42,
        ["exposure-token-0123456789"],
    ],
    ids=["missing", "empty", "prefix", "longer", "last-wrong", "same-length", "surrogate", "number", "list"],
)
def test_a_missing_or_wrong_token_is_refused(listener: ControlListener, token: object) -> None:
    hello: dict[str, object] = {"id": 1, "op": "hello"}
    if token is not None:
        hello["token"] = token
    assert first_answer(listener, hello) == {"id": None, "ok": False, "error": "refused"}
    assert first_answer(listener, {"id": 1, "op": "hello", "token": TOKEN})["ok"] is True


@given(guess=st.text(max_size=64))
def test_only_the_token_itself_is_valid(guess: str) -> None:
    assert is_token_valid(guess, TOKEN) is (guess == TOKEN)


def test_the_comparison_sees_equal_length_digests_whatever_the_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    """compare_digest answers at once on unequal lengths; the check must never hand it the raw tokens."""
    seen: list[tuple[int, int]] = []
    compare_digest = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        seen.append((len(a), len(b)))
        return compare_digest(a, b)

    monkeypatch.setattr("harness.server.control.hmac.compare_digest", recording)
    for guess in ["", "a", TOKEN[:5], TOKEN, TOKEN * 40, "é" * 300]:
        is_token_valid(guess, TOKEN)
    assert seen == [(32, 32)] * 6


@given(payload=st.binary(min_size=HEADER_BYTES, max_size=2048))
def test_a_reflection_is_never_longer_than_the_probe(payload: bytes) -> None:
    probe = encode_probe(ProbeHeader(seq=1, client_tx_ns=1), HEADER_BYTES) + payload[HEADER_BYTES:]
    assert len(stamp_reflection(probe, server_rx_ns=2, server_tx_ns=3)) == len(probe)


def test_a_reflector_answers_fresh_probes_only_each_with_its_own_size(
    client: ServerClient, udp: socket.socket
) -> None:
    info = client.open_session(SessionKind.UDP_REFLECTOR)
    fresh = [encode_probe(ProbeHeader(seq=seq, client_tx_ns=1), size) for seq, size in enumerate((32, 1400))]
    reflected = encode_probe(ProbeHeader(seq=9, client_tx_ns=1).reflected(server_rx_ns=1, server_tx_ns=1), 64)
    wrong_version = bytearray(fresh[1])
    wrong_version[2] = 99
    junk = [b"", b"MI", fresh[0][:-1], reflected, bytes(wrong_version), bytes(65_507)]
    junk += [os.urandom(size) for size in (1, 31, 33, 512, 9000)]  # "MI\x01" first is 1 in 2**24
    for datagram in [*junk, *fresh]:
        udp.sendto(datagram, info.address)
    answers = replies(udp)
    counters = client.close_session(info.session_id)
    headers = [decode_probe(answer) for answer in sorted(answers, key=len)]
    assert [(header.seq, header.is_reflected) for header in headers if header] == [(0, True), (1, True)]
    assert sorted(len(answer) for answer in answers) == [32, 1400]
    assert counters.sent_packets == 2
    assert counters.dropped_packets == len(junk)
    assert counters.sent_bytes <= counters.received_bytes


def test_a_closed_session_reflects_nothing(client: ServerClient, udp: socket.socket) -> None:
    info = client.open_session(SessionKind.UDP_REFLECTOR)
    probe = encode_probe(ProbeHeader(seq=1, client_tx_ns=time.time_ns()), 64)
    udp.sendto(probe, info.address)
    assert len(replies(udp)) == 1
    client.close_session(info.session_id)
    udp.sendto(probe, info.address)
    assert replies(udp) == []


def test_a_discarded_or_unknown_session_reflects_nothing(client: ServerClient, udp: socket.socket) -> None:
    info = client.open_session(SessionKind.UDP_REFLECTOR)
    client.discard_session(info.session_id)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as unused:
        unused.bind(("127.0.0.1", 0))
        unknown = unused.getsockname()
    probe = encode_probe(ProbeHeader(seq=1, client_tx_ns=time.time_ns()), 64)
    udp.sendto(probe, info.address)
    udp.sendto(probe, unknown)
    assert replies(udp) == []


def test_sinks_and_unknocked_sources_send_nothing(client: ServerClient, udp: socket.socket) -> None:
    sink = client.open_session(SessionKind.UDP_SINK)
    source = client.open_session(SessionKind.UDP_SOURCE, SessionParams(rate_kbps=1000, duration_s=1))
    probe = encode_probe(ProbeHeader(seq=1, client_tx_ns=time.time_ns()), 64)
    wrong_knock = bytes(byte ^ 0xFF for byte in bytes.fromhex(source.knock))
    for datagram in (probe, wrong_knock, bytes.fromhex(source.knock)[:-1], b""):
        udp.sendto(datagram, sink.address)
        udp.sendto(datagram, source.address)
    assert replies(udp) == []
    assert client.counters(source.session_id).sent_packets == 0
    assert client.counters(sink.session_id).sent_packets == 0
