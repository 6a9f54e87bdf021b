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
echo repeats the command). Every entry goes to the file with one write() as it happens (no buffer in this
process), so a killed run keeps its transcript. `<redacted>` in a recorded line stands for any text when a
replay compares what is written with it (matches_recorded).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

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


def matches_recorded(recorded: str, written: str) -> bool:
    """Whether a line is the one a transcript recorded, where `<redacted>` stood for any text (replay)."""
    if REDACTED not in recorded:
        return recorded == written
    pattern = ".*".join(re.escape(part) for part in recorded.split(REDACTED))
    return re.fullmatch(pattern, written, re.DOTALL) is not None


def escape_text(text: str) -> str:
    if _ESCAPED.search(text) is None:  # nearly every line: no substitution, no callback
        return text
    return _ESCAPED.sub(lambda m: "\\\\" if m[0] == "\\" else f"\\x{ord(m[0]):02x}", text)


def unescape_text(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)), text)


def format_entry(entry: TranscriptEntry) -> str:
    """The transcript line of an entry (without its newline)."""
    if entry.direction in (Direction.WRITTEN_DATA, Direction.READ_DATA):
        body = REDACTED if entry.is_redacted else entry.data.hex()
    else:
        body = escape_text(entry.text)
    return format_line(entry.t_s, entry.direction, body)


def format_line(t_s: float, direction: Direction, body: str) -> str:
    """The transcript line of a body already escaped (a line's text) or hex (a data block)."""
    return f"+{t_s:.3f}s {direction.value} {body}"


class Transcript:
    """Writes the transcript of one session to a file (or memory only) and keeps a bounded tail for error
    messages. Thread-safe: the reader thread and the caller both write to it."""

    def __init__(self, path: str | Path | None = None, *, tail_entries: int = TAIL_ENTRIES) -> None:
        self._lock = threading.Lock()
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
        """The text as this transcript writes it: redact_command with the secret prefixes added here."""
        # Every line read and written passes here: the common case (nothing secret) costs one startswith.
        if is_secret or text[: self._secret_head_chars].upper().startswith(self._secret_heads):
            return redact_command(text, is_secret=is_secret, secret_prefixes=self._secret_prefixes)
        return text

    def record_line(self, direction: Direction, text: str, *, t_s: float, is_secret: bool = False) -> None:
        text = self.redact(text, is_secret=is_secret)
        with self._lock:
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
    return [entry for _, entry in read_numbered_entries(path)]


def read_numbered_entries(path: str | Path) -> list[tuple[int, TranscriptEntry]]:
    """Every entry with its line number in the file (1-based), for messages that point into the file."""
    entries: list[tuple[int, TranscriptEntry]] = []
    problems: list[Problem] = []
    with Path(path).open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                # A line that is not UTF-8 is one problem (UnicodeDecodeError is a ValueError), not the end;
                # a CR before the LF comes from an editor (the grammar escapes every CR it writes).
                entry = parse_entry(raw.decode("utf-8").rstrip("\r\n"))
            except ValueError as exc:
                problems.append(Problem(str(path), f"line {number}", str(exc)))
                continue
            if entry is not None:
                entries.append((number, entry))
    if problems:
        raise InputError(problems)
    return entries
