"""at layer: turn the bytes a module sends into lines, prompts and raw data blocks; classify final results.

Pure (no I/O, no threads, no clock), so every rule here is tested byte by byte.

Framing rules (ITU-T V.250 frames responses as <CR><LF>text<CR><LF>; modules bend it):
- A line ends on CR or on LF. CR LF therefore ends a line and then an empty one; empty lines are dropped.
  Echo (V.250's E command) repeats the command as typed, ending in a bare CR, which this also covers.
- A prompt (`>` or `> `, never followed by a line end) is recognised only while the session expects one,
  and only at the start of a line (Quectel `AT+QISEND` data mode, ../shared/reference/cellular-iot.md
  §3.1 [S5][S13]; ML307R `AT+MIPSEND`, §3.4 [S11]).
- Data rules: after a line with a given prefix, exactly N raw bytes follow and belong to that line (Quectel
  `+QIRD: <n>` and direct push `+QIURC: "recv",<id>,<len>`, §3.1 [S13]; Nordic `#XRECV: <n>`, §3.5 [S9]).
  The raw bytes may hold CR, LF and NUL. When the line itself ended in CR, one LF right after it is part of
  the line end, not of the data.
- After a payload is written in echo mode, the module may echo it back: an expected echo is swallowed when
  it arrives byte for byte at the start of a line, and given back to normal framing as soon as it differs.
- Line noise: a line that cannot be text is Noise, not a Line: one with a control character other than TAB
  (NUL is what a break or a glitch on a UART reads as), or bytes that are not UTF-8. V.250 responses are
  IRA text (T.50, 7-bit), so no answer is lost by this; routing notes the noise in the transcript and
  drops it, so garbage between two frames never becomes an information line, a URC or a ParseError.
  Noise made only of printable ASCII cannot be told from a line, by this or by any reader.

Final result codes: OK, ERROR, NO CARRIER (V.250 basic result codes), `+CME ERROR: <err>` (3GPP TS 27.007
§9.2, numeric after AT+CMEE=1, verbose after AT+CMEE=2) and `+CMS ERROR: <err>` (TS 27.005 §3.2.5).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

CR = 0x0D
LF = 0x0A
SPACE = 0x20
PROMPT_BYTE = ord(">")
# A module never sends a line this long; past it the rest of the line is dropped so that a stream without
# line ends cannot take all memory (and is not cut into lines that could look like final result codes).
MAX_LINE_BYTES = 65_536

# 27.007 §9.2 and 27.005 §3.2.5 codes have at most 3 digits, vendors' at most 5; a longer "number" is read
# as the reason text, never converted (int() refuses more than 4300 digits with ValueError).
MAX_ERROR_CODE_DIGITS = 9

_LINE_END = re.compile(rb"[\r\n]")
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")  # control characters; TAB, CR and LF are not here


class FinalKind(StrEnum):
    OK = "OK"
    ERROR = "ERROR"
    CME_ERROR = "+CME ERROR"
    CMS_ERROR = "+CMS ERROR"
    NO_CARRIER = "NO CARRIER"
    PROMPT = ">"


@dataclass(frozen=True, slots=True, kw_only=True)
class Final:
    """A final result code: its kind, the numeric code (+CME/+CMS ERROR: <n>) or the verbose reason."""

    kind: FinalKind
    code: int | None = None
    reason: str | None = None


_PLAIN_FINALS = {kind.value: kind for kind in (FinalKind.OK, FinalKind.ERROR, FinalKind.NO_CARRIER)}


def parse_final(line: str) -> Final | None:
    """The final result code this line is, or None when it is any other line."""
    text = line.strip(" \t")
    kind = _PLAIN_FINALS.get(text)
    if kind is not None:
        return Final(kind=kind)
    for kind in (FinalKind.CME_ERROR, FinalKind.CMS_ERROR):
        head, colon, rest = text.partition(":")
        if colon and head == kind.value:
            err = rest.strip(" \t")
            if err.isascii() and err.isdigit() and len(err) <= MAX_ERROR_CODE_DIGITS:
                return Final(kind=kind, code=int(err))
            return Final(kind=kind, reason=err or None)
    return None


def has_prefix(line: str, prefix: str) -> bool:
    """True when `line` starts with `prefix` as a whole word: `+CEREG` matches `+CEREG: 1` but not
    `+CEREGX: 1`; `SEND OK` matches `SEND OK`. A prefix that ends in punctuation (`+QIURC: "recv"`)
    matches whatever follows it."""
    if not prefix or not line.startswith(prefix):
        return False
    if len(line) == len(prefix) or not prefix[-1].isalnum():
        return True
    return not line[len(prefix)].isalnum()


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """A line the module sent (without its line end), and the raw bytes a data rule attached to it."""

    text: str
    data: bytes = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class Prompt:
    """The `>` prompt of a data-mode command."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EchoedData:
    """Payload bytes the module echoed back after they were written."""

    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Noise:
    """Bytes between line ends that cannot be a line of text (see the framing rules)."""

    data: bytes


Frame = Line | Prompt | EchoedData | Noise


def text_of(raw: bytes) -> str | None:
    """The text of a line's bytes, or None for noise: a control character other than TAB, or not UTF-8."""
    if _NOT_TEXT.search(raw) is not None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataRule:
    """After a line starting with `prefix`, `length_of(line)` raw bytes follow (None or 0: none)."""

    prefix: str
    length_of: Callable[[str], int | None]


def data_length_field(index: int, *, max_bytes: int | None = None) -> Callable[[str], int | None]:
    """A `length_of` reading the index-th comma-separated field after the colon as a byte count.

    `data_length_field(0)` fits `+QIRD: <n>[,<remaining>]` and `#XRECV: <n>`; `data_length_field(2)` fits
    `+QIURC: "recv",<id>,<len>`. A line without that field, or with one that is not a number, has no data.
    Nor has a count above `max_bytes` (the most the command can deliver): a garbled line must not make the
    session swallow thousands of bytes of what follows as data.
    """

    def length_of(line: str) -> int | None:
        _, colon, rest = line.partition(":")
        fields = rest.split(",")
        if not colon or index >= len(fields):
            return None
        field = fields[index].strip(" \t")
        if not (field.isascii() and field.isdigit()) or len(field) > 9:
            return None
        count = int(field)
        return None if max_bytes is not None and count > max_bytes else count

    return length_of


class LineFramer:
    """Byte stream -> frames. Feed it chunks in any split; it keeps the partial state between them."""

    def __init__(self) -> None:
        self._rules: list[DataRule] = []
        self._line = bytearray()
        self._data_line: str | None = None
        self._data_left_bytes = 0
        self._data = bytearray()
        self._is_lf_skipped = False
        self._is_space_skipped = False
        self._echo = b""
        self._echo_matched_bytes = 0
        self.is_prompt_expected = False

    def add_rule(self, rule: DataRule) -> None:
        self._rules.append(rule)

    def expect_echo(self, data: bytes) -> None:
        """The next bytes at a line start may be an echo of `data` (just written in echo mode)."""
        self._echo = data
        self._echo_matched_bytes = 0

    def forget_expectations(self) -> None:
        """Drop an expected prompt or echo (the exchange that expected them is over)."""
        self.is_prompt_expected = False
        self._echo = b""
        self._echo_matched_bytes = 0

    def feed(self, chunk: bytes) -> list[Frame]:
        frames: list[Frame] = []
        self._process(bytes(chunk), frames)
        return frames

    def _process(self, chunk: bytes, frames: list[Frame]) -> None:
        at = 0
        while at < len(chunk):
            at = self._step(chunk, at, frames)

    def _step(self, chunk: bytes, at: int, frames: list[Frame]) -> int:
        """Consume bytes from chunk[at:] in one state; return where the next state starts."""
        if self._is_lf_skipped:
            self._is_lf_skipped = False
            if chunk[at] == LF:
                return at + 1
        if self._data_left_bytes:
            return self._take_data(chunk, at, frames)
        if self._is_space_skipped:
            self._is_space_skipped = False
            if chunk[at] == SPACE:
                return at + 1
        if not self._line:
            if self._echo:
                return self._take_echo(chunk, at, frames)
            if self.is_prompt_expected and chunk[at] == PROMPT_BYTE:
                self.is_prompt_expected = False
                self._is_space_skipped = True
                frames.append(Prompt())
                return at + 1
        return self._take_line(chunk, at, frames)

    def _take_line(self, chunk: bytes, at: int, frames: list[Frame]) -> int:
        """Take lines from chunk[at:] for as long as only lines can follow; return where the next state
        starts (a data block, or a line start where an echo or a prompt is expected). One loop here rather
        than one _step per line end: this is the reader's hot path."""
        size = len(chunk)
        while at < size:
            end = _LINE_END.search(chunk, at)
            stop = size if end is None else end.start()
            room = MAX_LINE_BYTES - len(self._line)
            if stop > at and room > 0:
                self._line += chunk[at : min(stop, at + room)]
            if end is None:
                return size
            at = stop + 1
            if self._line:
                raw = bytes(self._line)
                self._line.clear()
                text = text_of(raw)
                if text is None:
                    frames.append(Noise(data=raw))
                elif text := text.strip(" \t"):
                    self._end_line(text, ended_in_cr=chunk[stop] == CR, frames=frames)
                    if self._data_left_bytes:
                        return at
            if self._echo or self.is_prompt_expected:
                return at
        return at

    def _end_line(self, text: str, *, ended_in_cr: bool, frames: list[Frame]) -> None:
        for rule in self._rules:
            if has_prefix(text, rule.prefix):
                length_bytes = rule.length_of(text)
                if length_bytes is not None and length_bytes > 0:
                    self._data_line = text
                    self._data_left_bytes = length_bytes
                    self._is_lf_skipped = ended_in_cr
                    return
                break
        frames.append(Line(text=text))

    def _take_data(self, chunk: bytes, at: int, frames: list[Frame]) -> int:
        taken = chunk[at : at + self._data_left_bytes]
        self._data += taken
        self._data_left_bytes -= len(taken)
        if not self._data_left_bytes:
            assert self._data_line is not None
            frames.append(Line(text=self._data_line, data=bytes(self._data)))
            self._data_line = None
            self._data.clear()
        return at + len(taken)

    def _take_echo(self, chunk: bytes, at: int, frames: list[Frame]) -> int:
        expected = self._echo[self._echo_matched_bytes :]
        arrived = chunk[at : at + len(expected)]
        if expected.startswith(arrived):
            self._echo_matched_bytes += len(arrived)
            if self._echo_matched_bytes == len(self._echo):
                frames.append(EchoedData(data=self._echo))
                self.forget_expectations()
            return at + len(arrived)
        # Not the echo after all: what looked like its start is ordinary input again.
        replay = self._echo[: self._echo_matched_bytes]
        self._echo = b""
        self._echo_matched_bytes = 0
        self._process(replay, frames)
        return at
