"""at layer: what an AT exchange produced: the response to a command (ATResponse) and an unsolicited result
code (Urc). Times are session-relative seconds on the monotonic clock the transcript uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at.framing import FinalKind, has_prefix
from harness.at.responses import parse


@dataclass(frozen=True, slots=True, kw_only=True)
class ATResponse:
    """A command's answer: information lines (echo removed), the final line, and raw data blocks that
    data rules attached to its lines. `command` is as written, with secrets redacted."""

    command: str
    lines: tuple[str, ...]
    final: str
    kind: FinalKind
    code: int | None
    data: bytes
    started_s: float
    ended_s: float

    @property
    def duration_s(self) -> float:
        return self.ended_s - self.started_s

    def matching(self, prefix: str) -> tuple[str, ...]:
        """Every information line with that prefix (`+CGPADDR` answers one line per context)."""
        return tuple(line for line in self.lines if has_prefix(line, prefix))

    def first(self, prefix: str) -> str | None:
        """The first information line with that prefix, or None."""
        found = self.matching(prefix)
        return found[0] if found else None

    def value_of(self, prefix: str) -> str | None:
        """What follows `<prefix>:` on the first line with that prefix: `+CPIN: READY` -> `READY`."""
        line = self.first(prefix)
        return None if line is None else line[len(prefix) :].lstrip(" \t:").strip(" \t")

    def parsed(self, prefix: str) -> object | None:
        """The first line with that prefix read by harness.at.responses as an answer (solicited)."""
        line = self.first(prefix)
        return None if line is None else parse(line, solicited=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Urc:
    """An unsolicited result code, when it was read, and raw bytes a data rule attached to it."""

    line: str
    t_s: float
    data: bytes = b""

    def parsed(self) -> object | None:
        """The line read by harness.at.responses as a URC (unsolicited)."""
        return parse(self.line, solicited=False)
