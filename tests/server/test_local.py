"""LocalServer: many sessions of every kind at once, each on its own port; closing releases sockets and
keeps results; per-owner caps; captures at the server when allowed."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.capture import CaptureRecord, CaptureSpec, capture_problem, pcap_table
from harness.probe import HEADERS_SNAPLEN_BYTES, ProbeHeader, decode_probe, encode_probe
from harness.server import LocalServer, ServerError, SessionKind, SessionParams
from harness.server import local as local_module
from harness.server.local import MAX_KEPT_SESSIONS, MAX_OPEN_SESSIONS

from .waiting import wait_until


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.close()


def probe(seq: int, size: int = 64) -> bytes:
    return encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), size)


def test_many_reflector_and_sink_sessions_at_once_keep_their_own_counts(server: LocalServer) -> None:
    reflectors = [server.open_session(SessionKind.UDP_REFLECTOR) for _ in range(6)]
    sinks = [server.open_session(SessionKind.UDP_SINK) for _ in range(6)]
    assert len({info.port for info in reflectors + sinks}) == 12
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5)
        for index, info in enumerate(reflectors + sinks):
            for seq in range(index + 1):
                client.sendto(probe(seq), info.address)
        echoes = [decode_probe(client.recv(2048)) for _ in range(sum(range(1, 7)))]
    assert all(echo is not None and echo.is_reflected for echo in echoes)
    for index, info in enumerate(reflectors + sinks):
        wait_until(lambda info=info, n=index + 1: server.counters(info.session_id).received_packets == n)
    for index, info in enumerate(reflectors):
        counters = server.close_session(info.session_id)
        assert (counters.sent_packets, counters.sent_bytes, counters.is_open) == (
            index + 1,
            64 * (index + 1),
            False,
        )


def test_a_closed_session_releases_its_port_and_keeps_its_results(server: LocalServer) -> None:
    info = server.open_session(SessionKind.UDP_SINK)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.sendto(probe(0), info.address)
    wait_until(lambda: server.counters(info.session_id).received_packets == 1)
    server.close_session(info.session_id)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rebound:
        rebound.bind(info.address)  # EADDRINUSE if the session had kept it
    assert server.counters(info.session_id).received_packets == 1
    assert len(server.samples(info.session_id)) == 1
    assert server.close_session(info.session_id) == server.counters(info.session_id)  # closing twice is fine


def test_a_discarded_session_is_gone(server: LocalServer) -> None:
    info = server.open_session(SessionKind.TCP_SINK)
    server.discard_session(info.session_id)
    with pytest.raises(ServerError, match="no session"):
        server.counters(info.session_id)


def test_an_owner_sees_only_its_own_sessions(server: LocalServer) -> None:
    info = server.open_session(SessionKind.UDP_SINK, owner="a")
    with pytest.raises(ServerError, match="no session"):
        server.close_session(info.session_id, owner="b")


def test_open_sessions_per_owner_are_capped_and_old_closed_ones_are_forgotten(server: LocalServer) -> None:
    opened = [server.open_session(SessionKind.UDP_SINK) for _ in range(MAX_OPEN_SESSIONS)]
    with pytest.raises(ServerError, match=f"at most {MAX_OPEN_SESSIONS}"):
        server.open_session(SessionKind.UDP_SINK)
    assert server.open_session(SessionKind.UDP_SINK, owner="another") is not None
    for info in opened:
        server.close_session(info.session_id)
    for _ in range(MAX_KEPT_SESSIONS - MAX_OPEN_SESSIONS + 1):
        server.close_session(server.open_session(SessionKind.UDP_SINK).session_id)
    with pytest.raises(ServerError, match="no session"):
        server.counters(opened[0].session_id)  # the oldest closed one made room
    assert server.counters(opened[-1].session_id).is_open is False


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (SessionParams(rate_kbps=0), "rate_kbps"),
        (SessionParams(payload_bytes=8), "payload_bytes"),
        (SessionParams(duration_s=1e6), "duration_s"),
        (SessionParams(payload_bytes=70_000), "UDP datagram"),
    ],
)
def test_parameters_out_of_bounds_are_refused_by_name(
    server: LocalServer, params: SessionParams, message: str
) -> None:
    with pytest.raises(ServerError, match=message):
        server.open_session(SessionKind.UDP_SOURCE, params)


def test_a_server_outside_the_allowed_addresses_is_refused() -> None:
    with pytest.raises(ServerError, match="--public"):
        LocalServer(host="192.0.2.1")


def test_without_privileges_a_captured_session_runs_and_says_why_capture_is_off(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.server.local.capture_problem", lambda: "packet capture needs root")
    info = server.open_session(SessionKind.UDP_SINK, SessionParams(is_captured=True))
    assert info.capture_off_reason == "packet capture needs root"
    assert server.capture_path(info.session_id) is None


@pytest.mark.skipif(capture_problem() is not None, reason=f"capture: {capture_problem()}")
def test_a_captured_session_has_its_own_packets_in_its_pcap(server: LocalServer, tmp_path: Path) -> None:
    captured = server.open_session(SessionKind.UDP_REFLECTOR, SessionParams(is_captured=True))
    other = server.open_session(SessionKind.UDP_SINK)
    assert captured.capture_off_reason is None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5)
        for seq in range(5):
            client.sendto(probe(seq, 100), captured.address)
            client.recv(2048)
            client.sendto(probe(seq, 100), other.address)
    server.close_session(captured.session_id)
    pcap = server.fetch_capture(captured.session_id, tmp_path / "capture-server.pcap")
    assert pcap is not None
    table = pcap_table(pcap)
    assert set(table["dport"]) | set(table["sport"]) >= {captured.port}
    assert other.port not in set(table["dport"])
    assert sorted(table[table["dport"] == captured.port]["seq"]) == [0, 1, 2, 3, 4]


def test_a_server_cutting_captures_to_headers_gives_tcpdump_its_snap_length(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    specs: list[CaptureSpec] = []

    @contextlib.contextmanager
    def recording_capture(spec: CaptureSpec, path: Path) -> Iterator[CaptureRecord]:
        specs.append(spec)
        path.write_bytes(b"")
        yield CaptureRecord(spec=spec, path=path)

    monkeypatch.setattr(local_module, "capture_problem", lambda: None)
    monkeypatch.setattr(local_module, "capture", recording_capture)
    server = LocalServer(capture_dir=tmp_path, capture_snaplen_bytes=HEADERS_SNAPLEN_BYTES)
    try:
        server.close_session(
            server.open_session(SessionKind.UDP_SINK, SessionParams(is_captured=True)).session_id
        )
    finally:
        server.close()
    assert [spec.snaplen_bytes for spec in specs] == [HEADERS_SNAPLEN_BYTES]


def test_the_capture_drop_counters_reach_the_session_counters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """tcpdump's drop counters (a CaptureRecord) go into the closed session's counters, not nowhere."""

    @contextlib.contextmanager
    def dropping_capture(spec: CaptureSpec, path: Path) -> Iterator[CaptureRecord]:
        record = CaptureRecord(spec=spec, path=path)
        path.write_bytes(b"")
        yield record
        record.dropped_by_kernel, record.dropped_by_interface = 3, 1

    monkeypatch.setattr(local_module, "capture_problem", lambda: None)
    monkeypatch.setattr(local_module, "capture", dropping_capture)
    server = LocalServer(capture_dir=tmp_path)
    try:
        captured = server.open_session(SessionKind.UDP_SINK, SessionParams(is_captured=True))
        plain = server.open_session(SessionKind.UDP_SINK)
        assert server.counters(captured.session_id).capture_dropped_packets == 0  # known once closed
        assert server.close_session(captured.session_id).capture_dropped_packets == 4
        assert server.close_session(plain.session_id).capture_dropped_packets == 0
    finally:
        server.close()
