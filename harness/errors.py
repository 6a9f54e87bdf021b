"""errors layer: the one exception module of the harness.

Every error the harness raises on purpose is a HarnessError. Errors caused by what a user wrote (a rig, a
plan, a URL) are UserErrors: the command line prints them as one line and exits with code 2, no traceback.
Messages say what was expected, what was seen, and where the full log is (STYLE 8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class UserError(HarnessError):
    """Bad input from the user: shown as one line per problem, exit code 2, no traceback."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file: where (file and dotted field path) and what."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return _one_line(f"{where}: {self.message}")


def _one_line(text: str) -> str:
    """`text` with every unprintable character escaped: a key or value from a file may hold a line break
    (or a bidi override) that would otherwise split a problem over lines or disguise it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class InputError(UserError):
    """An input file (rig, plan) or value has problems; all of them are reported at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ResultsError(UserError):
    """A results directory or file the harness cannot read: not a run, a newer schema, an unreadable file."""


class UrlError(UserError):
    """A port URL the harness cannot open: unknown scheme, unknown virtual model, bad option."""


class ATError(HarnessError):
    """Base of the errors of an AT exchange."""


class ATCommandError(ATError):
    """A command ended with ERROR, +CME ERROR, +CMS ERROR or NO CARRIER."""

    def __init__(
        self, command: str, final: str, code: int | None, lines: Sequence[str], transcript: str | None
    ) -> None:
        self.command = command
        self.final = final
        self.code = code
        self.lines = tuple(lines)
        where = f"; transcript: {transcript}" if transcript else ""
        super().__init__(f"{command} failed with {final}{where}")


class ATTimeout(ATError):
    """A command got no final result code (or a URC did not arrive) in time."""


class PortLost(ATError):
    """The serial port went away (module rebooted, USB re-enumerated, virtual module process ended)."""


class ParseError(ATError):
    """A line with a known prefix that cannot be read; the harness never guesses a value."""

    def __init__(self, line: str, reason: str) -> None:
        self.line = line
        super().__init__(f"cannot read {line!r}: {reason}")


class ModemError(HarnessError):
    """A module did not do what a procedure needs: not registered in time, socket refused, no SIM."""


class InfrastructureError(HarnessError):
    """The rig, not the module under test, stopped a case: the module hung, rebooted or vanished. The case is
    reported as an error, never as the module's failure."""


class VirtualModuleError(HarnessError):
    """A virtual module process failed to start or to answer its start handshake."""


class NetnsError(HarnessError):
    """An `ip` or `tc` command failed, or a name or address the network rule refuses (harness.netns)."""


class NeedsNetAdmin(NetnsError):
    """This process may not create namespaces or links: it needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)."""


class CaptureError(HarnessError):
    """Packet capture could not start, or failed while running."""


class SimError(HarnessError):
    """The card refused a SIM access (+CRSM/+CSIM status word other than normal ending, ETSI TS 102 221
    §10.2); `file` names the elementary file (`EF_FPLMN 6F7B`), `sw1`/`sw2` the status word."""

    def __init__(self, message: str, *, file: str, sw1: int, sw2: int) -> None:
        self.file = file
        self.sw1 = sw1
        self.sw2 = sw2
        super().__init__(message)


class SimFileNotFound(SimError):
    """6A 82 (TS 102 221) or 94 04 (TS 51.011): the card has no such file."""


class SimSecurityNotSatisfied(SimError):
    """69 82 (TS 102 221) or 98 04 (TS 51.011): the access condition (PIN, ADM) is not fulfilled."""


class SimWrongParameters(SimError):
    """67 xx, 6B xx, 6C xx, 6A 86...: a wrong length, offset or P1/P2 for this file."""


class SimNotWritable(UserError):
    """A write to a SIM the rig does not mark as a test SIM (`[module.sim] writable = true`)."""
