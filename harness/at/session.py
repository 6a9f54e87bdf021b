"""at layer: ATSession, the engine every dialect drives (DESIGN "Public names"; issue item 4).

What the port sends is turned into lines (framing.py), each written to the transcript and routed: the echo
of the pending command is dropped, a final result code ends the command, a URC goes to the backlog and the
subscribers (urcs.py states the rule and its limits), any other line belongs to the pending command.
Commands are serialized by a lock; each has a deadline. A reader thread reads while no command is pending;
the caller of a command reads the answer itself where the port allows (reader.py, ReadTurn), so subscribers
run in whichever of the two threads read the URC. The reader is background work as STYLE 5 wants it:
open() returns once it runs, close() stops and joins it, and what failed in it (a bug, a subscriber's
exception) is re-raised in the caller at the next send, wait_for_urc or close. A session opens once; a new
one is cheap.

The session does not own the port: it never closes it, but it does shorten `port.timeout` to a poll
interval so that a read ends in time even on ports without cancel_read().

Known limits: a final result code that arrives after its command timed out is read as a URC, unless the
next command is already pending, which then takes it as its own (a module that answers that late needs a
longer timeout, not a smarter reader). Payload echo in data mode is expected only when the command itself
was echoed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

from serial import SerialException

from harness.at.command import check_command
from harness.at.exchange import ATResponse, Urc
from harness.at.framing import DataRule, FinalKind
from harness.at.identifier_redaction import IdentifierHash
from harness.at.reader import PortInput, ReaderThread, ReadTurn
from harness.at.reader import SerialPort as SerialPort  # public through harness.at, defined with the reader
from harness.at.routing import LineRouter, PendingCommand
from harness.at.transcript import Direction, Transcript
from harness.at.urcs import UrcCallback, UrcRouter
from harness.errors import ATCommandError, ATTimeout, PortLost
from harness.transport import shown_url

POLL_INTERVAL_S = 0.05
LAST_LINES_SHOWN = 3
_PROMPT = "prompt '>'"


class ATSession:
    """AT commands over a serial port: `with ATSession(port) as at: at.send("AT+CEREG?")`."""

    def __init__(
        self,
        port: SerialPort,
        *,
        default_timeout_s: float = 5.0,
        transcript_path: str | Path | None = None,
        urc_backlog_size: int = 256,
        identifier_hash: IdentifierHash | None = None,
    ) -> None:
        """`identifier_hash` replaces IMEI, IMSI and ICCID in the transcript (None: kept in clear); what
        send() returns keeps the real values."""
        self._port = port
        self._default_timeout_s = default_timeout_s
        self._transcript = Transcript(transcript_path, identifier_hash=identifier_hash)
        self._urcs = UrcRouter(backlog_size=urc_backlog_size)
        self._router = LineRouter(urcs=self._urcs, transcript=self._transcript)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._command_lock = threading.Lock()
        self._last_command_s = 0.0
        self._last_command = ""
        self._lost: BaseException | None = None
        self._input: PortInput | None = None
        self._turn = ReadTurn(interrupt=None, poll_s=POLL_INTERVAL_S)
        self._command_thread: int | None = None
        self._reader = ReaderThread(
            name=f"at-reader {self.port_name}",
            step=self._read_once,
            on_lost=self._mark_lost,
            on_failure=self._wake_all,
        )

    @property
    def port_name(self) -> str:
        """The port as transcripts and messages show it: a URL's secret options (a SIM PIN) redacted."""
        return shown_url(self._port.port) if self._port.port else repr(self._port)

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
        self._input = PortInput(self._port, poll_s=POLL_INTERVAL_S)
        self._turn = ReadTurn(interrupt=self._input.interrupt, poll_s=POLL_INTERVAL_S)
        self._reader.start()
        return self

    def close(self) -> None:
        """Stop and join the reader, close the transcript file; re-raise what failed in the reader."""
        if not self._reader.is_running:
            return
        assert self._input is not None  # set by open(), before the reader runs
        try:
            self._reader.stop(cancel_read=self._input.interrupt)
        finally:
            self._transcript.close()
            self._input.close()
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

    @property
    def is_lost(self) -> bool:
        """The port went away (PortLost is raised by every call from now on)."""
        return self._lost is not None

    @property
    def last_command(self) -> tuple[str, float]:
        """The most recent command written (as the transcript shows it, secrets redacted) and when, on the
        session clock; ("", 0.0) before the first."""
        with self._lock:
            return self._last_command, self._last_command_s

    def subscribe(self, prefix: str, fn: UrcCallback) -> Callable[[], None]:
        """Call fn(urc) for every URC with `prefix`, in the thread that read it: the reader thread, or the
        caller of the command pending then. Keep it quick; it must not call send (RuntimeError). An exception
        it raises is re-raised in the caller. Returns the function that unsubscribes."""
        return self._urcs.subscribe(prefix, fn)

    def send(self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False) -> ATResponse:
        """Write `cmd`, wait for its final result code. ATCommandError unless it is OK."""
        check_command(cmd)
        with self._command():
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
        with self._command():
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
            raise self._timeout(
                f"no {prefix} URC{' matching' if match else ''} within {timeout_s:g} s "
                f"(looking from +{since:.3f}s)",
                since_s=since,
            )
        return urc

    @contextlib.contextmanager
    def _command(self) -> Iterator[None]:
        """One command at a time; its caller has the read turn from before the command is written."""
        if self._command_thread == threading.get_ident() or self._reader.is_current_thread():
            raise RuntimeError(
                f"AT session on {self.port_name}: send() from a URC subscriber (or inside a command) "
                "would wait for itself"
            )
        with self._command_lock:
            self._command_thread = threading.get_ident()
            try:
                with self._turn.wanted():
                    yield
            finally:
                self._command_thread = None

    def _begin(
        self, cmd: str, *, is_secret: bool, timeout_s: float | None, is_prompt: bool = False
    ) -> tuple[PendingCommand, float]:
        if not self._reader.is_running:
            raise RuntimeError(f"AT session on {self.port_name} is not open")
        self._check_all()
        timeout_s = self._default_timeout_s if timeout_s is None else timeout_s
        shown = self._transcript.redact(cmd, is_secret=is_secret)
        with self._lock:
            started_s = self.now_s()
            pending = PendingCommand.of(
                cmd, started_s=started_s, timeout_s=timeout_s, is_secret=is_secret, shown=shown
            )
            self._router.begin(pending, is_prompt=is_prompt)
            self._last_command_s = started_s
            self._last_command = shown
            self._transcript.record_line(Direction.WRITTEN, shown, t_s=started_s)
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

        def is_done() -> bool:
            return pending.final is not None or (is_prompt_enough and pending.is_prompt_seen)

        while True:
            with self._lock:
                if is_done():
                    return
                if self._lost is not None or self._reader.is_crashed:
                    self._router.end(pending)
                    self._check_reader(f"while {pending.shown} waited for a {waiting_for}")
                left_s = deadline_s - time.monotonic()
                if left_s <= 0:
                    self._router.end(pending)
                    what = f"{pending.shown} got no {waiting_for} within {pending.timeout_s:g} s"
                    raise self._timeout(what, since_s=pending.started_s)
                if not self._turn.can_be_taken:
                    self._changed.wait(left_s)  # the reader thread reads, routes and notifies
                    continue
            self._read_as_caller(pending, is_done, left_s)

    def _read_as_caller(self, pending: PendingCommand, is_done: Callable[[], bool], wait_s: float) -> None:
        """Read and route one chunk in the caller's thread (it holds the read turn: ReadTurn)."""
        assert self._input is not None  # set by open(), before any command
        with self._turn.held():
            # The reader may have routed what the caller waits for (a final, or the prompt) before it
            # stepped aside; reading now would wait a whole poll interval for bytes that will not come.
            if is_done():
                return
            try:
                chunk = self._input.read_chunk(wait_s)
                if chunk:
                    self._route(chunk)
            except (SerialException, OSError) as exc:
                self._mark_lost(exc)  # _await raises PortLost
            except Exception:
                # A bug (a data rule that raised) mid-routing: the framer's state is unknown from here on,
                # as when the reader thread dies of one; raised here, then every later call says so.
                self._reader.is_crashed = True
                with self._lock:
                    self._router.end(pending)
                raise

    def _conclude(self, pending: PendingCommand) -> ATResponse:
        response = pending.to_response()
        if response.kind is not FinalKind.OK:
            raise ATCommandError(
                response.command, response.final, response.code, response.lines, self._where_path()
            )
        return response

    # --- reader thread ---------------------------------------------------------------------------

    def _read_once(self) -> None:
        self._turn.step_reader(self._read_and_route)

    def _read_and_route(self) -> None:
        assert self._input is not None  # set by open(), before the reader runs
        chunk = self._input.read_chunk()
        if chunk:
            self._route(chunk)

    def _route(self, chunk: bytes) -> None:
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

    def _timeout(self, what: str, *, since_s: float) -> ATTimeout:
        """The error for a wait that timed out, with the last lines read since `since_s`, noted in the
        transcript."""
        lines = self._transcript.recent_lines(since_s=since_s, count=LAST_LINES_SHOWN)
        message = f"{what}; last lines: {' | '.join(lines) if lines else '(none)'}{self._where()}"
        self._transcript.note(f"timeout: {message}")
        return ATTimeout(message)

    def _where_path(self) -> str | None:
        path = self._transcript.path
        return None if path is None else str(path)

    def _where(self) -> str:
        path = self._where_path()
        return "" if path is None else f"; transcript: {path}"
