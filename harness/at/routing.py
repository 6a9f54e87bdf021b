"""at layer: where each frame the module sends belongs: the pending command's echo, prompt, information lines
or final result code, or a URC (the rule and its limits: urcs.py). Every line read is written to the
transcript here, before it is routed.

Not thread-safe on its own: the session calls it with its lock held, from the reader thread (take) and
from the caller (begin, end, expect_echo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.at.command import CommandForm, read_head
from harness.at.exchange import ATResponse, Urc
from harness.at.framing import DataRule, EchoedData, Final, Frame, LineFramer, Noise, Prompt, parse_final
from harness.at.transcript import Direction, Transcript, redact_command
from harness.at.urcs import UrcRouter

PROMPT_TEXT = ">"


@dataclass(slots=True, kw_only=True)
class PendingCommand:
    """A command written and not yet answered; the reader fills it in (mutable on purpose)."""

    command: str
    shown: str
    response_prefix: str | None
    is_query: bool
    started_s: float
    timeout_s: float
    is_secret: bool
    is_echo_seen: bool = False
    is_prompt_seen: bool = False
    lines: list[str] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)
    final_line: str = ""
    final: Final | None = None
    ended_s: float = 0.0

    @classmethod
    def of(
        cls, cmd: str, *, started_s: float, timeout_s: float, is_secret: bool, shown: str | None = None
    ) -> PendingCommand:
        """`shown` is the command as messages may show it (the transcript's redaction, which also knows the
        vendor secret prefixes added to it); by default the standard redaction."""
        prefix, form = read_head(cmd)
        return cls(
            command=cmd.strip(" \t"),
            shown=redact_command(cmd, is_secret=is_secret) if shown is None else shown,
            response_prefix=prefix,
            is_query=form in (CommandForm.READ, CommandForm.TEST),
            started_s=started_s,
            timeout_s=timeout_s,
            is_secret=is_secret,
        )

    def to_response(self) -> ATResponse:
        assert self.final is not None  # only called once the final result code is in
        return ATResponse(
            command=self.shown,
            lines=tuple(self.lines),
            final=self.final_line,
            kind=self.final.kind,
            code=self.final.code,
            data=b"".join(self.data),
            started_s=self.started_s,
            ended_s=self.ended_s,
        )


class LineRouter:
    """Bytes from the port -> frames -> the pending command, or URCs handed back to the caller."""

    def __init__(self, *, urcs: UrcRouter, transcript: Transcript) -> None:
        self._urcs = urcs
        self._transcript = transcript
        self._framer = LineFramer()
        self._pending: PendingCommand | None = None
        # A command that timed out may still get its echo and final result code, late. With an echoing
        # module, what comes before the next command's echo is that late answer, not the next command's: a
        # module echoes a command before it answers it (V.250 §6.2.4, E1). The commands still owed, oldest
        # first.
        self._late_owed: list[tuple[str, bool]] = []  # (command, is_secret)
        self._is_echoing = False  # the module echoed a command: known once one echo was seen

    def add_rule(self, rule: DataRule) -> None:
        self._framer.add_rule(rule)

    def begin(self, pending: PendingCommand, *, is_prompt: bool) -> None:
        self._pending = pending
        self._framer.forget_expectations()
        self._framer.is_prompt_expected = is_prompt

    def end(self, pending: PendingCommand) -> None:
        """The command is over (final, timeout, lost port): later lines belong to no command."""
        if self._pending is pending:
            self._pending = None
            self._framer.forget_expectations()
            if pending.final is None:
                self._late_owed.append((pending.command, pending.is_secret))

    def expect_echo(self, pending: PendingCommand, data: bytes) -> None:
        """`data` is about to be written; a module that echoed the command will echo it too."""
        if self._pending is pending and pending.is_echo_seen:
            self._framer.expect_echo(data)

    def _is_late(self, pending: PendingCommand) -> bool:
        return self._is_echoing and not pending.is_echo_seen and bool(self._late_owed)

    def take(self, chunk: bytes, t_s: float) -> list[Urc]:
        """Route what `chunk` completes; return the URCs among it, in order."""
        found: list[Urc] = []
        for frame in self._framer.feed(chunk):
            urc = self._route(frame, t_s)
            if urc is not None:
                found.append(urc)
        return found

    def _route(self, frame: Frame, t_s: float) -> Urc | None:
        pending = self._pending
        is_secret = pending is not None and pending.is_secret
        if isinstance(frame, Prompt):
            self._transcript.record_line(Direction.READ, PROMPT_TEXT, t_s=t_s)
            if pending is not None:
                pending.is_prompt_seen = True
            return None
        if isinstance(frame, EchoedData):
            self._transcript.record_data(Direction.READ_DATA, frame.data, t_s=t_s, is_secret=is_secret)
            return None
        if isinstance(frame, Noise):
            self._transcript.note(
                f"+{t_s:.3f}s line noise dropped ({len(frame.data)} bytes): {frame.data.hex(' ')}"
            )
            return None
        is_echo = pending is not None and not pending.is_echo_seen and frame.text == pending.command
        late_echo = [owed for owed in self._late_owed if owed[0] == frame.text]
        is_secret_line = (is_echo and is_secret) or any(secret for _, secret in late_echo)
        self._transcript.record_line(Direction.READ, frame.text, t_s=t_s, is_secret=is_secret_line)
        if frame.data:
            self._transcript.record_data(Direction.READ_DATA, frame.data, t_s=t_s)
        final = parse_final(frame.text)
        if pending is None:
            if self._late_owed and final is not None:
                self._late_owed.pop(0)
            return Urc(line=frame.text, t_s=t_s, data=frame.data)
        if is_echo:
            pending.is_echo_seen = True
            self._is_echoing = True
            self._late_owed.clear()  # what follows the echo answers this command
            return None
        if self._is_late(pending) and (final is not None or late_echo):
            if final is not None:
                self._late_owed.pop(0)
            shown = "a late echo" if late_echo else repr(frame.text)
            self._transcript.note(
                f"+{t_s:.3f}s {shown} before the echo of {pending.shown!r}: the late answer of an earlier "
                "command that timed out, not this one's"
            )
            return None
        if final is not None:
            if pending.command.upper() == "ATE0":  # echo off from now on: no echo to wait for
                self._is_echoing = False
            pending.final, pending.final_line, pending.ended_s = final, frame.text, t_s
            self.end(pending)
            return None
        if self._urcs.is_urc(frame.text, response_prefix=pending.response_prefix, is_query=pending.is_query):
            return Urc(line=frame.text, t_s=t_s, data=frame.data)
        pending.lines.append(frame.text)
        if frame.data:
            pending.data.append(frame.data)
        return None
