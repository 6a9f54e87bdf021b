"""harness.traffic.host_socket: a host UDP socket shaped as a ModuleSocket, on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from harness import netns
from harness.errors import HarnessError
from harness.traffic.host_socket import HostUdpSocket
from harness.traffic.iperf3_client import HostPath


@pytest.fixture
def peer() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2.0)
        yield sock


def test_a_datagram_goes_out_and_its_answer_comes_back_with_later_time(peer: socket.socket) -> None:
    sock = HostUdpSocket(HostPath(address="127.0.0.1"), peer.getsockname())
    try:
        sent_s = sock.send(b"ping")
        data, source = peer.recvfrom(100)
        assert data == b"ping"
        peer.sendto(b"pong", source)
        answer = sock.receive(timeout_s=2.0)
        assert answer is not None
        assert answer.data == b"pong"
        assert answer.t_s >= sent_s
        assert sock.receive(timeout_s=0.05) is None
    finally:
        sock.close()


@pytest.mark.skipif(netns.missing_net_admin() is not None, reason="SO_BINDTODEVICE needs CAP_NET_RAW")
def test_an_interface_that_does_not_exist_is_one_error_naming_it(peer: socket.socket) -> None:
    with pytest.raises(HarnessError, match=r"host socket from 127\.0\.0\.1 on miot-absent0 to 127\.0\.0\.1:"):
        HostUdpSocket(HostPath(address="127.0.0.1", interface="miot-absent0"), peer.getsockname())


def test_an_address_the_host_does_not_have_is_one_error_naming_it(peer: socket.socket) -> None:
    with pytest.raises(HarnessError, match=r"host socket from 198\.18\.255\.254 to"):
        HostUdpSocket(HostPath(address="198.18.255.254"), peer.getsockname())
