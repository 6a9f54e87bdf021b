"""traffic layer: the registration reports of a module as the harness sees them, with the time each was read.

Used by the access engines (harness.traffic.attach, harness.traffic.grants). While a RegistrationWatch is
open it records every +CEREG / +C5GREG URC (the prefixes the dialect names in `registration_urcs`) with its
session time, its <stat> and, where the module reports with n=3 or higher, the reject cause (3GPP TS 27.007
§10.1.22 and the 5GS equivalent; ../shared/reference/cellular-iot.md §1.1, §1.2). `report_mode` picks the
richest <n> a report command accepts (5, else 3, else 2: the cause fields need n>=3) and puts the module's
own setting back afterwards.

Background work as STYLE 5 has it: the subscriptions are a context manager; the callback only records, in
the session's reader thread, and an exception there is re-raised by the session in the caller.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Protocol, runtime_checkable

from harness.at import ATCommandError, ATSession, Urc
from harness.at.responses import C5greg, Cereg, Cgreg, Creg, parse
from harness.dialects.modem import Modem
from harness.errors import ModemError, ParseError

REGISTERED_STATS = frozenset({1, 5})  # home, roaming (27.007 §10.1.22)
STAT_DENIED = 3
STAT_NOT_SEARCHING = 0
# The <n> tried in order: 5 and 3 add <cause_type>,<reject_cause> after a reject; 2 gives location only.
PREFERRED_MODES = (5, 3, 2)
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)|(\d+)")

RegistrationLine = Cereg | C5greg | Cgreg | Creg


@runtime_checkable
class ReportingModem(Modem, Protocol):
    """A Modem whose AT session the engine may listen on: every dialect built on harness.dialects.ts27007."""

    session: ATSession
    registration_urcs: ClassVar[tuple[str, ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class StatReport:
    """One registration state the harness learned of: `t_s` on the session clock; `is_read` for the answer
    to a read command (a backstop for a missed URC) rather than a URC."""

    t_s: float
    stat: int
    cause_type: int | None = None
    reject_cause: int | None = None
    is_read: bool = False
    domain: str = "EMM"  # the cause table: "5GMM" for a +C5GREG report

    @property
    def is_registered(self) -> bool:
        return self.stat in REGISTERED_STATS


def reporting_modem(modem: Modem) -> ReportingModem:
    """The modem as a ReportingModem, or ModemError naming the dialect that offers no AT session."""
    if not isinstance(modem, ReportingModem):
        raise ModemError(
            f"{type(modem).__name__} exposes no AT session and registration URCs: the access engines time "
            "registration from the module's URCs (dialects built on harness.dialects.ts27007 do)"
        )
    return modem


class RegistrationWatch:
    """`with RegistrationWatch(modem) as watch:` records registration URCs until the block ends."""

    def __init__(self, modem: ReportingModem) -> None:
        self._session = modem.session
        self._prefixes = modem.registration_urcs
        self._reports: list[StatReport] = []
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._unsubscribes: list[Callable[[], None]] = []

    def __enter__(self) -> RegistrationWatch:
        self._unsubscribes = [self._session.subscribe(p, self._on_urc) for p in self._prefixes]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []

    def reports_since(self, t_s: float) -> list[StatReport]:
        with self._lock:
            return [report for report in self._reports if report.t_s >= t_s]

    def add(self, report: StatReport) -> None:
        """Record a state learned another way (a read command's answer)."""
        with self._lock:
            self._reports.append(report)
        self._changed.set()

    def wait(self, timeout_s: float) -> None:
        """Until a new report comes or timeout_s passes."""
        self._changed.wait(max(timeout_s, 0.0))
        self._changed.clear()

    def _on_urc(self, urc: Urc) -> None:  # the reader thread: only record
        try:
            line = parse(urc.line, solicited=False)
        except ParseError:
            return  # the session's transcript keeps the line; a report we cannot read tells no state
        if isinstance(line, RegistrationLine):
            self.add(stat_report_of(line, urc.t_s, is_read=False))


def stat_report_of(line: RegistrationLine, t_s: float, *, is_read: bool) -> StatReport:
    """The report a registration line gives at session time `t_s` (also read back from a transcript)."""
    return StatReport(
        t_s=t_s,
        stat=line.stat,
        cause_type=line.cause_type,
        reject_cause=line.reject_cause,
        is_read=is_read,
        domain="5GMM" if isinstance(line, C5greg) else "EMM",
    )


@contextlib.contextmanager
def report_mode(modem: ReportingModem) -> Iterator[None]:
    """Each registration report command set to the richest <n> it accepts for the block, then put back."""
    previous = {prefix: _current_mode(modem.session, prefix) for prefix in modem.registration_urcs}
    try:
        for prefix, mode in previous.items():
            if mode is not None:
                _set_mode(modem.session, prefix, _richest_mode(modem.session, prefix))
        yield
    finally:
        for prefix, mode in previous.items():
            if mode is not None:
                _set_mode(modem.session, prefix, mode)


def _current_mode(session: ATSession, prefix: str) -> int | None:
    """<n> of the read form; None when the module has no such report command (a 5G one on LTE-only)."""
    try:
        response = session.send(f"AT{prefix}?")
    except ATCommandError:
        return None
    for line in response.matching(prefix):
        try:
            parsed = parse(line, solicited=True)
        except ParseError:
            continue
        if isinstance(parsed, RegistrationLine) and parsed.n is not None:
            return parsed.n
    return None


def _richest_mode(session: ATSession, prefix: str) -> int:
    answer = session.send(f"AT{prefix}=?").value_of(prefix) or ""
    supported = supported_values(answer)
    return next((mode for mode in PREFERRED_MODES if mode in supported), PREFERRED_MODES[-1])


def _set_mode(session: ATSession, prefix: str, mode: int) -> None:
    session.send(f"AT{prefix}={mode}")


def supported_values(text: str) -> frozenset[int]:
    """The values of the first parenthesised list of a test command's answer: `(0-3,5)` -> {0, 1, 2, 3, 5}."""
    inner = text[text.find("(") + 1 : text.find(")")] if "(" in text else text
    values: set[int] = set()
    for match in _RANGE.finditer(inner):
        low, high, single = match.groups()
        if single is not None:
            values.add(int(single))
        else:
            values.update(range(int(low), int(high) + 1))
    return frozenset(values)


def read_report(modem: ReportingModem) -> StatReport:
    """The registration state now, from the dialect's read command, as a report."""
    registration = modem.registration()
    # stamped when the answer is in: the state held at the latest then
    return StatReport(
        t_s=modem.session.now_s(),
        stat=registration.stat,
        cause_type=registration.cause_type,
        reject_cause=registration.reject_cause,
        is_read=True,
        domain=registration.domain,
    )
