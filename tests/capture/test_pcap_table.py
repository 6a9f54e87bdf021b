"""pcap -> table: the vectorised reader agrees with a plain struct decoder, packet by packet, on random
pcaps built with scapy (both byte orders, micro- and nanosecond stamps, four link types, short snap
lengths, fragments, probes and look-alikes), and refuses what it cannot read with a message."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Ether
from scapy.packet import Packet, Raw
from scapy.utils import RawPcapWriter

from harness.capture import COLUMNS, pcap_table
from harness.capture.pcap_table import (
    LINKTYPE_ETHERNET,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_RAW,
)
from harness.errors import CaptureError
from harness.probe import ProbeHeader, decode_probe, encode_probe

LINKTYPES = (LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2)
LINK_BYTES = {LINKTYPE_ETHERNET: 14, LINKTYPE_RAW: 0, LINKTYPE_LINUX_SLL: 16, LINKTYPE_LINUX_SLL2: 20}


# --- the reference: one packet at a time with struct, the rules of the module docstring ------------------


def reference_row(frame: bytes, linktype: int) -> tuple[object, ...]:
    ip = _reference_ip(frame, linktype)
    if ip is None or len(ip) < 20 or ip[0] >> 4 != 4 or (ip[0] & 15) * 4 < 20 or len(ip) < (ip[0] & 15) * 4:
        return (None, None, None, None, "other", None, None, None, None)
    header_bytes = (ip[0] & 15) * 4
    _, _, total, _, fragment, _, protocol, _, src, dst = struct.unpack_from(">BBHHHBBH4s4s", ip)
    rest = ip[header_bytes:]
    is_whole = fragment & 0x1FFF == 0
    sport = dport = payload_bytes = seq = sent_t_s = None
    if is_whole and protocol in (6, 17) and len(rest) >= 4:
        sport, dport = struct.unpack_from(">HH", rest)
    transport_header = {17: 8 if len(rest) >= 8 else None, 1: 8}.get(protocol)
    if protocol == 6 and len(rest) >= 13:
        transport_header = (rest[12] >> 4) * 4
    if is_whole and transport_header is not None and total - header_bytes - transport_header >= 0:
        payload_bytes = total - header_bytes - transport_header
    if protocol == 17 and payload_bytes is not None and payload_bytes >= 32:
        probe = decode_probe(rest[8:40])
        if probe is not None:
            seq, sent_t_s = probe.seq, probe.client_tx_ns / 1e9
    proto = {1: "icmp", 6: "tcp", 17: "udp"}.get(protocol, str(protocol))
    dotted = [".".join(map(str, address)) for address in (src, dst)]
    return (*dotted, sport, dport, proto, total, payload_bytes, seq, sent_t_s)


def _reference_ip(frame: bytes, linktype: int) -> bytes | None:
    if linktype == LINKTYPE_RAW:
        return frame
    type_offset = {LINKTYPE_ETHERNET: 12, LINKTYPE_LINUX_SLL: 14, LINKTYPE_LINUX_SLL2: 0}[linktype]
    link_bytes = LINK_BYTES[linktype]
    if len(frame) < link_bytes or struct.unpack_from(">H", frame, type_offset)[0] != 0x0800:
        return None
    return frame[link_bytes:]


def reference_table(frames: list[tuple[float, bytes]], linktype: int) -> pd.DataFrame:
    rows = [(t_s, *reference_row(frame, linktype)) for t_s, frame in frames]
    table = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    integers = dict.fromkeys(("sport", "dport", "length", "payload_bytes", "seq"), "Int64")
    strings = dict.fromkeys(("src", "dst", "proto"), "str")
    return table.astype({**integers, **strings, "t_s": "float64", "sent_t_s": "float64"})


# --- random packets ------------------------------------------------------------------------------------


@st.composite
def ip_packets(draw: st.DrawFn) -> Packet:
    protocol = draw(st.sampled_from(("udp", "udp", "tcp", "icmp", "gre")))
    fragment = draw(st.sampled_from((0, 0, 0, 185)))
    ip = IP(src=draw(st.ip_addresses(v=4)).exploded, dst="198.18.0.9", frag=fragment)
    if draw(st.booleans()):
        ip.options = [b"\x01" * 4]  # ihl 6: the transport header moves
    if draw(st.booleans()):
        header = ProbeHeader(seq=draw(st.integers(0, 2**32 - 1)), client_tx_ns=draw(st.integers(0, 2**63)))
        payload = encode_probe(header, draw(st.sampled_from((32, 33)) | st.integers(32, 200)))
        look_alike = draw(st.sampled_from((b"", b"", b"", b"MX", b"MI\x02")))  # a wrong magic or version
        payload = look_alike + payload[len(look_alike) :]
    else:
        payload = draw(st.binary(max_size=80))
    if protocol == "gre":
        ip.proto = 47
    layers = {"udp": UDP(sport=5000, dport=7), "tcp": TCP(sport=80, dport=4000), "icmp": ICMP(), "gre": Raw()}
    return ip / layers[protocol] / Raw(payload)  # type: ignore[no-any-return]


@st.composite
def pcaps(draw: st.DrawFn) -> tuple[int, list[tuple[float, bytes, int]]]:
    """A link type and frames: (time, frame bytes as captured, length on the wire)."""
    linktype = draw(st.sampled_from(LINKTYPES))
    frames = []
    for ip in draw(st.lists(ip_packets(), max_size=12)):
        frame = bytearray(bytes(_framed(ip, linktype, is_ipv4=draw(st.integers(0, 5)) > 0)))
        if draw(st.integers(0, 9)) == 0:
            frame[LINK_BYTES[linktype]] ^= 0x20  # IP version 6 (or 0) where IPv4 was announced
        # cut anywhere, or where the IP and transport headers end (the edges of every field)
        transport = LINK_BYTES[linktype] + (frame[LINK_BYTES[linktype]] & 15) * 4
        edges = [transport + k for k in (-1, 3, 4, 7, 8, 12, 13, 39, 40)]
        ends = st.integers(0, len(frame)) | st.sampled_from(edges)
        captured = bytes(frame[: draw(ends)] if draw(st.integers(0, 2)) == 0 else frame)
        t_s = draw(st.integers(1_600_000_000, 1_900_000_000)) + draw(st.integers(0, 999_999)) / 1e6
        frames.append((t_s, captured, len(frame)))
    return linktype, frames


def _framed(ip: Packet, linktype: int, *, is_ipv4: bool) -> Packet:
    ethertype = 0x0800 if is_ipv4 else 0x86DD
    if linktype == LINKTYPE_RAW:
        return ip
    if linktype == LINKTYPE_ETHERNET:
        return Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02", type=ethertype) / ip
    if linktype == LINKTYPE_LINUX_SLL:
        return CookedLinux(proto=ethertype) / ip
    return CookedLinuxV2(proto=ethertype) / ip


def write_pcap(path: Path, linktype: int, frames: list[tuple[float, bytes, int]], **options: object) -> None:
    is_nano = bool(options.get("nano", False))
    writer = RawPcapWriter(str(path), linktype=linktype, **options)  # type: ignore[arg-type]
    writer.write_header(None)
    for t_s, frame, wire_bytes in frames:
        seconds = int(t_s)
        fraction = round((t_s - seconds) * (1e9 if is_nano else 1e6))
        writer.write_packet(frame, sec=seconds, usec=fraction, wirelen=wire_bytes)
    writer.close()


# --- tests ---------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pcap=pcaps(), endianness=st.sampled_from(("<", ">")), is_nano=st.booleans())
def test_the_vectorised_table_equals_the_struct_decoder(
    tmp_path: Path, pcap: tuple[int, list[tuple[float, bytes, int]]], endianness: str, is_nano: bool
) -> None:
    linktype, frames = pcap
    path = tmp_path / "random.pcap"
    write_pcap(path, linktype, frames, endianness=endianness, nano=is_nano)
    expected = reference_table([(t_s, frame) for t_s, frame, _ in frames], linktype)
    pd.testing.assert_frame_equal(pcap_table(path), expected, check_exact=False, rtol=0, atol=1e-6)


def test_a_probe_packet_reads_as_one_row(tmp_path: Path) -> None:
    probe = encode_probe(ProbeHeader(seq=41, client_tx_ns=1_700_000_000_250_000_000), 100)
    frame = bytes(Ether() / IP(src="127.0.0.1", dst="127.0.0.2") / UDP(sport=9, dport=7) / Raw(probe))
    path = tmp_path / "one.pcap"
    write_pcap(path, LINKTYPE_ETHERNET, [(1_700_000_000.5, frame, len(frame))])
    row = pcap_table(path).iloc[0]
    assert (row["src"], row["dst"], row["sport"], row["dport"], row["proto"]) == (
        "127.0.0.1",
        "127.0.0.2",
        9,
        7,
        "udp",
    )
    assert (row["length"], row["payload_bytes"], row["seq"]) == (128, 100, 41)
    assert row["sent_t_s"] == pytest.approx(1_700_000_000.25, abs=1e-6)
    assert row["t_s"] == pytest.approx(1_700_000_000.5, abs=1e-6)


def test_a_record_cut_short_at_the_end_is_left_out(tmp_path: Path) -> None:
    frame = bytes(Ether() / IP() / UDP() / Raw(b"x" * 50))
    path = tmp_path / "cut.pcap"
    write_pcap(path, LINKTYPE_ETHERNET, [(1.0, frame, len(frame)), (2.0, frame, len(frame))])
    path.write_bytes(path.read_bytes()[:-10])
    assert pcap_table(path)["t_s"].tolist() == [1.0]


def test_an_empty_pcap_is_an_empty_table_with_every_column(tmp_path: Path) -> None:
    path = tmp_path / "empty.pcap"
    write_pcap(path, LINKTYPE_ETHERNET, [])
    table = pcap_table(path)
    assert table.empty
    assert tuple(table.columns) == COLUMNS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x0a\x0d\x0d\x0a" + bytes(40), "pcapng; only classic pcap is read"),
        (b"not a capture at all, really not", "is not a pcap file"),
        (b"\xd4\xc3\xb2\xa1", "too short for a pcap file header"),
    ],
)
def test_what_is_not_a_classic_pcap_is_refused_by_name(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "odd.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError, match=message):
        pcap_table(path)


def test_long_runs_of_equal_lengths_and_mixed_stretches_give_every_record(tmp_path: Path) -> None:
    """The record walk guesses runs of equal length; a run that breaks anywhere must not lose a record."""
    frames = []
    for index in range(3000):
        # runs of 200 equal frames (guesses of 8, 16, ... 128 hold, 256 breaks), then lengths that change
        # with every packet
        size = 40 + (index // 200 if index < 2000 else index % 3)
        probe = encode_probe(ProbeHeader(seq=index, client_tx_ns=index), size)
        frame = bytes(Ether() / IP() / UDP() / Raw(probe))
        frames.append((float(index), frame, len(frame)))
    path = tmp_path / "runs.pcap"
    write_pcap(path, LINKTYPE_ETHERNET, frames)
    table = pcap_table(path)
    assert table["seq"].tolist() == list(range(3000))
    expected = reference_table([(t_s, frame) for t_s, frame, _ in frames], LINKTYPE_ETHERNET)
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=0, atol=1e-6)
