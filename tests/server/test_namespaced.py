"""NamespacedServer: a LocalServer whose sessions live in a network namespace the test creates (only its
loopback): reachable from inside, not from this namespace's own loopback. Skips without root."""

from __future__ import annotations

import socket
import time
import uuid

import pytest

from harness import netns
from harness.server import SessionKind
from harness.server.namespaced import NamespacedServer

from .waiting import wait_until

ROOT_REASON = netns.missing_net_admin()
pytestmark = pytest.mark.skipif(ROOT_REASON is not None, reason=f"namespace tests: {ROOT_REASON}")


def test_sessions_live_in_the_namespace() -> None:
    namespace = f"{netns.NAME_PREFIX}q{uuid.uuid4().hex[:6]}"
    with netns.Topology() as topology:
        topology.add_namespace(namespace)
        netns.set_loopback_up(namespace)
        server = NamespacedServer(namespace, host="127.0.0.1")
        try:
            sink = server.open_session(SessionKind.UDP_SINK)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as outside:
                outside.sendto(b"x" * 40, sink.address)  # this namespace's loopback: nobody there
            inside = netns.open_socket_in(namespace, socket.AF_INET, socket.SOCK_DGRAM)
            with inside:
                inside.sendto(b"y" * 50, sink.address)
            wait_until(lambda: server.counters(sink.session_id).received_packets >= 1)
            time.sleep(0.1)  # a datagram from outside would have landed by now
            counters = server.close_session(sink.session_id)
            assert (counters.received_packets, counters.received_bytes) == (1, 50)
            assert server.samples(sink.session_id)["payload_bytes"].tolist() == [50]
        finally:
            server.close()
