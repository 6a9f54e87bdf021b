"""errors layer (bottom, no harness imports): the harness's own probe payload header.

One layout, shared by the traffic engines that send probes, the server that stamps and reflects them, and
capture analysis that decodes them from pcaps. Big-endian, 32 bytes, then zero padding to the probe size:

    offset size field
    0      2    magic b"MI"
    2      1    version (1)
    3      1    flags (bit 0: reflected by the server)
    4      4    seq, unsigned
    8      8    client_tx_ns: sender's wall clock (time.time_ns) when the probe was handed to the module
    16     8    server_rx_ns: server wall clock on receipt (0 until reflected)
    24     8    server_tx_ns: server wall clock when the echo left (0 until reflected)

Wall clocks, not monotonic ones, so that one-way delays can be computed against a remote server once its
clock offset is known; on one host the offset is zero.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace

MAGIC = b"MI"
VERSION = 1
FLAG_REFLECTED = 0x01
HEADER = struct.Struct(">2sBBIQQQ")
HEADER_BYTES = HEADER.size  # 32
# What a capture cut to headers keeps of each packet (rig [capture] payload = "headers"; tcpdump -s): the
# longest link header harness.capture.pcap_table decodes (Linux SLL2, 20 bytes), an IPv4 header with every
# option (60, RFC 791 §3.1), then a TCP header with every option (60, RFC 9293 §3.1) or UDP's 8 and this
# header. Every field the harness reads from a pcap survives; user payload past it does not.
HEADERS_SNAPLEN_BYTES = 20 + 60 + max(60, 8 + HEADER_BYTES)  # 140


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeHeader:
    seq: int
    client_tx_ns: int
    server_rx_ns: int = 0
    server_tx_ns: int = 0
    is_reflected: bool = False

    def reflected(self, *, server_rx_ns: int, server_tx_ns: int) -> ProbeHeader:
        return replace(self, server_rx_ns=server_rx_ns, server_tx_ns=server_tx_ns, is_reflected=True)


def encode_probe(header: ProbeHeader, payload_bytes: int) -> bytes:
    """The probe payload: header, then zeros up to payload_bytes (which must hold the header)."""
    if payload_bytes < HEADER_BYTES:
        raise ValueError(f"a probe needs at least {HEADER_BYTES} bytes, got payload_bytes={payload_bytes}")
    flags = FLAG_REFLECTED if header.is_reflected else 0
    head = HEADER.pack(
        MAGIC, VERSION, flags, header.seq, header.client_tx_ns, header.server_rx_ns, header.server_tx_ns
    )
    return head + bytes(payload_bytes - HEADER_BYTES)


def decode_probe(payload: bytes) -> ProbeHeader | None:
    """The header of a probe payload, or None when the payload is not one of ours."""
    if len(payload) < HEADER_BYTES:
        return None
    magic, version, flags, seq, client_tx, server_rx, server_tx = HEADER.unpack_from(payload)
    if magic != MAGIC or version != VERSION:
        return None
    return ProbeHeader(
        seq=seq,
        client_tx_ns=client_tx,
        server_rx_ns=server_rx,
        server_tx_ns=server_tx,
        is_reflected=bool(flags & FLAG_REFLECTED),
    )


def stamp_reflection(
    payload: bytes, *, server_rx_ns: int, server_tx_ns: int, header: ProbeHeader | None = None
) -> bytes:
    """The same payload with the server's stamps written in place: never longer than what came in. `header`
    is the payload's own, decoded, when the caller has it already (the reflector decodes each probe once)."""
    header = header if header is not None else decode_probe(payload)
    if header is None:
        raise ValueError("not a probe payload")
    stamped = HEADER.pack(
        MAGIC, VERSION, FLAG_REFLECTED, header.seq, header.client_tx_ns, server_rx_ns, server_tx_ns
    )
    return stamped + payload[HEADER_BYTES:]
