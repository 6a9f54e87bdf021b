"""capture layer: a pcap file as a pandas table, one row per packet, read with numpy (DESIGN "capture").

Columns: t_s (capture time, seconds since the epoch), src, dst (dotted IPv4), sport, dport (UDP and TCP),
proto ("udp", "tcp", "icmp", the IP protocol number for others, "other" for a frame that is not IPv4),
length (IP total length, as the IP header says), payload_bytes (bytes after the UDP, TCP or ICMP header,
from the IP total length, so a capture with a short snap length still counts what was on the wire), seq
and sent_t_s (the sender's clock) from the harness's probe header (harness.probe) where a UDP payload
carries one whole, else missing. Fragments after the first have no ports or payload_bytes.

Speed (../shared/reference/this-machine.md, "reading a 1M-packet pcap": numpy over the record headers
2.4-5.6M packets/s, scapy RawPcapReader + struct ~150k, tshark -T fields ~42k): the file is mapped into
memory as one array, the record offsets are walked once (each record says where the next starts), and
every field is then gathered for 64k packets at once. No per-packet Python objects.

Formats: classic libpcap files as tcpdump writes them (tcpdump(1) -w; pcap-savefile(5)), either byte
order, microsecond or nanosecond timestamps; link types Ethernet (1; Linux `lo` and veth), raw IP (101),
Linux cooked SLL (113) and SLL2 (276) (`-i any`); other link types give "other" rows. pcapng is refused
with a message (`editcap -F pcap` converts it). A last record cut short (a capture killed mid-write) is left
out.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from harness.errors import CaptureError
from harness.probe import HEADER_BYTES as PROBE_HEADER_BYTES
from harness.probe import MAGIC as PROBE_MAGIC
from harness.probe import VERSION as PROBE_VERSION

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
COLUMNS = ("t_s", "src", "dst", "sport", "dport", "proto", "length", "payload_bytes", "seq", "sent_t_s")

_GLOBAL_HEADER_BYTES = 24
_RECORD_HEADER_BYTES = 16
_PCAPNG_MAGIC = 0x0A0D0D0A
# magic as read little-endian -> (file is little-endian, seconds per timestamp fraction unit)
_MAGICS = {
    0xA1B2C3D4: (True, 1e-6),
    0xD4C3B2A1: (False, 1e-6),
    0xA1B23C4D: (True, 1e-9),
    0x4D3CB2A1: (False, 1e-9),
}
# link type -> (bytes before the IP header, offset of the EtherType/protocol field or None for raw IP)
_LINK_LAYERS: dict[int, tuple[int, int | None]] = {
    LINKTYPE_ETHERNET: (14, 12),
    LINKTYPE_RAW: (0, None),
    LINKTYPE_LINUX_SLL: (16, 14),
    LINKTYPE_LINUX_SLL2: (20, 0),
}
_ETHERTYPE_IPV4 = 0x0800
_ICMP, _TCP, _UDP = 1, 6, 17
_PROTOCOL_NAMES = {_ICMP: "icmp", _TCP: "tcp", _UDP: "udp"}
_UDP_HEADER_BYTES = 8
_TCP_DATA_OFFSET_AT = 12  # RFC 9293 §3.1: the header length in 32-bit words, high nibble
_ICMP_HEADER_BYTES = 8
# Packets decoded together: their records (~100 MB of 1400-byte packets at most) stay in the CPU's
# caches across the dozen gathers that read them, about twice as fast as one pass over a whole big file.
_CHUNK_PACKETS = 1 << 16
# record walk: guesses start at _MIN_RUN records and double while they hold; a run shorter than
# _MIN_RUN is mixed traffic, walked _SINGLE_STEPS records one by one before guessing again
_MIN_RUN = 8
_MAX_GUESS = 1 << 16
_SINGLE_STEPS = 256

Bytes = npt.NDArray[np.uint8]
Numbers = npt.NDArray[np.int64]
Positions = Numbers
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def pcap_table(path: Path) -> pd.DataFrame:
    """Read a pcap into one row per packet (see the module docstring for the columns)."""
    size_bytes = path.stat().st_size
    if size_bytes < _GLOBAL_HEADER_BYTES:
        raise CaptureError(f"{path}: {size_bytes} bytes is too short for a pcap file header (24 bytes)")
    # mapped, not read: no copy of a file of a gigabyte or more; every gather below copies what it reads
    data: Bytes = np.memmap(path, dtype=np.uint8, mode="r")
    is_little, fraction_s, linktype = _global_header(data, path)
    offsets = _record_offsets(data, is_little)
    chunks = [
        _decode_records(
            data,
            offsets[start : start + _CHUNK_PACKETS],
            is_little=is_little,
            fraction_s=fraction_s,
            linktype=linktype,
        )
        for start in range(0, max(len(offsets), 1), _CHUNK_PACKETS)
    ]
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class PcapFileHeader:
    """What a pcap's global header says: its link type, and the snap length it was captured with (the
    bytes kept of each packet, tcpdump -s) with the link header bytes before IP (None for an unknown link)."""

    linktype: int
    snaplen_bytes: int
    link_header_bytes: int | None


def read_file_header(path: Path) -> PcapFileHeader:
    """The global header of a pcap file; CaptureError for a file that is not classic pcap."""
    data = np.fromfile(path, dtype=np.uint8, count=_GLOBAL_HEADER_BYTES)
    if len(data) < _GLOBAL_HEADER_BYTES:
        raise CaptureError(f"{path} is too short for a pcap file ({len(data)} bytes)")
    is_little, _, linktype = _global_header(data, path)
    (snaplen,) = struct.unpack_from("<I" if is_little else ">I", data.data, 16)
    link = _LINK_LAYERS.get(linktype)
    return PcapFileHeader(
        linktype=linktype, snaplen_bytes=snaplen, link_header_bytes=None if link is None else link[0]
    )


def _global_header(data: Bytes, path: Path) -> tuple[bool, float, int]:
    (magic,) = struct.unpack_from("<I", data.data, 0)
    if magic == _PCAPNG_MAGIC:
        raise CaptureError(f"{path} is pcapng; only classic pcap is read (convert: editcap -F pcap in out)")
    if magic not in _MAGICS:
        raise CaptureError(f"{path} is not a pcap file (magic {magic:#010x})")
    is_little, fraction_s = _MAGICS[magic]
    (linktype,) = struct.unpack_from("<I" if is_little else ">I", data.data, 20)
    # pcap-savefile(5): the upper bits of this field may carry FCS information
    return is_little, fraction_s, linktype & 0xFFFF


def _record_offsets(data: Bytes, is_little: bool) -> Positions:
    """Where each whole record header starts. Each record's length says where the next one is, so the
    walk is sequential; it is fast because captures come in runs of equal-length packets (a stream of
    1400-byte datagrams, of probes): from a record, the next records are guessed at the same stride and
    the guesses checked together, and where runs break early the records are walked one by one."""
    caplen_at = _unsigned_view(data, 4, is_little=is_little)
    end = len(data)
    runs: list[Positions] = []
    guess = _MIN_RUN
    offset = _GLOBAL_HEADER_BYTES
    while offset + _RECORD_HEADER_BYTES <= end:
        stride = _RECORD_HEADER_BYTES + int(caplen_at[offset + 8])
        count = min(guess, (end - offset) // stride)  # records that would end inside the file
        if count == 0:
            break
        starts = offset + stride * np.arange(count, dtype=np.int64)
        is_same = caplen_at[starts + 8] == stride - _RECORD_HEADER_BYTES
        run = count if bool(is_same.all()) else int(np.argmin(is_same))
        runs.append(starts[:run])
        offset += stride * run
        guess = min(2 * guess, _MAX_GUESS) if run == count else _MIN_RUN
        if run < _MIN_RUN:
            offset = _walk(runs, data, offset, is_little)
    return np.concatenate(runs) if runs else np.zeros(0, dtype=np.int64)


def _walk(runs: list[Positions], data: Bytes, offset: int, is_little: bool) -> int:
    """Walk up to _SINGLE_STEPS records one by one (mixed lengths); return where the walk stopped.
    struct reads one number faster than numpy indexing does."""
    unpack_caplen = struct.Struct("<I" if is_little else ">I").unpack_from
    buffer = data.data
    end = len(data)
    found: list[int] = []
    for _ in range(_SINGLE_STEPS):
        if offset + _RECORD_HEADER_BYTES > end:
            break
        next_offset = offset + _RECORD_HEADER_BYTES + unpack_caplen(buffer, offset + 8)[0]
        if next_offset > end:
            break
        found.append(offset)
        offset = next_offset
    runs.append(np.array(found, dtype=np.int64))
    return offset


def _unsigned_view(data: Bytes, size: int, *, is_little: bool = False) -> Numbers:
    """`data` seen as `size`-byte unsigned integers starting at every byte (a stride of one byte), so one
    gather reads a field at any offset (network byte order unless is_little)."""
    dtype = np.dtype(f"{'<' if is_little else '>'}u{size}")
    view: Numbers = np.ndarray(shape=(len(data) - size + 1,), dtype=dtype, buffer=data, strides=(1,))
    return view


def _unsigned(data: Bytes, positions: Positions, size: int, *, is_little: bool = False) -> Numbers:
    """The `size`-byte unsigned integers at every position. A field of a short frame may lie past the end
    of the file: it is read at the last place that fits, a wrong value its mask throws away."""
    view = _unsigned_view(data, size, is_little=is_little)
    values: Numbers = view[np.minimum(positions, len(view) - 1)].astype(np.int64)
    return values


def _decode_records(
    data: Bytes, offsets: Positions, *, is_little: bool, fraction_s: float, linktype: int
) -> pd.DataFrame:
    seconds = _unsigned(data, offsets, 4, is_little=is_little)
    fractions = _unsigned(data, offsets + 4, 4, is_little=is_little)
    captured = _unsigned(data, offsets + 8, 4, is_little=is_little)
    frame = offsets + _RECORD_HEADER_BYTES
    is_ipv4, ip = _ipv4_start(data, frame, captured, linktype)
    ip = np.where(is_ipv4, ip, 0)  # a frame that is not IPv4 reads harmless bytes, masked below
    ip_captured = np.where(is_ipv4, captured - (ip - frame), 0)
    header_bytes = (_unsigned(data, ip, 1) & 0x0F) * 4
    is_ipv4 &= (header_bytes >= 20) & (ip_captured >= header_bytes)
    total_length = _unsigned(data, ip + 2, 2)
    protocol = _unsigned(data, ip + 9, 1)
    transport = ip + header_bytes
    layer4 = _Layer4(
        data=data,
        transport=transport,
        protocol=protocol,
        # bytes after the IP header: on the wire, and in the file
        wire_bytes=total_length - header_bytes,
        captured_bytes=ip_captured - header_bytes,
        is_whole=is_ipv4 & ((_unsigned(data, ip + 6, 2) & 0x1FFF) == 0),  # first (or only) fragment
    )
    payload_bytes, has_payload = layer4.payload_bytes()
    may_carry_probe = layer4.carries_probe(payload_bytes, has_payload)
    seq, sent_t_s = _probes(data, transport + _UDP_HEADER_BYTES, may_carry_probe)
    has_ports = layer4.has_ports()
    columns = {
        "t_s": seconds + fractions * fraction_s,
        "src": _dotted(_unsigned(data, ip + 12, 4), is_ipv4),
        "dst": _dotted(_unsigned(data, ip + 16, 4), is_ipv4),
        "sport": _nullable(_unsigned(data, transport, 2), has_ports),
        "dport": _nullable(_unsigned(data, transport + 2, 2), has_ports),
        "proto": _protocol_names(protocol, is_ipv4),
        "length": _nullable(total_length, is_ipv4),
        "payload_bytes": _nullable(payload_bytes, has_payload),
        "seq": seq,
        "sent_t_s": sent_t_s,
    }
    return pd.DataFrame(columns, columns=list(COLUMNS))


def _ipv4_start(data: Bytes, frame: Positions, captured: Numbers, linktype: int) -> tuple[Mask, Positions]:
    """Which frames carry IPv4, and where the IP header starts."""
    if linktype not in _LINK_LAYERS:
        return np.zeros(len(frame), dtype=np.bool_), frame
    link_bytes, type_offset = _LINK_LAYERS[linktype]
    ip = frame + link_bytes
    is_ipv4 = captured >= link_bytes + 20
    if type_offset is not None:
        is_ipv4 &= _unsigned(data, frame + type_offset, 2) == _ETHERTYPE_IPV4
    return is_ipv4 & (_unsigned(data, ip, 1) >> 4 == 4), ip


@dataclass(frozen=True, slots=True, kw_only=True)
class _Layer4:
    """The transport headers of every packet at once; masks say where a field may be read."""

    data: Bytes
    transport: Positions
    protocol: Numbers
    wire_bytes: Numbers
    captured_bytes: Numbers
    is_whole: Mask

    def has_ports(self) -> Mask:
        is_tcp_or_udp = (self.protocol == _TCP) | (self.protocol == _UDP)
        has_ports: Mask = self.is_whole & is_tcp_or_udp & (self.captured_bytes >= 4)
        return has_ports

    def payload_bytes(self) -> tuple[Numbers, Mask]:
        """Payload after the transport header, and where it is known (its header captured and sane)."""
        tcp_header_bytes = (_unsigned(self.data, self.transport + _TCP_DATA_OFFSET_AT, 1) >> 4) * 4
        is_udp = (self.protocol == _UDP) & (self.captured_bytes >= _UDP_HEADER_BYTES)
        is_tcp = (self.protocol == _TCP) & (self.captured_bytes > _TCP_DATA_OFFSET_AT)
        is_icmp = self.protocol == _ICMP
        header_bytes = np.select(
            [is_udp, is_tcp, is_icmp], [_UDP_HEADER_BYTES, tcp_header_bytes, _ICMP_HEADER_BYTES], 0
        )
        payload_bytes = self.wire_bytes - header_bytes
        return payload_bytes, self.is_whole & (is_udp | is_tcp | is_icmp) & (payload_bytes >= 0)

    def carries_probe(self, payload_bytes: Numbers, has_payload: Mask) -> Mask:
        """UDP payloads long enough for a probe header, captured whole (its magic is checked later)."""
        may_carry: Mask = (
            has_payload
            & (self.protocol == _UDP)
            & (payload_bytes >= PROBE_HEADER_BYTES)
            & (self.captured_bytes >= _UDP_HEADER_BYTES + PROBE_HEADER_BYTES)
        )
        return may_carry


def _probes(data: Bytes, payload: Positions, may_carry: Mask) -> tuple[pd.arrays.IntegerArray, Floats]:
    """seq and sent_t_s from the probe header (harness.probe) where the payload carries one."""
    payload = np.where(may_carry, payload, 0)
    magic = bytes(PROBE_MAGIC)
    magic_and_version = int.from_bytes(magic + bytes([PROBE_VERSION]))
    is_probe = may_carry & (_unsigned(data, payload, 4) >> 8 == magic_and_version)
    seq = _unsigned(data, payload + 4, 4)
    # client_tx_ns as two 32-bit halves: an int64 would overflow for stamps past 2262, so floats join them
    high = _unsigned(data, payload + 8, 4).astype(np.float64)
    low = _unsigned(data, payload + 12, 4).astype(np.float64)
    sent_t_s = np.where(is_probe, (high * 2.0**32 + low) / 1e9, np.nan)
    return _nullable(seq, is_probe), sent_t_s


def _nullable(values: Numbers, is_known: Mask) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(is_known, values, 0), ~is_known)


def _dotted(addresses: Numbers, is_known: Mask) -> pd.api.extensions.ExtensionArray:
    """Dotted quads, formatted once per distinct address (a capture holds few)."""
    codes, distinct = pd.factorize(np.where(is_known, addresses, -1))
    names = [".".join(str(a >> s & 0xFF) for s in (24, 16, 8, 0)) if a >= 0 else None for a in distinct]
    return _taken(names, codes)


def _protocol_names(protocol: Numbers, is_ipv4: Mask) -> pd.api.extensions.ExtensionArray:
    codes, distinct = pd.factorize(np.where(is_ipv4, protocol, -1))
    names = [_PROTOCOL_NAMES.get(p, str(p)) if p >= 0 else "other" for p in distinct]
    return _taken(names, codes)


def _taken(names: Sequence[str | None], codes: Numbers) -> pd.api.extensions.ExtensionArray:
    return pd.array(names, dtype="str").take(codes)
