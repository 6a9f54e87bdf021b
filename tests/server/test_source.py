"""Sources send nothing until the knock, then paced traffic to that peer only, for the duration."""

from __future__ import annotations

import socket
import time

import pytest

from harness.probe import decode_probe
from harness.server.session import SessionParams
from harness.server.source import TcpSource, UdpSource

from .waiting import wait_until

READ_TIMEOUT_S = 5.0


def receive_all(sock: socket.socket, *, quiet_s: float) -> list[bytes]:
    """Datagrams until none came for quiet_s."""
    sock.settimeout(quiet_s)
    datagrams = []
    try:
        while True:
            datagrams.append(sock.recv(65_536))
    except TimeoutError:
        return datagrams


@pytest.fixture
def udp_client() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def test_udp_source_is_silent_until_the_knock_and_ignores_the_wrong_one(udp_client: socket.socket) -> None:
    params = SessionParams(rate_kbps=800, payload_bytes=100, duration_s=0.5)
    with UdpSource(params=params) as source:
        udp_client.sendto(b"not the knock", source.address)
        udp_client.sendto(bytes(source.knock)[:-1], source.address)
        assert receive_all(udp_client, quiet_s=0.3) == []
        assert source.counters().dropped_packets == 2
        assert source.counters().sent_packets == 0


def test_udp_source_sends_rate_times_duration_of_numbered_probes_to_the_knocker(
    udp_client: socket.socket,
) -> None:
    params = SessionParams(rate_kbps=400, payload_bytes=250, duration_s=1.0)  # 200 datagrams
    with UdpSource(params=params) as source, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bystander:
        udp_client.sendto(source.knock + b"rest is ignored", source.address)
        bystander.sendto(source.knock, source.address)  # too late: the source already has its peer
        datagrams = receive_all(udp_client, quiet_s=0.5)
        bystander.settimeout(0.1)
        with pytest.raises(TimeoutError):
            bystander.recv(2048)
        counters = source.counters()
    headers = [decode_probe(datagram) for datagram in datagrams]
    assert [header.seq for header in headers if header] == list(range(len(datagrams)))
    assert {len(datagram) for datagram in datagrams} == {250}
    # The bucket starts empty: the k-th datagram may go at k x 5 ms, so 199 or 200 of them fit in 1 s; a
    # loaded machine can only lose a few more, never send more.
    assert 190 <= len(datagrams) <= 200
    assert counters.sent_packets == len(datagrams)
    assert counters.dropped_packets == 1
    sent_ns = [header.client_tx_ns for header in headers if header]
    assert (sent_ns[-1] - sent_ns[0]) / 1e9 == pytest.approx(1.0, abs=0.05)


def test_tcp_source_streams_after_the_knock_then_ends_the_stream() -> None:
    params = SessionParams(rate_kbps=800, payload_bytes=1000, duration_s=0.5)  # 50 kB
    with TcpSource(params=params) as source:
        with socket.create_connection(source.address, timeout=READ_TIMEOUT_S) as client:
            client.sendall(source.knock[:3])
            time.sleep(0.05)  # a knock split over two segments still counts
            client.sendall(source.knock[3:])
            received = 0
            while chunk := client.recv(65_536):
                received += len(chunk)
        wait_until(lambda: source.counters().sent_bytes == received)
        counters = source.counters()
    assert 49_000 <= received <= 50_000
    assert source.samples.frame()["payload_bytes"].sum() == received
    assert counters.connections == 1


def test_tcp_source_closes_a_connection_with_the_wrong_knock_and_keeps_waiting() -> None:
    params = SessionParams(rate_kbps=80, payload_bytes=100, duration_s=0.2)
    with TcpSource(params=params) as source:
        with socket.create_connection(source.address, timeout=READ_TIMEOUT_S) as stranger:
            stranger.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert stranger.recv(16) == b""
        with socket.create_connection(source.address, timeout=READ_TIMEOUT_S) as client:
            client.sendall(source.knock)
            assert client.recv(16) != b""
        assert source.counters().dropped_packets == 1
