"""Rewriting a pcap for the cross-check tests: keep some of its records, as a capture that silently lost
packets would have (classic libpcap format, pcap-savefile(5): 24-byte file header, 16-byte record headers
whose third field is the captured length)."""

from __future__ import annotations

import struct
from pathlib import Path

_FILE_HEADER_BYTES = 24
_RECORD_HEADER_BYTES = 16


def drop_last_records(pcap: Path, count: int) -> None:
    data = pcap.read_bytes()
    is_little = data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    record = struct.Struct("<IIII" if is_little else ">IIII")
    ends = []
    offset = _FILE_HEADER_BYTES
    while offset + _RECORD_HEADER_BYTES <= len(data):
        captured_bytes = record.unpack_from(data, offset)[2]
        offset += _RECORD_HEADER_BYTES + captured_bytes
        ends.append(offset)
    keep_until = ends[-count - 1] if len(ends) > count else _FILE_HEADER_BYTES
    pcap.write_bytes(data[:keep_until])
