"""capture layer: a pcap file as a pandas table, one row per packet.

Columns: t_s (capture time, seconds since the epoch), src, dst, sport, dport, proto, length (IP total
length), payload_bytes (transport payload), seq and sent_t_s decoded from the harness's probe header
(harness.probe) where the payload carries one, else missing.

scapy's RawPcapReader hands over the raw record bytes and struct unpacks the headers, with no per-packet
scapy objects (../shared/reference/this-machine.md: ~150k packets/s, against ~4k for PcapReader). The
vectorised reader for RedCap-size captures comes with issue 5. IPv4 over Ethernet (Linux `lo` and veth) and
raw IP link types; other packets are counted as proto "other".
"""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd

from harness.probe import decode_probe

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
_ETHERTYPE_IPV4 = 0x0800
_IPV4 = struct.Struct(">BBHHHBBH4s4s")
_PORTS = struct.Struct(">HH")
_PROTOCOLS = {6: "tcp", 17: "udp", 1: "icmp"}

COLUMNS = ("t_s", "src", "dst", "sport", "dport", "proto", "length", "payload_bytes", "seq", "sent_t_s")


def pcap_table(path: Path) -> pd.DataFrame:
    """Read a pcap into one row per packet (see the module docstring for the columns)."""
    from scapy.utils import RawPcapReader

    rows: list[tuple[object, ...]] = []
    with RawPcapReader(str(path)) as reader:
        linktype = reader.linktype
        for frame, meta in reader:
            t_s = meta.sec + meta.usec / 1e6
            rows.append((t_s, *_decode(bytes(frame), linktype)))
    frame_table = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    return frame_table.astype(
        {"sport": "Int64", "dport": "Int64", "length": "Int64", "payload_bytes": "Int64", "seq": "Int64"}
    )


def _decode(frame: bytes, linktype: int) -> tuple[object, ...]:
    ip = _ip_packet(frame, linktype)
    if ip is None or len(ip) < _IPV4.size or ip[0] >> 4 != 4:
        return (None, None, None, None, "other", None, None, None, None)
    _, _, total_length, _, _, _, protocol, _, src, dst = _IPV4.unpack_from(ip)
    header_bytes = (ip[0] & 0x0F) * 4
    proto = _PROTOCOLS.get(protocol, str(protocol))
    sport = dport = payload_bytes = seq = sent_t_s = None
    if protocol == 17 and len(ip) >= header_bytes + 8:
        sport, dport = _PORTS.unpack_from(ip, header_bytes)
        payload = ip[header_bytes + 8 : total_length]
        payload_bytes = len(payload)
        probe = decode_probe(payload)
        if probe is not None:
            seq, sent_t_s = probe.seq, probe.client_tx_ns / 1e9
    return (_dotted(src), _dotted(dst), sport, dport, proto, total_length, payload_bytes, seq, sent_t_s)


def _ip_packet(frame: bytes, linktype: int) -> bytes | None:
    if linktype == LINKTYPE_RAW:
        return frame
    if linktype == LINKTYPE_ETHERNET and len(frame) >= 14:
        (ethertype,) = struct.unpack_from(">H", frame, 12)
        return frame[14:] if ethertype == _ETHERTYPE_IPV4 else None
    return None


def _dotted(address: bytes) -> str:
    return ".".join(str(octet) for octet in address)
