"""virtual layer: network registration of a virtual module: the CFUN level, operator selection, the
registration state and the report commands that show it (+CEREG, +C5GREG).

3GPP TS 27.007 §7.2/§7.3/§10.1.22 as the BC660K AT manual [S5] §4.1, §7.2 and §9.3 documents them
(../shared/reference/cellular-iot.md §1.1, §1.2, §1.4, §1.6). With CFUN=1 and automatic (or manual, to the
serving PLMN) selection the module searches (<stat> 2) and registers attach_s later: home (1), or roaming
(5) when the network policy says the module roams. CFUN=0/4, +CGATT=0 and +COPS=2 deregister (<stat> 0). The
network can deregister the module and keep it out (it searches until let in again, or, as a lost coverage can
leave it, does not search: <stat> 0). Without a SIM it neither searches nor registers (<stat> 0).

A report command shows the registration of its domain (EPS for +CEREG, 5GS for +C5GREG): a module registered
in the other domain reports <stat> 0 there. URC layouts per <n> (the read form puts <n> first):
  n=1    <stat>                                       (sent when <stat> changes)
  n=2,3  <stat>[,<location...>[,<cause_type>,<reject_cause>]]  (also sent when the cell changes; n=3 adds
                                                       the cause while rejected, <stat> 3)
  n=4,5  <stat>[,<location...>[,[<cause_type>],[<reject_cause>],<Active-Time>,<Periodic-TAU>]]  +CEREG only:
                                                       the PSM timers the network granted (also sent when they
                                                       change); n=5 fills the cause fields while rejected
Location fields are shown while registered or rejected (the module camps on the cell that refused it); a
model can leave them empty in the read form while not registered (`is_read_location_registered_only`). The
network may answer an attempt with a reject (harness.virtual.registration_reject): <stat> 3 with its EMM
cause, and a retry after the back-off, or none before a CFUN or SIM cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from harness.emm_causes import CAUSE_TYPE_EMM
from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.registration_reject import Reject


class RegStat(IntEnum):
    NOT_SEARCHING = 0
    HOME = 1
    SEARCHING = 2
    DENIED = 3
    UNKNOWN = 4
    ROAMING = 5


class Fun(IntEnum):
    MINIMUM = 0
    FULL = 1
    RF_OFF = 4


class CopsMode(IntEnum):
    AUTOMATIC = 0
    MANUAL = 1
    DEREGISTER = 2
    SET_FORMAT = 3
    MANUAL_AUTOMATIC = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationEvents:
    """What the rest of the module hears from registration: attach done, registration lost."""

    on_registered: Callable[[], None]
    on_deregistered: Callable[[], None]
    on_stat_change: Callable[[], None]
    is_roaming: Callable[[], bool]
    answer_attempt: Callable[[], Reject | None]  # the network's answer: None accepts
    forget_failures: Callable[[], None]  # registered, or a CFUN or SIM cycle: the attempt counter restarts
    attach_s: Callable[[], float]  # how long this attempt takes: a full attach, or one with a stored GUTI
    # the serving PLMN is in the SIM's forbidden list: automatic selection does not register there
    is_forbidden: Callable[[], bool] = lambda: False


class RegistrationReport:
    """One report command (+CEREG, +C5GREG): its <n>, its lines, and the URCs it owes.

    `location` gives the fields after <stat> for n>=2 while registered; `timers` (+CEREG) the two PSM timer
    fields for n>=4, or None while none were granted."""

    def __init__(
        self,
        *,
        prefix: str,
        max_n: int,
        is_in_domain: bool,
        location: Callable[[], list[str]],
        timers: Callable[[], tuple[str, str] | None] | None = None,
        reject_cause: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.prefix = prefix
        self.max_n = max_n
        self.is_in_domain = is_in_domain
        self.n = 0
        self._location = location
        self._timers = timers
        self._reject_cause = reject_cause
        # a model whose read form has location fields only while registered (BC660K manual [S5] §4.1)
        self.is_read_location_registered_only = False
        self._reported: tuple[str, ...] | None = None

    def stat_of(self, stat: RegStat) -> RegStat:
        return stat if self.is_in_domain else RegStat.NOT_SEARCHING

    def read_line(self, stat: RegStat) -> str:
        return f"{self.prefix}: " + ",".join([str(self.n), *self._fields(stat, is_read=True)])

    def urc_line(self, stat: RegStat) -> str:
        return f"{self.prefix}: " + ",".join(self._fields(stat))

    def due_urc(self, stat: RegStat, *, is_cell_change: bool) -> str | None:
        """The URC this report sends now, by its <n>: None when nothing it shows has changed."""
        fields = tuple(self._fields(stat))
        previous, self._reported = self._reported, fields
        if self.n == 0 or (fields == previous and not is_cell_change):
            return None
        is_stat_change = previous is None or previous[0] != fields[0]
        if self.n == 1 and not is_stat_change:
            return None
        return self.urc_line(stat)

    def _fields(self, stat: RegStat, *, is_read: bool = False) -> list[str]:
        shown = self.stat_of(stat)
        fields = [str(int(shown))]
        if self.n < 2 or shown not in (RegStat.HOME, RegStat.ROAMING, RegStat.DENIED):
            return fields
        location = self._location()
        is_located = not (is_read and self.is_read_location_registered_only and shown is RegStat.DENIED)
        fields += location if is_located else [""] * len(location)
        cause = self._reject_cause() if shown is RegStat.DENIED and self.n in (3, 5) else None
        if not is_located and cause is None:
            return fields[:1]
        cause_fields = ["", ""] if cause is None else [str(CAUSE_TYPE_EMM), str(cause)]
        timers = self._timers() if self._timers is not None and self.n >= 4 else None
        if timers is not None:
            return [*fields, *cause_fields, f'"{timers[0]}"', f'"{timers[1]}"']
        return fields if cause is None else [*fields, *cause_fields]


class Registration:
    def __init__(self, *, loop: EventLoop, events: RegistrationEvents) -> None:
        self._loop = loop
        self._events = events
        self._attach_timer: Timer | None = None
        self._retry_timer: Timer | None = None
        self.cause: int | None = None  # of the reject the module is under, None when it is not
        self.reports: list[RegistrationReport] = []
        self.report_urc: Callable[[str], None] = _ignore
        self.fun = Fun.MINIMUM
        self.stat = RegStat.NOT_SEARCHING
        self.cops_mode = CopsMode.AUTOMATIC
        self.is_barred = False  # the network keeps the module out
        self.has_sim = True
        self.is_sim_locked = False  # the card waits for its PIN (harness.virtual.sim_lock)

    @property
    def is_registered(self) -> bool:
        return self.stat in (RegStat.HOME, RegStat.ROAMING)

    def set_fun(self, fun: Fun) -> None:
        previous, self.fun = self.fun, fun
        if fun is Fun.FULL and previous is not Fun.FULL:
            self.attach()
        elif fun is not Fun.FULL:
            self._forget_reject()
            self.detach()

    def attach(self) -> None:
        """Search, and have the network answer attach_s from now, unless already registered or searching,
        not at CFUN=1, deregistered by +COPS=2, without a SIM or its PIN, or under a reject (its back-off
        decides). In automatic selection a PLMN in the SIM's forbidden list is not registered on: the module
        searches (TS 23.122 §3.1: forbidden PLMNs are not selected automatically)."""
        if (
            self.fun is not Fun.FULL
            or self.cops_mode is CopsMode.DEREGISTER
            or self.is_registered
            or not self.has_sim
            or self.is_sim_locked
            or self.cause is not None
        ):
            return
        self._set_stat(RegStat.SEARCHING)
        is_forbidden = self.cops_mode is CopsMode.AUTOMATIC and self._events.is_forbidden()
        if self._attach_timer is None and not self.is_barred and not is_forbidden:
            self._attach_timer = self._loop.call_later(self._events.attach_s(), self._answered)

    def detach(self) -> None:
        self._cancel_attach()
        was_registered = self.is_registered
        self._set_stat(RegStat.NOT_SEARCHING)
        if was_registered:
            self._events.on_deregistered()

    def bar(self, *, is_searching: bool = True) -> None:
        """The network deregisters the module and refuses it; at CFUN=1 it keeps searching, unless not
        `is_searching`."""
        self.is_barred = True
        is_searching = is_searching and self.fun is Fun.FULL and self.has_sim
        self._lose(RegStat.SEARCHING if is_searching else RegStat.NOT_SEARCHING)

    def unbar(self) -> None:
        self.is_barred = False
        if not self.is_registered and self.cause is None:  # a rejected module keeps to its back-off
            self.stat = RegStat.NOT_SEARCHING  # searching again from now (a report shows it when it changes)
            self.attach()

    def remove_sim(self) -> None:
        self.has_sim = False
        self._forget_reject()
        self._lose(RegStat.NOT_SEARCHING)

    def insert_sim(self) -> None:
        self.has_sim = True
        self.attach()

    def _lose(self, stat: RegStat) -> None:
        self._cancel_attach()
        was_registered = self.is_registered
        self._set_stat(stat)
        if was_registered:
            self._events.on_deregistered()

    def power_off(self) -> None:
        """Everything off at once, without URCs (a reset); <n> is kept (NVRAM, [S5] §4.1)."""
        self._cancel_attach()
        self._forget_reject()
        self.fun = Fun.MINIMUM
        self.stat = RegStat.NOT_SEARCHING
        for report in self.reports:
            report.due_urc(self.stat, is_cell_change=False)  # forget what was reported before the reset

    def report(self, *, is_cell_change: bool = False) -> None:
        """Send the URCs the reports owe: after a change of state, cell or granted timers."""
        for report in self.reports:
            line = report.due_urc(self.stat, is_cell_change=is_cell_change)
            if line is not None:
                self.report_urc(line)

    def _answered(self) -> None:
        self._attach_timer = None
        reject = self._events.answer_attempt()
        if reject is not None:
            self._rejected(reject)
            return
        self._events.forget_failures()
        # registered before anything reports it, so that the first URC carries what the attach granted
        self.stat = RegStat.ROAMING if self._events.is_roaming() else RegStat.HOME
        self._events.on_registered()
        self._events.on_stat_change()
        self.report()

    def _rejected(self, reject: Reject) -> None:
        """<stat> 3 with the cause; the module tries again after its back-off, or not by itself."""
        self.cause = reject.cause
        self._set_stat(RegStat.DENIED)
        if reject.retry_after_s is not None:
            self._retry_timer = self._loop.call_later(reject.retry_after_s, self._retry)

    def _retry(self) -> None:
        self._retry_timer = None
        self.cause = None
        self.attach()

    def _forget_reject(self) -> None:
        """A CFUN or SIM cycle (or a reset): the reject and the attempt counter are forgotten."""
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None
        self.cause = None
        self._events.forget_failures()

    def _cancel_attach(self) -> None:
        if self._attach_timer is not None:
            self._attach_timer.cancel()
            self._attach_timer = None

    def _set_stat(self, stat: RegStat) -> None:
        if stat is self.stat:
            return
        self.stat = stat
        self._events.on_stat_change()
        self.report()


def _ignore(line: str) -> None:
    del line
