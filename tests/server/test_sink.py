"""Sinks count known traffic exactly, read probe headers from UDP payloads, and never answer."""

from __future__ import annotations

import socket

import pytest

from harness.probe import ProbeHeader, encode_probe
from harness.server.session import SessionParams
from harness.server.sink import MAX_CONNECTIONS, TcpSink, UdpSink

from .waiting import wait_until


def test_udp_sink_counts_every_datagram_and_keeps_seq_and_send_stamp() -> None:
    sizes = [32, 100, 1400, 7]
    with UdpSink() as sink, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        for seq, size in enumerate(sizes[:3]):
            client.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=1000 + seq), size), sink.address)
        client.sendto(b"x" * sizes[3], sink.address)
        wait_until(lambda: sink.counters().received_packets == len(sizes))
        client.settimeout(0.2)
        with pytest.raises(TimeoutError):
            client.recvfrom(2048)  # a sink never answers
    counters = sink.counters()
    assert (counters.received_bytes, counters.sent_packets, counters.sent_bytes) == (sum(sizes), 0, 0)
    frame = sink.samples.frame()
    assert frame["payload_bytes"].tolist() == sizes
    assert frame["seq"].tolist() == [0, 1, 2, -1]
    assert frame["sent_ns"].tolist() == [1000, 1001, 1002, 0]


def test_udp_sink_honours_its_sample_cap_and_counts_the_rest() -> None:
    with (
        UdpSink(params=SessionParams(max_samples=5)) as sink,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client,
    ):
        for _ in range(20):
            client.sendto(b"junk", sink.address)
        wait_until(lambda: sink.counters().received_packets == 20)
    counters = sink.counters()
    assert (counters.samples_kept, counters.samples_dropped) == (5, 15)


def test_tcp_sink_counts_the_bytes_of_each_connection_as_its_own_flow() -> None:
    with TcpSink() as sink:
        for payload_bytes in (10_000, 250_000):
            with socket.create_connection(sink.address, timeout=5) as client:
                client.sendall(bytes(payload_bytes))
        wait_until(lambda: sink.counters().received_bytes == 260_000)
        wait_until(lambda: len(sink._flows) == 0)  # both ends seen, their sockets released
    frame = sink.samples.frame()
    assert frame.groupby("flow")["payload_bytes"].sum().to_dict() == {0: 10_000, 1: 250_000}
    assert sink.counters().connections == 2


def test_tcp_sink_closes_connections_over_its_cap_at_once() -> None:
    with TcpSink() as sink:
        held = [socket.create_connection(sink.address, timeout=5) for _ in range(MAX_CONNECTIONS)]
        wait_until(lambda: sink.counters().connections == MAX_CONNECTIONS)
        with socket.create_connection(sink.address, timeout=5) as extra:
            assert extra.recv(16) == b""  # closed by the sink
        wait_until(lambda: sink.counters().dropped_packets == 1)
        for connection in held:
            connection.close()
