"""Live capture on the loopback: probes sent during the block land in the pcap and read back as rows."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from harness.capture import CaptureSpec, capture, capture_problem, pcap_table
from harness.errors import CaptureError
from harness.probe import ProbeHeader, encode_probe

needs_capture = pytest.mark.skipif(
    capture_problem() is not None or shutil.which("tcpdump") is None,
    reason=f"live capture unavailable: {capture_problem() or 'tcpdump (scapy compiles BPF with it) missing'}",
)


def _udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@needs_capture
def test_probes_sent_during_capture_are_in_the_pcap(tmp_path: Path) -> None:
    sink = _udp_socket()
    source = _udp_socket()
    port = sink.getsockname()[1]
    path = tmp_path / "capture-server.pcap"
    with capture(CaptureSpec(point="server", interface="lo", bpf=f"udp port {port}"), path) as record:
        for seq in range(5):
            probe = encode_probe(ProbeHeader(seq=seq, client_tx_ns=seq * 10**9), 64)
            source.sendto(probe, ("127.0.0.1", port))
        # traffic to another port must be filtered out
        source.sendto(b"noise", source.getsockname())
    sink.close()
    source.close()
    table = pcap_table(path)
    assert record.packets == 5
    assert table["seq"].tolist() == [0, 1, 2, 3, 4]
    assert (table["dport"] == port).all()
    assert (table["proto"] == "udp").all()
    assert (table["payload_bytes"] == 64).all()
    assert (table["length"] == 64 + 28).all()
    assert table["sent_t_s"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert table["t_s"].is_monotonic_increasing


@needs_capture
def test_a_bad_interface_fails_loudly(tmp_path: Path) -> None:
    spec = CaptureSpec(point="server", interface="no-such-if0", bpf="udp")
    with pytest.raises((CaptureError, OSError)), capture(spec, tmp_path / "x.pcap"):
        pass


def test_without_privileges_capture_names_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.capture.live.capture_problem", lambda: "packet capture needs root")
    spec = CaptureSpec(point="server", interface="lo", bpf="udp")
    with pytest.raises(CaptureError, match="capture at server \\(lo\\): packet capture needs root"), capture(
        spec, tmp_path / "x.pcap"
    ):
        pass


@needs_capture
def test_a_capture_that_saw_nothing_is_a_valid_empty_pcap(tmp_path: Path) -> None:
    path = tmp_path / "capture-server.pcap"
    with capture(CaptureSpec(point="server", interface="lo", bpf="udp port 9"), path) as record:
        pass
    assert record.packets == 0
    assert pcap_table(path).empty
