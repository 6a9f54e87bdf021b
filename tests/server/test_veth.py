"""Sessions across a veth pair between two namespaces (198.18.0.0/15): the server in one, the module's side
in the other, the capture on the server's veth end. Skips without root, saying why."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import netns
from harness.capture import capture_problem, pcap_table
from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import LocalServer, SessionKind, SessionParams

from .waiting import wait_until

ROOT_REASON = netns.missing_net_admin() or capture_problem()
pytestmark = pytest.mark.skipif(ROOT_REASON is not None, reason=f"veth tests: {ROOT_REASON}")
SERVER_ADDRESS = "198.18.77.1"
MODULE_ADDRESS = "198.18.77.2"


def unique(kind: str) -> str:
    return f"{netns.NAME_PREFIX}{kind}{uuid.uuid4().hex[:6]}"


@pytest.fixture
def link() -> Iterator[tuple[str, str, str]]:
    """(server namespace, module namespace, the server's interface)."""
    server_ns, module_ns = unique("s"), unique("m")
    server_if, module_if = unique("vs"), unique("vm")
    with netns.Topology() as topology:
        topology.add_namespace(server_ns)
        topology.add_namespace(module_ns)
        topology.add_veth(
            netns.Endpoint(name=server_if, namespace=server_ns),
            netns.Endpoint(name=module_if, namespace=module_ns),
        )
        for namespace, interface, address in (
            (server_ns, server_if, SERVER_ADDRESS),
            (module_ns, module_if, MODULE_ADDRESS),
        ):
            netns.add_address(interface, f"{address}/24", namespace=namespace)
            netns.set_link(interface, namespace=namespace, is_up=True, is_ipv6_quiet=True)
        yield server_ns, module_ns, server_if


def test_reflector_and_sink_across_a_veth_pair_with_the_capture_on_the_server_side(
    link: tuple[str, str, str], tmp_path: Path
) -> None:
    server_ns, module_ns, server_if = link
    # Sockets and worker threads made inside the server namespace stay in it (harness.netns.call_in).
    server = netns.call_in(
        server_ns, lambda: LocalServer(host=SERVER_ADDRESS, capture_interface=server_if, capture_dir=tmp_path)
    )
    try:
        reflector, sink = netns.call_in(
            server_ns,
            lambda: (
                server.open_session(SessionKind.UDP_REFLECTOR, SessionParams(is_captured=True)),
                server.open_session(SessionKind.UDP_SINK),
            ),
        )
        assert reflector.capture_off_reason is None
        module = netns.open_socket_in(module_ns, socket.AF_INET, socket.SOCK_DGRAM)
        with module:
            module.settimeout(5)
            for seq in range(20):
                module.sendto(
                    encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), 300), reflector.address
                )
                header = decode_probe(module.recv(2048))
                assert header is not None
                assert header.seq == seq
                module.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=1), 1000), sink.address)
        wait_until(lambda: server.counters(sink.session_id).received_packets == 20)
        server.close_session(reflector.session_id)
        pcap = server.fetch_capture(reflector.session_id, tmp_path / "capture-server.pcap")
    finally:
        server.close()
    assert pcap is not None
    table = pcap_table(pcap)
    inbound = table[table["dport"] == reflector.port]
    assert sorted(inbound["seq"]) == list(range(20))
    assert set(inbound["src"]) == {MODULE_ADDRESS}
    assert len(table[table["sport"] == reflector.port]) == 20  # the echoes, leaving through the same veth
    assert sink.port not in set(table["dport"])  # another session's traffic is not in this pcap
