"""The UDP reflector answers probes with stamps, and nothing else."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from harness.probe import HEADER_BYTES, ProbeHeader, decode_probe, encode_probe
from harness.server import UdpReflector


@pytest.fixture
def client() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2.0)
    yield sock
    sock.close()


def test_probe_comes_back_stamped_and_same_size(client: socket.socket) -> None:
    with UdpReflector() as reflector:
        sent_ns = time.time_ns()
        probe = encode_probe(ProbeHeader(seq=7, client_tx_ns=sent_ns), 100)
        client.sendto(probe, reflector.address)
        reply, _ = client.recvfrom(2048)
    counters = reflector.counters()  # once stopped: the worker counts a reply after it went
    header = decode_probe(reply)
    assert header is not None
    assert len(reply) == len(probe)
    assert header.seq == 7
    assert header.is_reflected
    assert header.client_tx_ns == sent_ns
    assert sent_ns <= header.server_rx_ns <= header.server_tx_ns
    assert reply[HEADER_BYTES:] == probe[HEADER_BYTES:]
    assert (counters.received_packets, counters.sent_packets, counters.dropped_packets) == (1, 1, 0)
    assert counters.sent_bytes == counters.received_bytes == len(probe)


@pytest.mark.parametrize(
    "payload",
    [b"hello", b"\x00" * 64, encode_probe(ProbeHeader(seq=1, client_tx_ns=1), 64)[:31]],
    ids=["text", "zeros", "truncated-probe"],
)
def test_anything_but_a_probe_is_dropped(client: socket.socket, payload: bytes) -> None:
    with UdpReflector() as reflector:
        client.sendto(payload, reflector.address)
        client.settimeout(0.3)
        with pytest.raises(TimeoutError):
            client.recvfrom(2048)
        assert reflector.counters().dropped_packets == 1


def test_already_reflected_probe_is_not_bounced(client: socket.socket) -> None:
    reflected = ProbeHeader(seq=3, client_tx_ns=1).reflected(server_rx_ns=2, server_tx_ns=3)
    with UdpReflector() as reflector:
        client.sendto(encode_probe(reflected, 64), reflector.address)
        client.settimeout(0.3)
        with pytest.raises(TimeoutError):
            client.recvfrom(2048)
        assert reflector.counters().sent_packets == 0


def test_every_received_datagram_is_a_sample_row_with_its_probe_fields(client: socket.socket) -> None:
    with UdpReflector() as reflector:
        client.sendto(b"junk", reflector.address)
        client.sendto(encode_probe(ProbeHeader(seq=5, client_tx_ns=123), 48), reflector.address)
        client.recvfrom(2048)
    # read once the reflector stopped: the echo leaves before its row is written
    frame = reflector.samples.frame()
    assert frame["seq"].tolist() == [-1, 5]
    assert frame["sent_ns"].tolist() == [0, 123]
    assert frame["payload_bytes"].tolist() == [4, 48]
    assert frame["t_s"].is_monotonic_increasing


def test_the_port_is_released_when_the_reflector_stops() -> None:
    with UdpReflector() as reflector:
        port = reflector.port
    rebound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rebound.bind(("127.0.0.1", port))  # fails with EADDRINUSE if the session kept its socket
    rebound.close()
