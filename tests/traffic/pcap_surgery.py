"""Rewriting a pcap for the cross-check tests: keep some of its records, as a capture that silently lost
packets would have (classic libpcap format, pcap-savefile(5): 24-byte file header, 16-byte record headers
whose third field is the captured length)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FILE_HEADER_BYTES = 24
_RECORD_HEADER_BYTES = 16


def keep_records(pcap: Path, keep: Callable[[int, int], bool]) -> None:
    """Keep the records for which keep(index, count of records) holds."""
    data = pcap.read_bytes()
    is_little = data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    record = struct.Struct("<IIII" if is_little else ">IIII")
    spans = []
    offset = _FILE_HEADER_BYTES
    while offset + _RECORD_HEADER_BYTES <= len(data):
        end = offset + _RECORD_HEADER_BYTES + record.unpack_from(data, offset)[2]
        spans.append((offset, end))
        offset = end
    kept = [data[start:end] for index, (start, end) in enumerate(spans) if keep(index, len(spans))]
    pcap.write_bytes(data[:_FILE_HEADER_BYTES] + b"".join(kept))


def drop_last_records(pcap: Path, count: int) -> None:
    keep_records(pcap, lambda index, total: index < total - count)


def drop_every_nth_record(pcap: Path, n: int) -> None:
    keep_records(pcap, lambda index, _: index % n != n - 1)


class ManglingServer:
    """A test server whose fetched pcaps are rewritten by `mangle`: a capture that lost packets without
    counting them, to make endpoint and capture disagree on purpose."""

    def __init__(self, server: object, mangle: Callable[[Path], None]) -> None:
        self._server = server
        self._mangle = mangle

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)

    def fetch_capture(self, session_id: str, path: Path) -> Path | None:
        fetched: Path | None = self._server.fetch_capture(session_id, path)  # type: ignore[attr-defined]
        if fetched is not None:
            self._mangle(fetched)
        return fetched
