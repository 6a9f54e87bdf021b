"""at layer: ATSession, the engine every dialect drives (DESIGN "Public names"; issue item 4).

One reader thread turns what the port sends into lines (framing.py), writes each to the transcript, and
routes it: the echo of the pending command is dropped, a final result code ends the command, a URC goes to
the backlog and the subscribers (urcs.py states the rule and its limits), any other line belongs to the
pending command. Commands are serialized by a lock; each has a deadline. The reader is background work as
STYLE 5 wants it (reader.py): open() returns once it runs, close() stops and joins it, and what failed in it
(a bug, a subscriber's exception) is re-raised in the caller at the next send, wait_for_urc or close.
A session opens once; a new one is cheap.

The session does not own the port: it never closes it, but it does shorten `port.timeout` to a poll
interval so that the reader notices close() even on ports without cancel_read().

Known limits: a final result code that arrives after its command timed out is read as a URC, unless the
next command is already pending, which then takes it as its own (a module that answers that late needs a
longer timeout, not a smarter reader). Payload echo in data mode is expected only when the command itself
was echoed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from serial import SerialException

from harness.at.command import check_command
from harness.at.exchange import ATResponse, Urc
from harness.at.framing import DataRule, FinalKind
from harness.at.reader import ReaderThread
from harness.at.routing import LineRouter, PendingCommand
from harness.at.transcript import Direction, Transcript
from harness.at.urcs import UrcCallback, UrcRouter
from harness.errors import ATCommandError, ATTimeout, PortLost

POLL_INTERVAL_S = 0.05
LAST_LINES_SHOWN = 3
_PROMPT = "prompt '>'"


class SerialPort(Protocol):
    """What the session uses of a pyserial port (serial.Serial, serial_for_url(...), loop://)."""

    @property
    def port(self) -> str | None: ...
    @property
    def timeout(self) -> float | None: ...
    @timeout.setter
    def timeout(self, timeout: float | None) -> None: ...
    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = ..., /) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...


class ATSession:
    """AT commands over a serial port: `with ATSession(port) as at: at.send("AT+CEREG?")`."""

    def __init__(
        self,
        port: SerialPort,
        *,
        default_timeout_s: float = 5.0,
        transcript_path: str | Path | None = None,
        urc_backlog_size: int = 256,
    ) -> None:
        self._port = port
        self._default_timeout_s = default_timeout_s
        self._transcript = Transcript(transcript_path)
        self._urcs = UrcRouter(backlog_size=urc_backlog_size)
        self._router = LineRouter(urcs=self._urcs, transcript=self._transcript)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._command_lock = threading.Lock()
        self._last_command_s = 0.0
        self._lost: BaseException | None = None
        self._reader = ReaderThread(
            name=f"at-reader {self.port_name}",
            step=self._read_once,
            on_lost=self._mark_lost,
            on_failure=self._wake_all,
        )

    @property
    def port_name(self) -> str:
        return self._port.port or repr(self._port)

    @property
    def transcript(self) -> Transcript:
        """The transcript (retarget() it per test; add_secret_prefix() for vendor PIN commands)."""
        return self._transcript

    def now_s(self) -> float:
        """Session time, the clock of ATResponse.started_s, Urc.t_s and the transcript."""
        return self._transcript.now_s()

    def open(self) -> Self:
        if self._reader.was_started:
            raise RuntimeError(f"AT session on {self.port_name} is already open (a session opens once)")
        self._transcript.start(self.port_name)
        timeout_s = self._port.timeout
        if timeout_s is None or timeout_s == 0 or timeout_s > POLL_INTERVAL_S:
            self._port.timeout = POLL_INTERVAL_S
        self._reader.start()
        return self

    def close(self) -> None:
        """Stop and join the reader, close the transcript file; re-raise what failed in the reader."""
        if not self._reader.is_running:
            return
        try:
            self._reader.stop(cancel_read=getattr(self._port, "cancel_read", None))
        finally:
            self._transcript.close()
        self._reader.raise_failure()

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def add_urc_prefix(self, prefix: str) -> None:
        self._urcs.add_prefix(prefix)

    def add_data_rule(self, prefix: str, length_of: Callable[[str], int | None]) -> None:
        """After a line with `prefix`, `length_of(line)` raw bytes follow (see framing.data_length_field)."""
        with self._lock:
            self._router.add_rule(DataRule(prefix=prefix, length_of=length_of))

    def subscribe(self, prefix: str, fn: UrcCallback) -> Callable[[], None]:
        """Call fn(urc) in the reader thread for every URC with `prefix` (keep it quick; it must not call
        send). An exception it raises is re-raised in the caller. Returns the function that unsubscribes."""
        return self._urcs.subscribe(prefix, fn)

    def send(self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False) -> ATResponse:
        """Write `cmd`, wait for its final result code. ATCommandError unless it is OK."""
        check_command(cmd)
        with self._command_lock:
            pending, deadline_s = self._begin(cmd, is_secret=is_secret, timeout_s=timeout_s)
            self._write(pending, f"{cmd}\r".encode("ascii"))
            self._await(pending, deadline_s, waiting_for="final result code")
        return self._conclude(pending)

    def send_payload(
        self,
        cmd: str,
        payload: bytes,
        *,
        timeout_s: float | None = None,
        terminator: bytes = b"",
        is_secret: bool = False,
    ) -> ATResponse:
        """Write `cmd`, wait for the `>` prompt, write payload + terminator (Ctrl-Z b"\\x1a" for variable
        length), wait for the final result code. One deadline covers the whole exchange."""
        check_command(cmd)
        with self._command_lock:
            pending, deadline_s = self._begin(cmd, is_secret=is_secret, timeout_s=timeout_s, is_prompt=True)
            self._write(pending, f"{cmd}\r".encode("ascii"))
            self._await(pending, deadline_s, waiting_for=_PROMPT)
            if pending.final is None:
                data = payload + terminator
                with self._lock:
                    self._router.expect_echo(pending, data)
                self._transcript.record_data(
                    Direction.WRITTEN_DATA, data, t_s=self.now_s(), is_secret=is_secret
                )
                self._write(pending, data)
                self._await(pending, deadline_s, waiting_for="final result code after its payload")
        return self._conclude(pending)

    def wait_for_urc(
        self,
        prefix: str,
        *,
        timeout_s: float,
        match: Callable[[Urc], bool] | None = None,
        since_s: float | None = None,
    ) -> Urc:
        """Take the first URC with `prefix` (and `match(urc)` true) read at or after `since_s`, by default
        the time the most recent command was written: a result URC that came right after OK is found, a
        stale one from before that command is not. Pass a response's started_s to look further back."""
        self._reader.raise_failure()
        since = self._last_command_s if since_s is None else since_s
        deadline_s = time.monotonic() + timeout_s
        urc = self._urcs.wait_for(
            prefix, match=match, since_s=since, deadline_s=deadline_s, check=self._check_all
        )
        if urc is None:
            message = (
                f"no {prefix} URC{' matching' if match else ''} within {timeout_s:g} s "
                f"(looking from +{since:.3f}s); last lines: {self._last_lines(since)}{self._where()}"
            )
            self._transcript.note(f"timeout: {message}")
            raise ATTimeout(message)
        return urc

    def _begin(
        self, cmd: str, *, is_secret: bool, timeout_s: float | None, is_prompt: bool = False
    ) -> tuple[PendingCommand, float]:
        if not self._reader.is_running:
            raise RuntimeError(f"AT session on {self.port_name} is not open")
        self._check_all()
        timeout_s = self._default_timeout_s if timeout_s is None else timeout_s
        with self._lock:
            started_s = self.now_s()
            pending = PendingCommand.of(cmd, started_s=started_s, timeout_s=timeout_s, is_secret=is_secret)
            self._router.begin(pending, is_prompt=is_prompt)
            self._last_command_s = started_s
            self._transcript.record_line(Direction.WRITTEN, cmd, t_s=started_s, is_secret=is_secret)
        return pending, time.monotonic() + timeout_s

    def _write(self, pending: PendingCommand, data: bytes) -> None:
        try:
            self._port.write(data)
        except (SerialException, OSError) as exc:
            self._mark_lost(exc)
            with self._lock:
                self._router.end(pending)
            raise PortLost(self._lost_message(f"while {pending.shown} was written")) from exc

    def _await(self, pending: PendingCommand, deadline_s: float, *, waiting_for: str) -> None:
        is_prompt_enough = waiting_for == _PROMPT
        with self._changed:
            while pending.final is None and not (is_prompt_enough and pending.is_prompt_seen):
                if self._lost is not None or self._reader.is_crashed:
                    self._router.end(pending)
                    self._check_reader(f"while {pending.shown} waited for a {waiting_for}")
                left_s = deadline_s - time.monotonic()
                if left_s <= 0:
                    self._router.end(pending)
                    message = (
                        f"{pending.shown} got no {waiting_for} within {pending.timeout_s:g} s; "
                        f"last lines: {self._last_lines(pending.started_s)}{self._where()}"
                    )
                    self._transcript.note(f"timeout: {message}")
                    raise ATTimeout(message)
                self._changed.wait(left_s)

    def _conclude(self, pending: PendingCommand) -> ATResponse:
        response = pending.to_response()
        if response.kind is not FinalKind.OK:
            raise ATCommandError(
                response.command, response.final, response.code, response.lines, self._where_path()
            )
        return response

    # --- reader thread ---------------------------------------------------------------------------

    def _read_once(self) -> None:
        chunk = self._port.read(self._port.in_waiting or 1)
        if not chunk:
            return
        # A read that waited for its first byte returns that byte alone; what came with it is taken now,
        # so a whole answer is routed (and its waiter woken) once, not byte by byte.
        if waiting := self._port.in_waiting:
            chunk += self._port.read(waiting)
        with self._changed:
            urcs = self._router.take(chunk, self.now_s())
            self._changed.notify_all()
        self._urcs.publish(urcs, on_error=self._reader.keep_failure)

    # --- failures ----------------------------------------------------------------------------------

    def _mark_lost(self, exc: BaseException) -> None:
        with self._changed:
            if self._lost is None:
                self._lost = exc
                self._transcript.note(f"port lost: {exc}")
        self._wake_all()

    def _wake_all(self) -> None:
        with self._changed:
            self._changed.notify_all()
        self._urcs.wake()

    def _check_reader(self, context: str = "") -> None:
        """PortLost once the port is gone; the reader's own error once it died of one."""
        if self._lost is not None:
            raise PortLost(self._lost_message(context)) from self._lost
        if self._reader.is_crashed:
            self._reader.raise_failure()
            raise RuntimeError(f"the AT reader of {self.port_name} stopped after an error raised earlier")

    def _check_all(self) -> None:
        self._reader.raise_failure()
        self._check_reader()

    def _lost_message(self, context: str) -> str:
        where = f" {context}" if context else ""
        return f"port {self.port_name} was lost{where} ({self._lost}){self._where()}"

    def _last_lines(self, since_s: float) -> str:
        lines = self._transcript.recent_lines(since_s=since_s, count=LAST_LINES_SHOWN)
        return " | ".join(lines) if lines else "(none)"

    def _where_path(self) -> str | None:
        path = self._transcript.path
        return None if path is None else str(path)

    def _where(self) -> str:
        path = self._where_path()
        return "" if path is None else f"; transcript: {path}"
