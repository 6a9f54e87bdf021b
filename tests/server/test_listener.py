"""The control channel end to end: the token, bounded and malformed input, sessions through ServerClient,
chunked fetches, and a connection's sessions discarded when it ends."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import LocalServer, ServerError, SessionKind, SessionParams
from harness.server.client import ServerClient
from harness.server.control import MAX_BAD_REQUESTS, MAX_LINE_BYTES, decode_line, encode_line
from harness.server.listener import ControlListener

from .waiting import wait_until

TOKEN = "test-token-1234"
READ_TIMEOUT_S = 5.0


@pytest.fixture
def sessions() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def listener(sessions: LocalServer) -> Iterator[ControlListener]:
    with ControlListener(sessions, host="127.0.0.1", port=0, token=TOKEN) as running:
        yield running


@pytest.fixture
def raw(listener: ControlListener) -> Iterator[socket.socket]:
    """A plain TCP connection to the control channel, for what ServerClient would never send."""
    with socket.create_connection(listener.address, timeout=READ_TIMEOUT_S) as sock:
        yield sock


def exchange(sock: socket.socket, data: bytes) -> list[dict[str, object]]:
    """Send `data`, then read answers until the server closes the connection."""
    sock.sendall(data)
    received = b""
    while chunk := sock.recv(65_536):
        received += chunk
    return [decode_line(line) for line in received.splitlines()]


def hello(token: str = TOKEN) -> bytes:
    return encode_line({"id": 1, "op": "hello", "token": token})


@pytest.mark.parametrize(
    "first_line",
    [
        hello("wrong-token"),
        encode_line({"id": 1, "op": "hello"}),
        encode_line({"id": 1, "op": "open_session", "kind": "udp_sink"}),
        b"not json\n",
    ],
    ids=["wrong-token", "missing-token", "no-hello", "junk"],
)
def test_without_the_token_the_connection_is_refused_and_closed(
    raw: socket.socket, first_line: bytes
) -> None:
    answers = exchange(raw, first_line + encode_line({"id": 2, "op": "open_session", "kind": "udp_sink"}))
    assert answers == [{"id": None, "ok": False, "error": "refused"}]


def test_a_wrong_token_through_the_client_is_an_error_that_does_not_show_it(
    listener: ControlListener,
) -> None:
    with pytest.raises(ServerError, match="refused") as caught:
        ServerClient(*listener.address, "guess-1234")
    assert "guess-1234" not in str(caught.value)


def test_a_silent_peer_is_dropped_after_the_hello_deadline(
    listener: ControlListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.server.listener.AUTH_TIMEOUT_S", 0.2)
    with socket.create_connection(listener.address, timeout=READ_TIMEOUT_S) as silent:
        assert exchange(silent, b"") == [{"id": None, "ok": False, "error": "refused"}]


def test_an_oversized_line_gets_an_error_and_the_connection_is_closed(raw: socket.socket) -> None:
    answers = exchange(raw, hello() + b"{" + b" " * MAX_LINE_BYTES + b"}\n")
    assert answers[0]["ok"] is True
    assert answers[1]["ok"] is False
    assert "longer than" in str(answers[1]["error"])
    assert len(answers) == 2


def test_unknown_ops_and_bad_requests_are_answered_and_too_many_in_a_row_close(raw: socket.socket) -> None:
    bad = [
        encode_line({"id": 2, "op": "format_disk"}),
        b"[1]\n",
        encode_line({"id": 4, "op": "open_session", "kind": "udp_amplifier"}),
        encode_line({"id": 5, "op": "open_session", "kind": "udp_sink", "params": {"rate_kbps": "fast"}}),
        encode_line({"id": 6, "op": "counters"}),
        encode_line({"id": 7, "op": "counters", "session_id": "nope"}),
    ]
    lines = (bad * MAX_BAD_REQUESTS)[: MAX_BAD_REQUESTS + 2]
    answers = exchange(raw, hello() + b"".join(lines))
    assert answers[1] == {"id": 2, "ok": False, "error": "unknown op 'format_disk'"}
    assert all(answer["ok"] is False for answer in answers[1:])
    assert len(answers) == 1 + MAX_BAD_REQUESTS + 1  # the last one says why the connection closes
    assert "in a row" in str(answers[-1]["error"])


def test_sessions_through_the_client_reflect_and_are_fetched_in_chunks(
    listener: ControlListener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.server.listener.CHUNK_BYTES", 1000)  # the table takes many chunks
    with ServerClient(*listener.address, TOKEN) as client:
        reflector = client.open_session(SessionKind.UDP_REFLECTOR)
        sink = client.open_session(SessionKind.UDP_SINK, SessionParams(max_samples=100_000))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.settimeout(READ_TIMEOUT_S)
            probe = encode_probe(ProbeHeader(seq=9, client_tx_ns=time.time_ns()), 200)
            udp.sendto(probe, reflector.address)
            reply = udp.recv(2048)
            for seq in range(1000):
                udp.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=seq), 40), sink.address)
                if seq % 50 == 0:
                    time.sleep(0.002)  # within the socket's receive buffer: no loss on loopback
        wait_until(lambda: client.counters(sink.session_id).received_packets == 1000)
        counters = client.close_session(reflector.session_id)
        samples = client.samples(sink.session_id)
        assert client.fetch_capture(reflector.session_id, tmp_path / "none.pcap") is None
        assert client.iperf3_report(reflector.session_id) is None
    header = decode_probe(reply)
    assert header is not None
    assert header.seq == 9
    assert len(reply) == len(probe)
    assert (counters.received_bytes, counters.sent_bytes, counters.is_open) == (200, 200, False)
    assert samples["seq"].tolist() == list(range(1000))
    assert samples["sent_ns"].tolist() == list(range(1000))


def test_a_connection_that_ends_takes_its_sessions_with_it(
    listener: ControlListener, sessions: LocalServer
) -> None:
    client = ServerClient(*listener.address, TOKEN)
    info = client.open_session(SessionKind.UDP_SINK)
    client.close()
    wait_until(lambda: not sessions._snapshot())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rebound:
        rebound.bind(info.address)  # its socket was released


def test_the_token_never_reaches_a_log_or_a_repr(
    listener: ControlListener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ServerClient(*listener.address, TOKEN) as client:
        client.open_session(SessionKind.UDP_SINK)
        assert TOKEN not in repr(client)
    assert TOKEN not in repr(listener)
    assert TOKEN not in caplog.text


def test_a_remote_reflector_is_no_amplifier(listener: ControlListener) -> None:
    """Whatever arrives, what leaves is never more: one echo per probe, each exactly as long."""
    with ServerClient(*listener.address, TOKEN) as client:
        info = client.open_session(SessionKind.UDP_REFLECTOR)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.settimeout(0.5)
            sizes = [32, 33, 64, 512, 1400, 9000]
            for seq, size in enumerate(sizes):
                udp.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=1), size), info.address)
                udp.sendto(b"\x00" * size, info.address)
            replies = []
            try:
                while True:
                    replies.append(udp.recv(65_536))
            except TimeoutError:
                pass
        counters = client.close_session(info.session_id)
    assert sorted(len(reply) for reply in replies) == sorted(sizes)
    assert counters.sent_bytes == sum(sizes) == counters.received_bytes // 2


def test_a_session_that_cannot_start_is_an_error_answer_and_the_connection_stays(
    listener: ControlListener,
) -> None:
    with (
        ServerClient(*listener.address, TOKEN) as client,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken,
    ):
        taken.bind(("127.0.0.1", 0))
        with pytest.raises(ServerError, match="cannot bind"):
            client.open_session(SessionKind.UDP_SINK, SessionParams(port=taken.getsockname()[1]))
        assert client.open_session(SessionKind.UDP_SINK).port > 0
