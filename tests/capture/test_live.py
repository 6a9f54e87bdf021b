"""Live capture (tcpdump writing the pcap) over loopback and over a veth pair between namespaces: traffic
with known loss, duplication, reordering and rate, sent by the test, read back through pcap_table and
flow_metrics; tcpdump's counters land in the record; failures are loud."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import netns
from harness.capture import CaptureSpec, capture, capture_problem, flow_metrics, pcap_table
from harness.errors import CaptureError
from harness.probe import ProbeHeader, encode_probe

CAPTURE_REASON = capture_problem()
needs_capture = pytest.mark.skipif(CAPTURE_REASON is not None, reason=f"live capture: {CAPTURE_REASON}")
NETNS_REASON = CAPTURE_REASON or netns.missing_net_admin()
needs_netns = pytest.mark.skipif(NETNS_REASON is not None, reason=f"capture in namespaces: {NETNS_REASON}")
PAYLOAD_BYTES = 64
SOCKET_TIMEOUT_S = 5.0
# seq order with known faults: 5 and 17 lost, 8 and 30 sent twice, 12 sent after 13 and 14 (extent 2)
ORDER = (
    [s for s in range(12) if s not in (5,)] + [8, 13, 14, 12] + [s for s in range(15, 40) if s != 17] + [30]
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """Where the test sends from and to, and where the capture listens."""

    sender: socket.socket
    destination: tuple[str, int]
    spec: CaptureSpec
    sender_namespace: str | None = None


def send_probes(sender: socket.socket, destination: tuple[str, int], order: Sequence[int]) -> None:
    for seq in order:
        sender.sendto(
            encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), PAYLOAD_BYTES), destination
        )


@pytest.fixture
def loopback() -> Iterator[Route]:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    port = sink.getsockname()[1]
    yield Route(
        sender=sender,
        destination=("127.0.0.1", port),
        spec=CaptureSpec(point="server", interface="lo", bpf=f"udp port {port}"),
    )
    sink.close()
    sender.close()


def unique(kind: str) -> str:
    return f"{netns.NAME_PREFIX}{kind}{uuid.uuid4().hex[:6]}"


@pytest.fixture
def veth() -> Iterator[Route]:
    """A sender namespace and a server namespace joined by a veth pair; the capture runs in the server's."""
    if NETNS_REASON is not None:
        pytest.skip(f"capture in namespaces: {NETNS_REASON}")
    with netns.Topology() as topology:
        client, server = unique("c"), unique("s")
        topology.add_namespace(client)
        topology.add_namespace(server)
        topology.add_veth(
            netns.Endpoint(name="miot-c", namespace=client), netns.Endpoint(name="miot-s", namespace=server)
        )
        for namespace, name, address in (
            (client, "miot-c", "198.18.251.1/30"),
            (server, "miot-s", "198.18.251.2/30"),
        ):
            netns.add_address(name, address, namespace=namespace)
            netns.set_link(name, namespace=namespace, is_up=True, is_ipv6_quiet=True)
        sink = netns.open_socket_in(server, socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("198.18.251.2", 9000))
        sender = netns.open_socket_in(client, socket.AF_INET, socket.SOCK_DGRAM)
        sender.settimeout(SOCKET_TIMEOUT_S)
        yield Route(
            sender=sender,
            destination=("198.18.251.2", 9000),
            spec=CaptureSpec(point="server", interface="miot-s", bpf="udp port 9000", namespace=server),
            sender_namespace=client,
        )
        sink.close()
        sender.close()


@pytest.fixture(params=["loopback", "veth"])
def path(request: pytest.FixtureRequest) -> Route:
    if CAPTURE_REASON is not None:
        pytest.skip(f"live capture: {CAPTURE_REASON}")
    found: Route = request.getfixturevalue(request.param)
    return found


def test_known_loss_duplicates_and_reordering_are_measured(path: Route, tmp_path: Path) -> None:
    pcap = tmp_path / "capture-server.pcap"
    with capture(path.spec, pcap) as record:
        send_probes(path.sender, path.destination, ORDER)
        # traffic to another port must be filtered out
        path.sender.sendto(b"noise", (path.destination[0], path.destination[1] + 1))
    table = pcap_table(pcap)
    assert (record.packets, record.dropped_packets, record.is_lossless) == (len(ORDER), 0, True)
    assert table["seq"].tolist() == ORDER
    assert (table["dport"] == path.destination[1]).all()
    assert (table["payload_bytes"] == PAYLOAD_BYTES).all()
    metrics = flow_metrics(table, expected_packets=40, clock_offset_s=0.0)
    assert (metrics.lost_packets, metrics.duplicate_packets) == (2, 2)
    assert (metrics.reordered_packets, metrics.reordering_extent_max) == (1, 2)
    # one host, one clock: the delays are those of the kernel path, never negative
    delays_ms = (metrics.owd_min_ms, metrics.owd_max_ms)
    assert None not in delays_ms
    assert 0 <= min(delays_ms) <= max(delays_ms) < 1000  # type: ignore[type-var]


@needs_netns
def test_the_rate_through_tbf_is_the_configured_rate_with_ethernet_headers(
    veth: Route, tmp_path: Path
) -> None:
    """tbf on the sender's veth holds the sender to its rate (../shared/reference/this-machine.md,
    pitfalls): the capture must see the configured rate once the 14-byte Ethernet header is counted."""
    rate_kbps = 4000.0
    # a queue longer than the socket's send buffer: the sender blocks rather than tbf dropping
    netns.set_tbf(
        "miot-c",
        netns.Tbf(rate_kbps=rate_kbps, burst_bytes=3000, latency_ms=1000),
        namespace=veth.sender_namespace,
    )
    pcap = tmp_path / "capture-server.pcap"
    with capture(veth.spec, pcap) as record:
        for seq in range(500):
            veth.sender.sendto(
                encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), 1000), veth.destination
            )
        time.sleep(0.5)  # the queue behind tbf drains at the rate
    metrics = flow_metrics(pcap_table(pcap), expected_packets=500)
    assert (record.dropped_packets, metrics.lost_packets) == (0, 0)
    assert metrics.frame_kbps == pytest.approx(rate_kbps, rel=0.02)
    assert metrics.goodput_kbps == pytest.approx(rate_kbps * 1000 / (1000 + 8 + 20 + 14), rel=0.02)


@needs_capture
def test_a_bad_interface_fails_loudly_with_what_tcpdump_said(tmp_path: Path) -> None:
    spec = CaptureSpec(point="server", interface="no-such-if0", bpf="udp")
    with (
        pytest.raises(
            CaptureError, match=r"capture at server \(no-such-if0\): tcpdump failed to start: .*no-such-if0"
        ),
        capture(spec, tmp_path / "x.pcap"),
    ):
        pass


@needs_capture
def test_a_bad_filter_fails_before_the_block_runs(tmp_path: Path) -> None:
    spec = CaptureSpec(point="server", interface="lo", bpf="udp port banana")
    ran = []
    with pytest.raises(CaptureError, match="tcpdump failed to start"), capture(spec, tmp_path / "x.pcap"):
        ran.append(True)
    assert ran == []


@needs_capture
def test_an_error_in_the_block_stops_tcpdump_and_is_the_error_seen(tmp_path: Path) -> None:
    spec = CaptureSpec(point="server", interface="lo", bpf="udp port 9")
    with pytest.raises(ZeroDivisionError), capture(spec, tmp_path / "x.pcap"):
        1 / 0  # noqa: B018
    assert pcap_table(tmp_path / "x.pcap").empty  # tcpdump ended and flushed a valid file


def test_without_privileges_capture_names_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.capture.live.capture_problem", lambda: "packet capture needs root")
    spec = CaptureSpec(point="server", interface="lo", bpf="udp")
    with (
        pytest.raises(CaptureError, match="capture at server \\(lo\\): packet capture needs root"),
        capture(spec, tmp_path / "x.pcap"),
    ):
        pass


@needs_capture
def test_a_capture_that_saw_nothing_is_a_valid_empty_pcap(tmp_path: Path) -> None:
    path = tmp_path / "capture-server.pcap"
    with capture(CaptureSpec(point="server", interface="lo", bpf="udp port 9"), path) as record:
        pass
    assert (record.packets, record.dropped_by_kernel) == (0, 0)
    assert pcap_table(path).empty
