"""Captures cut to headers (CaptureSpec.snaplen_bytes, tcpdump -s; rig [capture] payload = "headers") and
harness/capture/snap_length.py: a live loopback capture keeps the probe header and no byte of the data
after it, while pcap_table still reads every packet's size on the wire, its sequence number and send time;
a pcap cut below the probe header is named as such."""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path

import pytest

from harness.capture import CaptureSpec, capture, capture_problem, pcap_table
from harness.capture.pcap_table import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, read_file_header
from harness.capture.snap_length import probe_cut_problem
from harness.probe import HEADER_BYTES, HEADERS_SNAPLEN_BYTES, ProbeHeader, encode_probe

CAPTURE_REASON = capture_problem()
needs_capture = pytest.mark.skipif(CAPTURE_REASON is not None, reason=f"live capture: {CAPTURE_REASON}")
PAYLOAD_BYTES = 1000
# user data after the probe header, far past the cut: it must not reach the file
SECRET = b"user-data-that-must-not-be-captured"
PROBES = 20


def probe_with_data(seq: int) -> bytes:
    head = encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), HEADER_BYTES)
    filler = bytes(PAYLOAD_BYTES - HEADER_BYTES - len(SECRET))
    return head + filler[:200] + SECRET + filler[200:]


@needs_capture
def test_a_capture_cut_to_headers_keeps_probes_and_drops_the_data(tmp_path: Path) -> None:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sink.bind(("127.0.0.1", 0))
        port = sink.getsockname()[1]
        spec = CaptureSpec(
            point="server", interface="lo", bpf=f"udp port {port}", snaplen_bytes=HEADERS_SNAPLEN_BYTES
        )
        path = tmp_path / "capture-server.pcap"
        with capture(spec, path) as record:
            for seq in range(PROBES):
                sender.sendto(probe_with_data(seq), ("127.0.0.1", port))
    finally:
        sink.close()
        sender.close()

    assert record.packets == PROBES
    assert read_file_header(path).snaplen_bytes == HEADERS_SNAPLEN_BYTES
    assert SECRET not in path.read_bytes()
    assert path.stat().st_size < PROBES * PAYLOAD_BYTES // 4
    table = pcap_table(path)
    assert table["seq"].tolist() == list(range(PROBES))
    assert table["sent_t_s"].notna().all()
    assert (table["payload_bytes"] == PAYLOAD_BYTES).all()
    assert probe_cut_problem(path) is None


def write_pcap_header(path: Path, *, snaplen_bytes: int, linktype: int) -> Path:
    """A pcap with its global header only (pcap-savefile(5)), little-endian, microseconds."""
    path.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen_bytes, linktype))
    return path


@pytest.mark.parametrize(
    ("snaplen_bytes", "linktype", "needed"),
    [(73, LINKTYPE_ETHERNET, 74), (79, LINKTYPE_LINUX_SLL2, 80)],
)
def test_a_pcap_cut_inside_the_probe_header_is_named(
    tmp_path: Path, snaplen_bytes: int, linktype: int, needed: int
) -> None:
    path = write_pcap_header(tmp_path / "cut.pcap", snaplen_bytes=snaplen_bytes, linktype=linktype)

    problem = probe_cut_problem(path)

    assert problem is not None
    assert f"keeps {snaplen_bytes} bytes of each packet" in problem
    assert f"fewer than the {needed} a probe header needs" in problem
    assert probe_cut_problem(write_pcap_header(path, snaplen_bytes=needed, linktype=linktype)) is None


def test_an_unknown_link_type_is_named(tmp_path: Path) -> None:
    path = write_pcap_header(tmp_path / "odd.pcap", snaplen_bytes=65535, linktype=147)

    assert probe_cut_problem(path) == f"{path}: link type 147 is not one the pcap reader decodes"
