"""at layer: the AT transcript, written as it happens and read back (DESIGN "Public names": the transcript
grammar is also the grammar `replay://` reads).

Grammar, one entry per line, t = seconds since the session opened (monotonic clock, 3 decimals):

    # comment (header: port name, UTC open time)
    +12.345s > AT+CEREG?          a line written (the command, without its CR)
    +12.346s < +CEREG: 2,5        a line read (echo, information line, URC, final result code; `>` a prompt)
    +12.400s >> 74657374          a raw data block written (payload of a prompt command), hex
    +12.500s << 0d0a00ff          a raw data block read (bytes a data rule attached to the line before), hex

In line text, a backslash is written `\\\\` and a control character `\\xNN`, so that one entry is one line.
Secrets never reach the file or the in-memory tail: the arguments of AT+CPIN=, AT+CLCK= and AT+CPWD=
(TS 27.007 §8.3, §7.4, §7.5) and of every command marked secret become `<redacted>`, in both directions (an
echo repeats the command). Every entry is flushed as it is written, so a killed run keeps its transcript.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from harness.errors import InputError, Problem

REDACTED = "<redacted>"
SECRET_COMMANDS: tuple[str, ...] = ("AT+CPIN=", "AT+CLCK=", "AT+CPWD=")
TAIL_ENTRIES = 200

_ENTRY = re.compile(r"^\+(\d+\.\d+)s (>>|<<|>|<) ?(.*)$")
_ESCAPED = re.compile(r"[\x00-\x1f\x7f\\]")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2})")


class Direction(StrEnum):
    WRITTEN = ">"
    READ = "<"
    WRITTEN_DATA = ">>"
    READ_DATA = "<<"


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptEntry:
    """One entry: a line (`text`) or a raw data block (`data`); `is_redacted` when a secret was removed."""

    t_s: float
    direction: Direction
    text: str = ""
    data: bytes = b""
    is_redacted: bool = False


def redact_command(line: str, *, is_secret: bool = False, secret_prefixes: Iterable[str] = ()) -> str:
    """The line with a secret command's arguments replaced by `<redacted>` (the whole line when a secret
    command has no `=`). Prefixes compare case-insensitively, as modules accept `at+cpin=`."""
    upper = line.upper()
    is_known = any(upper.startswith(p.upper()) for p in (*SECRET_COMMANDS, *secret_prefixes))
    if not (is_secret or is_known):
        return line
    head, equals, _ = line.partition("=")
    return f"{head}={REDACTED}" if equals else REDACTED


def escape_text(text: str) -> str:
    return _ESCAPED.sub(lambda m: "\\\\" if m[0] == "\\" else f"\\x{ord(m[0]):02x}", text)


def unescape_text(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)), text)


def format_entry(entry: TranscriptEntry) -> str:
    """The transcript line of an entry (without its newline)."""
    if entry.direction in (Direction.WRITTEN_DATA, Direction.READ_DATA):
        body = REDACTED if entry.is_redacted else entry.data.hex()
    else:
        body = escape_text(entry.text)
    return f"+{entry.t_s:.3f}s {entry.direction.value} {body}"


class Transcript:
    """Writes the transcript of one session to a file (or memory only) and keeps a bounded tail for error
    messages. Thread-safe: the reader thread and the caller both write to it."""

    def __init__(self, path: str | Path | None = None, *, tail_entries: int = TAIL_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._path = Path(path) if path is not None else None
        self._file: TextIO | None = None
        self._tail: deque[TranscriptEntry] = deque(maxlen=tail_entries)
        self._secret_prefixes: list[str] = []
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

    def record_line(self, direction: Direction, text: str, *, t_s: float, is_secret: bool = False) -> None:
        shown = redact_command(text, is_secret=is_secret, secret_prefixes=self._secret_prefixes)
        self._record(TranscriptEntry(t_s=t_s, direction=direction, text=shown, is_redacted=shown != text))

    def record_data(self, direction: Direction, data: bytes, *, t_s: float, is_secret: bool = False) -> None:
        self._record(
            TranscriptEntry(
                t_s=t_s, direction=direction, data=b"" if is_secret else data, is_redacted=is_secret
            )
        )

    def note(self, text: str) -> None:
        """A `#` comment line (what the session saw happen: a timeout, a lost port)."""
        with self._lock:
            self._write(f"# {escape_text(text)}")

    def recent_lines(self, *, since_s: float, count: int) -> list[str]:
        """The last `count` lines read at or after `since_s` (already redacted), oldest first."""
        with self._lock:
            found = [e.text for e in self._tail if e.direction is Direction.READ and e.t_s >= since_s]
        return found[-count:]

    def close(self) -> None:
        with self._lock:
            self._close_file()

    def _record(self, entry: TranscriptEntry) -> None:
        with self._lock:
            self._tail.append(entry)
            self._write(format_entry(entry))

    def _write(self, line: str) -> None:
        if self._file is not None:
            self._file.write(line + "\n")
            self._file.flush()

    def _open_file(self, path: Path | None) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Append: a file reopened for the same test (a rerun) keeps the earlier evidence.
        self._file = path.open("a", encoding="utf-8", newline="\n")
        opened = self._opened_utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._write(f"# miot-harness AT transcript; port {escape_text(self._port_name)}")
        self._write(f"# session opened {opened}; t = seconds since then (monotonic)")
        self._write(f"# this file starts at +{self.now_s():.3f}s")

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def parse_entry(line: str) -> TranscriptEntry | None:
    """One transcript line -> entry; None for a comment or blank line. ValueError when it is neither."""
    if not line.strip() or line.startswith("#"):
        return None
    found = _ENTRY.match(line)
    if found is None:
        raise ValueError("not `+<t>s <direction> <text>` nor a `#` comment")
    t_s, direction, body = float(found[1]), Direction(found[2]), found[3]
    if direction in (Direction.WRITTEN_DATA, Direction.READ_DATA):
        if body == REDACTED:
            return TranscriptEntry(t_s=t_s, direction=direction, is_redacted=True)
        return TranscriptEntry(t_s=t_s, direction=direction, data=bytes.fromhex(body))
    text = unescape_text(body)
    return TranscriptEntry(t_s=t_s, direction=direction, text=text, is_redacted=REDACTED in text)


def read_transcript(path: str | Path) -> list[TranscriptEntry]:
    """Every entry of a transcript file, in order. InputError lists every line it cannot read."""
    entries: list[TranscriptEntry] = []
    problems: list[Problem] = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                entry = parse_entry(raw.rstrip("\n"))
            except ValueError as exc:
                problems.append(Problem(str(path), f"line {number}", str(exc)))
                continue
            if entry is not None:
                entries.append(entry)
    if problems:
        raise InputError(problems)
    return entries
