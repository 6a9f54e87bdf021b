"""transport layer: the `replay://<path>[?timing=fast|recorded]` scheme: a port that answers from an AT
transcript (DESIGN "Public names"; issue 3 item 5; STYLE 6: one code path for live and recorded data).

The transcript is the session's own (harness.at.transcript: its grammar is the replay grammar, so this
scheme reads it with harness.at's reader: the one place where transport uses the layer above it, because
the grammar belongs to the session that writes it). Each line or payload written to the port must be the
next one the transcript recorded (`>` or `>>`); the port then answers with what was read after it (`<` and
`<<`), in the recorded order, up to the next written entry. What was read before the first written entry
(RDY) is sent when the port opens. `<redacted>` in a recorded command matches anything, and a redacted
payload matches the whole of one write() call (the session writes a payload in one call). A written line
or payload that differs from the recorded one, or comes after the last one, fails the port with a
SerialException naming the transcript line and both commands: an ATSession reports it as PortLost, and
every later read or write fails too.

How answers are sent again: a line as `<CR><LF>text<CR><LF>` (V.250 framing), an echo of the command as
the command and a bare CR, the prompt as `<CR><LF>> `, a raw data block as its bytes. A redacted echo
repeats what was written. Lines that were not UTF-8 were recorded with U+FFFD and are sent as that. A hashed
IMEI, IMSI or ICCID (`h:...`) is sent as a stand-in number of the right length (stand_in_identifiers).
`timing=fast` (the default) sends each answer at once; `timing=recorded` keeps the recorded delay of each
answer after its written entry (and of the opening lines after the first entry).

Relative paths resolve against the working directory; harness.rig.resolve_port makes a rig's replay paths
absolute against the rig file's folder first.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import serial
from serial import PortNotOpenError, SerialException

from harness.errors import InputError
from harness.transcript_grammar import (
    REDACTED,
    Direction,
    TranscriptEntry,
    matches_recorded,
    read_numbered_entries,
    redact_command,
    stand_in_identifiers,
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

SCHEME = "replay://"
PROMPT_TEXT = ">"
SHOWN_PAYLOAD_BYTES = 32


class Timing(StrEnum):
    FAST = "fast"
    RECORDED = "recorded"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedWrite:
    """A written entry (`>` or `>>`), where it is in the file, and what was read after it."""

    entry: TranscriptEntry
    line_number: int
    answers: tuple[TranscriptEntry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayScript:
    """`opening` holds what was read before the first written entry (its entry stands at the first one's
    time); `writes` the written entries in order."""

    path: Path
    timing: Timing
    opening: RecordedWrite
    writes: tuple[RecordedWrite, ...]


def load_script(url: str) -> ReplayScript:
    """The URL's transcript split at its written entries; ValueError (one line) for any problem."""
    location, _, query = url.removeprefix(SCHEME).partition("?")
    if not url.startswith(SCHEME) or not location:
        raise ValueError(f"expected replay://<transcript path>[?timing=fast|recorded], got {url!r}")
    timing = Timing.FAST
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name != "timing" or value not in tuple(Timing):
            raise ValueError(f"unknown option {name}={value!r} in {url} (known: timing=fast|recorded)")
        timing = Timing(value)
    path = Path(location)
    if not path.is_file():
        raise ValueError(f"replay transcript {path} does not exist (or is not a file)")
    try:
        numbered = read_numbered_entries(path)
    except InputError as exc:
        raise ValueError("; ".join(str(p) for p in exc.problems)) from None
    first_s = numbered[0][1].t_s if numbered else 0.0
    steps: list[tuple[int, TranscriptEntry, list[TranscriptEntry]]] = [
        (0, TranscriptEntry(t_s=first_s, direction=Direction.READ), [])
    ]
    for number, entry in numbered:
        if entry.direction in (Direction.WRITTEN, Direction.WRITTEN_DATA):
            steps.append((number, entry, []))
        else:
            steps[-1][2].append(entry)
    opening, *writes = (RecordedWrite(entry=e, line_number=n, answers=tuple(a)) for n, e, a in steps)
    return ReplayScript(path=path, timing=timing, opening=opening, writes=tuple(writes))


def check_url(url: str) -> str | None:
    """What is wrong with a replay URL (its options, its file, the file's grammar), or None."""
    try:
        load_script(url)
    except (ValueError, OSError) as exc:
        return str(exc)
    return None


def render_answers(step: RecordedWrite, written: bytes) -> list[tuple[float, bytes]]:
    """(recorded delay after the written entry, bytes to send) for each answer of a step whose written
    entry arrived as `written` (the command without its CR, or the payload)."""
    rendered: list[tuple[float, bytes]] = []
    is_echo_due = step.entry.direction is Direction.WRITTEN
    previous = step.entry.direction
    for answer in step.answers:
        delay_s = max(answer.t_s - step.entry.t_s, 0.0)
        if answer.direction is Direction.READ_DATA:
            is_payload_echo = previous is Direction.WRITTEN_DATA and answer.is_redacted
            rendered.append((delay_s, written if is_payload_echo else answer.data))
        elif is_echo_due and matches_recorded(answer.text, written.decode("ascii", errors="replace")):
            is_echo_due = False
            rendered.append((delay_s, written + b"\r"))
        elif answer.text == PROMPT_TEXT:
            rendered.append((delay_s, b"\r\n> "))
        else:
            line = stand_in_identifiers(answer.text)
            rendered.append((delay_s, b"\r\n" + line.encode("utf-8") + b"\r\n"))
        previous = answer.direction
    return rendered


class Serial(serial.SerialBase):
    """A pyserial port answering from a transcript. Thread-safe: one thread may read while another
    writes (an ATSession's reader and its caller)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._changed = threading.Condition()
        self._script: ReplayScript | None = None
        self._next_write = 0
        self._written = bytearray()
        self._due: deque[tuple[float, bytes]] = deque()
        self._ready = bytearray()
        self._failure: str | None = None
        self._is_read_cancelled = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # pyserial's own keyword arguments

    @property
    def writes_left(self) -> int:
        """Written entries of the transcript not written yet (0 once the whole exchange was replayed)."""
        with self._changed:
            return 0 if self._script is None else len(self._script.writes) - self._next_write

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        try:
            script = load_script(self.port)
        except (ValueError, OSError) as exc:
            raise SerialException(str(exc)) from exc
        with self._changed:
            self._script = script
            self._next_write = 0
            self._failure = None
            self._written.clear()
            self._ready.clear()
            self._due.clear()
            self._schedule(render_answers(script.opening, b""))
            self.is_open = True

    def close(self) -> None:
        with self._changed:
            self.is_open = False
            self._changed.notify_all()

    def _reconfigure_port(self) -> None:
        """Baud rate, timeouts and the like change nothing in a replay (timeouts are read at each read)."""

    def _update_dtr_state(self) -> None:
        """Nor do the modem control lines."""

    _update_rts_state = _update_break_state = _update_dtr_state

    @property
    def in_waiting(self) -> int:
        with self._changed:
            self._check_usable()
            self._release_due(time.monotonic())
            return len(self._ready)

    def read(self, size: int = 1, /) -> bytes:
        timeout_s = self.timeout
        deadline_s = None if timeout_s is None else time.monotonic() + timeout_s
        with self._changed:
            self._check_usable()
            while True:
                now_s = time.monotonic()
                self._release_due(now_s)
                if len(self._ready) >= size or self._is_read_cancelled or self._failure is not None:
                    break
                if deadline_s is not None and now_s >= deadline_s:
                    break
                wake_s = [s for s in (deadline_s, self._due[0][0] if self._due else None) if s is not None]
                self._changed.wait(min(wake_s) - now_s if wake_s else None)
                if not self.is_open:
                    break
            self._is_read_cancelled = False
            data = bytes(self._ready[:size])
            del self._ready[:size]
            if not data and self._failure is not None:
                raise SerialException(self._failure)
            return data

    def cancel_read(self) -> None:
        with self._changed:
            self._is_read_cancelled = True
            self._changed.notify_all()

    def write(self, b: ReadableBuffer, /) -> int:
        data = bytes(b)
        with self._changed:
            self._check_usable()
            if self._failure is not None:
                raise SerialException(self._failure)
            self._written += data
            self._take_written()
            self._changed.notify_all()
            if self._failure is not None:
                raise SerialException(self._failure)
        return len(data)

    def reset_input_buffer(self) -> None:
        with self._changed:
            self._check_usable()
            self._release_due(time.monotonic())
            self._ready.clear()

    def reset_output_buffer(self) -> None:
        with self._changed:
            self._check_usable()

    def _check_usable(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()

    def _release_due(self, now_s: float) -> None:
        while self._due and self._due[0][0] <= now_s:
            self._ready += self._due.popleft()[1]

    def _schedule(self, answers: list[tuple[float, bytes]]) -> None:
        assert self._script is not None
        now_s = time.monotonic()
        last_s = self._due[-1][0] if self._due else now_s
        for delay_s, data in answers:
            due_s = now_s + delay_s if self._script.timing is Timing.RECORDED else now_s
            last_s = max(due_s, last_s)  # the recorded order holds even when the client is faster
            self._due.append((last_s, data))

    def _take_written(self) -> None:
        """Match what was written against the next recorded entries, answering each one that is whole."""
        assert self._script is not None
        writes = self._script.writes
        while self._written and self._failure is None:
            if self._next_write >= len(writes):
                if b"\r" in self._written:
                    self._fail_after_end()
                return
            step = writes[self._next_write]
            taken = self._take_step(step)
            if taken is None:
                return
            self._next_write += 1
            self._schedule(render_answers(step, taken))

    def _take_step(self, step: RecordedWrite) -> bytes | None:
        """The bytes of the step's written entry once they are all in; None while they are not."""
        if step.entry.direction is Direction.WRITTEN_DATA:
            return self._take_payload(step)
        if self._written.startswith(b"\n"):
            del self._written[:1]  # the LF of a client that ends commands with CR LF
        end = self._written.find(b"\r")
        if end < 0:
            return None
        line = bytes(self._written[:end])
        del self._written[: end + 1]
        text = line.decode("ascii", errors="replace")
        if not matches_recorded(step.entry.text, text):
            # Redacted as the transcript redacts, and wholly after `=` where the recorded one was redacted.
            self._fail(step, f"`{redact_command(text, is_secret=step.entry.is_redacted)}`")
        return line

    def _take_payload(self, step: RecordedWrite) -> bytes | None:
        size = len(self._written) if step.entry.is_redacted else len(step.entry.data)
        if len(self._written) < size:
            return None
        payload = bytes(self._written[:size])
        del self._written[:size]
        if not step.entry.is_redacted and payload != step.entry.data:
            self._fail(
                step,
                f"payload {_shown_payload(payload)}",
            )
        return payload

    def _fail(self, step: RecordedWrite, written: str) -> None:
        assert self._script is not None
        entry = step.entry
        recorded = (
            f"`{entry.text}`"
            if entry.direction is Direction.WRITTEN
            else f"payload {REDACTED if entry.is_redacted else _shown_payload(entry.data)}"
        )
        self._failure = (
            f"replay of {self._script.path} diverged at line {step.line_number}: "
            f"the transcript has {recorded} there, the client wrote {written}"
        )

    def _fail_after_end(self) -> None:
        assert self._script is not None
        line = bytes(self._written).partition(b"\r")[0].decode("ascii", errors="replace").strip()
        self._failure = (
            f"replay of {self._script.path} is over (all {len(self._script.writes)} written entries "
            f"replayed), the client wrote `{redact_command(line)}`"
        )


def _shown_payload(data: bytes) -> str:
    more = "..." if len(data) > SHOWN_PAYLOAD_BYTES else ""
    return f"{data[:SHOWN_PAYLOAD_BYTES].hex()}{more} ({len(data)} bytes)"
