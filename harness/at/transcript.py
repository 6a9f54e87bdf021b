"""at layer: the AT transcript, written as it happens (Transcript). The grammar it writes, and that
`replay://` reads, is harness.transcript_grammar; its names are re-exported here.

Every entry goes to the file with one write() as it happens (no buffer in this process), so a killed run
keeps its transcript. Secrets never reach the file or the in-memory tail (redact_command), nor do IMEI, IMSI
and ICCID when the transcript is given an identifier hash (identifier_redaction.py: each becomes its hash).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from harness.at.identifier_redaction import IdentifierHash, IdentifierRedactor
from harness.transcript_grammar import (
    REDACTED,
    SECRET_COMMANDS,
    Direction,
    TranscriptEntry,
    escape_text,
    format_entry,
    format_line,
    matches_recorded,
    parse_entry,
    read_numbered_entries,
    read_transcript,
    redact_command,
    unescape_text,
)

__all__ = [
    "REDACTED",
    "SECRET_COMMANDS",
    "Direction",
    "Transcript",
    "TranscriptEntry",
    "escape_text",
    "format_entry",
    "format_line",
    "matches_recorded",
    "parse_entry",
    "read_numbered_entries",
    "read_transcript",
    "redact_command",
    "unescape_text",
]

TAIL_ENTRIES = 200


class Transcript:
    """Writes the transcript of one session to a file (or memory only) and keeps a bounded tail for error
    messages. Thread-safe: the reader thread and the caller both write to it."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        tail_entries: int = TAIL_ENTRIES,
        identifier_hash: IdentifierHash | None = None,
    ) -> None:
        """`identifier_hash`: what replaces an IMEI, IMSI or ICCID in the file, the tail and redact()'s
        text; None keeps them in clear."""
        self._lock = threading.Lock()
        self._identifiers = None if identifier_hash is None else IdentifierRedactor(identifier_hash)
        self._path = Path(path) if path is not None else None
        self._fd: int | None = None
        # (t_s, text) of lines read, for error messages: what recent_lines needs and nothing more.
        self._tail: deque[tuple[float, str]] = deque(maxlen=tail_entries)
        self._secret_prefixes: list[str] = []
        self._secret_heads: tuple[str, ...] = tuple(p.upper() for p in SECRET_COMMANDS)
        self._secret_head_chars = max(len(p) for p in self._secret_heads)
        self._origin_s = time.monotonic()
        self._opened_utc = datetime.now(UTC)
        self._port_name = "?"

    @property
    def path(self) -> Path | None:
        return self._path

    def start(self, port_name: str) -> None:
        """Set t = 0 to now and open the file (if any) with its header."""
        with self._lock:
            self._origin_s = time.monotonic()
            self._opened_utc = datetime.now(UTC)
            self._port_name = port_name
            self._open_file(self._path)

    def now_s(self) -> float:
        """Seconds since start(), on the monotonic clock every entry uses."""
        return time.monotonic() - self._origin_s

    def retarget(self, path: str | Path | None) -> None:
        """Continue in another file (one per test while the port stays open); None = memory only."""
        with self._lock:
            self._close_file()
            self._path = Path(path) if path is not None else None
            self._open_file(self._path)

    def add_secret_prefix(self, prefix: str) -> None:
        """Commands starting with `prefix` (e.g. `AT+QSIMPIN=`) are written with their arguments redacted."""
        with self._lock:
            self._secret_prefixes.append(prefix)
            self._secret_heads = (*self._secret_heads, prefix.upper())
            self._secret_head_chars = max(self._secret_head_chars, len(prefix))

    def redact(self, text: str, *, is_secret: bool = False) -> str:
        """The text as this transcript writes it: redact_command with the secret prefixes added here, and
        the identifiers seen so far hidden."""
        # Every line read and written passes here: the common case (nothing secret) costs one startswith.
        if is_secret or text[: self._secret_head_chars].upper().startswith(self._secret_heads):
            text = redact_command(text, is_secret=is_secret, secret_prefixes=self._secret_prefixes)
        return text if self._identifiers is None else self._identifiers.hide_known(text)

    def record_line(self, direction: Direction, text: str, *, t_s: float, is_secret: bool = False) -> None:
        text = self.redact(text, is_secret=is_secret)
        with self._lock:
            if self._identifiers is not None:
                if direction is Direction.READ:
                    text = self._identifiers.redact_read(text)
                else:
                    text = self._identifiers.redact_written(text)
            if direction is Direction.READ:
                self._tail.append((t_s, text))
            if self._fd is not None:
                self._write(format_line(t_s, direction, escape_text(text)))

    def record_data(self, direction: Direction, data: bytes, *, t_s: float, is_secret: bool = False) -> None:
        entry = TranscriptEntry(
            t_s=t_s, direction=direction, data=b"" if is_secret else data, is_redacted=is_secret
        )
        with self._lock:
            if self._fd is not None:
                self._write(format_entry(entry))

    def note(self, text: str) -> None:
        """A `#` comment line (what the session saw happen: a timeout, a lost port)."""
        if self._identifiers is not None:
            text = self._identifiers.hide_known(text)
        with self._lock:
            self._write(f"# {escape_text(text)}")

    def recent_lines(self, *, since_s: float, count: int) -> list[str]:
        """The last `count` lines read at or after `since_s` (already redacted), oldest first."""
        with self._lock:
            found = [text for t_s, text in self._tail if t_s >= since_s]
        return found[-count:]

    def close(self) -> None:
        with self._lock:
            self._close_file()

    def _write(self, line: str) -> None:
        # Straight to the kernel, one system call per entry and no buffer in between: an entry is in the
        # file once written, whatever happens to this process after.
        if self._fd is not None:
            data = (line + "\n").encode("utf-8", errors="backslashreplace")
            while data:
                data = data[os.write(self._fd, data) :]

    def _open_file(self, path: Path | None) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Append: a file reopened for the same test (a rerun) keeps the earlier evidence.
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        opened = self._opened_utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._write(f"# miot-harness AT transcript; port {escape_text(self._port_name)}")
        self._write(f"# session opened {opened}; t = seconds since then (monotonic)")
        self._write(f"# this file starts at +{self.now_s():.3f}s")

    def _close_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
