"""traffic layer: the RRC and PSM state of a module as it reports them, with the time each report was read.

Used by the first-packet engine (harness.traffic.first_packet), which must know, not assume, the state a
module was in when a packet left: RRC connected or idle from +CSCON (3GPP TS 27.007 §10.1.30, switched on
with AT+CSCON=1 for the watch and put back afterwards), and PSM from the dialect's vendor report where it
has one (harness.dialects.psm_reports; 27.007 has none). A module leaving PSM is idle until +CSCON: 1.

Background work as STYLE 5 has it: the subscriptions are a context manager; the callbacks only record, in
the session's reader thread, and an exception there is re-raised by the session in the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Protocol, runtime_checkable

from harness.at import Urc
from harness.at.responses import Cscon, parse
from harness.dialects.modem import Modem
from harness.dialects.psm_reports import PsmReport
from harness.errors import ModemError, ParseError
from harness.traffic.registration_watch import ReportingModem

CSCON = "+CSCON"
CSCON_URC_ON = 1  # <n> 1: +CSCON: <mode> on every change (27.007 §10.1.30)


class ModemState(StrEnum):
    CONNECTED = "connected"  # RRC connected, +CSCON: 1
    IDLE = "idle"  # RRC idle, +CSCON: 0, not in PSM
    PSM = "psm"  # the module reported PSM entry


@runtime_checkable
class PsmReportingModem(Protocol):
    """A Modem whose dialect names its PSM entry report (harness.dialects.quectel_nbiot does)."""

    @property
    def psm_report(self) -> PsmReport | None: ...


def psm_report_of(modem: Modem) -> PsmReport | None:
    """The dialect's PSM entry report, or None when it has none."""
    return modem.psm_report if isinstance(modem, PsmReportingModem) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChange:
    """A state the harness learned of: `t_s` on the session clock; `is_read` for a read command's answer."""

    t_s: float
    state: ModemState
    is_read: bool = False


class ModemStateWatch:
    """`with ModemStateWatch(modem) as watch:` records +CSCON and PSM reports until the block ends."""

    def __init__(self, modem: ReportingModem, *, psm_report: PsmReport | None) -> None:
        self._session = modem.session
        self._psm_report = psm_report
        self._changes: list[StateChange] = []
        self._changed = threading.Condition()
        self._undo: list[Callable[[], None]] = []

    @property
    def has_psm_report(self) -> bool:
        return self._psm_report is not None

    def __enter__(self) -> ModemStateWatch:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    @property
    def state(self) -> ModemState:
        with self._changed:
            return self._changes[-1].state

    def latest(self) -> StateChange:
        with self._changed:
            return self._changes[-1]

    def changes_since(self, t_s: float) -> list[StateChange]:
        with self._changed:
            return [change for change in self._changes if change.t_s >= t_s]

    def wait_for(self, states: Collection[ModemState], *, timeout_s: float) -> StateChange:
        """The change that put the module in one of `states` (the latest one when it is in one already), or
        ModemError saying what was seen within timeout_s."""
        with self._changed:
            is_reached = self._changed.wait_for(lambda: self._changes[-1].state in states, timeout_s)
            if is_reached:
                return self._changes[-1]
            seen = " -> ".join(f"{c.state} at {c.t_s:.3f} s" for c in self._changes[-4:])
        wanted = " or ".join(states)
        raise ModemError(
            f"the module did not report {wanted} within {timeout_s:g} s; last states: {seen}; "
            f"transcript: {self._session.transcript.path or 'in memory'}"
        )

    def _start(self) -> None:
        response = self._session.send(f"AT{CSCON}?")
        cscon = response.parsed(CSCON)
        if not isinstance(cscon, Cscon) or cscon.n is None:
            raise ModemError(f"AT{CSCON}? gave no signalling connection status: {response.lines}")
        previous_n = cscon.n
        self._add(StateChange(t_s=self._session.now_s(), state=_rrc_state(cscon.mode), is_read=True))
        self._undo.append(self._session.subscribe(CSCON, self._on_cscon))
        if previous_n != CSCON_URC_ON:
            self._session.send(f"AT{CSCON}={CSCON_URC_ON}")
            self._undo.append(lambda: self._set_cscon_mode(previous_n))
        report = self._psm_report
        if report is not None:
            self._undo.append(self._session.subscribe(report.prefix, self._on_psm_report))
            if not report.is_enabled(self._session):
                report.set_enabled(self._session, True)
                self._undo.append(lambda: report.set_enabled(self._session, False))

    def _set_cscon_mode(self, n: int) -> None:
        self._session.send(f"AT{CSCON}={n}")

    def _stop(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _add(self, change: StateChange) -> None:
        with self._changed:
            self._changes.append(change)
            self._changed.notify_all()

    def _on_cscon(self, urc: Urc) -> None:  # the reader thread: only record
        try:
            line = parse(urc.line, solicited=False)
        except ParseError:
            return  # the transcript keeps the line; a report we cannot read tells no state
        if isinstance(line, Cscon):
            self._add(StateChange(t_s=urc.t_s, state=_rrc_state(line.mode)))

    def _on_psm_report(self, urc: Urc) -> None:  # the reader thread: only record
        assert self._psm_report is not None
        is_entry = self._psm_report.entry_of(urc.line)
        if is_entry is not None:
            self._add(StateChange(t_s=urc.t_s, state=ModemState.PSM if is_entry else ModemState.IDLE))


def _rrc_state(mode: int) -> ModemState:
    return ModemState.CONNECTED if mode == 1 else ModemState.IDLE
