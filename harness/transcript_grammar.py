"""errors layer (bottom; imports only harness.errors): the AT transcript grammar, which is also the grammar
`replay://` reads (DESIGN "Public names"). The writer is harness.at.transcript; the replay port is
harness.transport.protocol_replay; both stand on this module, so neither layer reaches up to the other.

Grammar, one entry per line, t = seconds since the session opened (monotonic clock, 3 decimals):

    # comment (header: port name, UTC open time)
    +12.345s > AT+CEREG?          a line written (the command, without its CR)
    +12.346s < +CEREG: 2,5        a line read (echo, information line, URC, final result code; `>` a prompt)
    +12.400s >> 74657374          a raw data block written (payload of a prompt command), hex
    +12.500s << 0d0a00ff          a raw data block read (bytes a data rule attached to the line before), hex

In line text, a backslash is written `\\\\` and a control character `\\xNN`, so that one entry is one line.
Secrets never reach a transcript: the arguments of AT+CPIN=, AT+CLCK= and AT+CPWD= (TS 27.007 §8.3, §7.4,
§7.5) and of every command marked secret become `<redacted>` (redact_command). `<redacted>` in a recorded
line stands for any text when a replay compares what is written with it (matches_recorded).

IMEI, IMSI and ICCID are written as their keyed hash, `h:` and 16 hex digits (harness.at.identifier_redaction,
harness.results.identifiers), unless a run keeps them in clear. A replay answers each with a stand-in number
derived from the hash (stand_in_identifiers): 19 digits after an ICCID prefix (an ICCID has 18 to 20, ITU-T
E.118), else 15 (an IMEI; an IMSI has at most 15, TS 23.003 §2.2), so a module replayed from a hashed
transcript still reads its identity, the same on every replay and never the original value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from harness.errors import InputError, Problem

REDACTED = "<redacted>"
SECRET_COMMANDS: tuple[str, ...] = ("AT+CPIN=", "AT+CLCK=", "AT+CPWD=")

_ENTRY = re.compile(r"^\+(\d+\.\d+)s (>>|<<|>|<) ?(.*)$")
_HASHED_IDENTIFIER = re.compile(r"(?<![0-9A-Za-z])h:([0-9a-f]{16})(?![0-9A-Za-z])")
_ICCID_PREFIXES = ("+CCID", "+QCCID", "+ICCID", "+NCCID", "%XICCID", "+MCCID")
_ICCID_STAND_IN_DIGITS = 19
_STAND_IN_DIGITS = 15
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


def stand_in_identifiers(line: str) -> str:
    """A recorded line with each hashed identifier replaced by its stand-in number (module docstring)."""
    if "h:" not in line:  # nearly every line
        return line
    is_iccid = line.lstrip().upper().startswith(_ICCID_PREFIXES)
    digits = _ICCID_STAND_IN_DIGITS if is_iccid else _STAND_IN_DIGITS
    # 64 bits are at most 20 decimal digits: the leading ones, zero-padded, vary with the hash
    return _HASHED_IDENTIFIER.sub(lambda m: f"{int(m[1], 16):020d}"[:digits], line)


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
