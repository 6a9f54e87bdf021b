"""virtual layer: EPS registration of a virtual module: the CFUN level, +CEREG state, URCs and read form.

3GPP TS 27.007 §7.2/§10.1.22 as the BC660K AT manual [S5] §4.1 and §9.3 documents them
(../shared/reference/cellular-iot.md §1.1, §1.6). With CFUN=1 the module searches (<stat> 2) and registers on
the home network (<stat> 1) attach_s later; CFUN=0 or 4 deregisters (<stat> 0). URC and read layouts per <n>:
  n=1    +CEREG: <stat>
  n=2,3  +CEREG: <stat>,"<tac>","<ci>",<AcT>     (location only while registered; n=3 adds cause fields
                                                  only after a reject, which this model never has)
  n=4,5  ... ,<AcT>,,,"<Active-Time>","<Periodic-TAU>"   (the cause fields empty)
The read form puts <n> first. The timers are the ones the options say the network grants (PSM negotiation
is not modelled yet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.radio import ServingCell


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


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationEvents:
    """What the rest of the module hears from registration: URC lines, attach done, registration lost."""

    emit: Callable[[str], None]
    on_registered: Callable[[], None]
    on_deregistered: Callable[[], None]


class Registration:
    def __init__(
        self,
        *,
        loop: EventLoop,
        attach_s: float,
        cell: ServingCell,
        granted_timers: tuple[str, str],
        events: RegistrationEvents,
    ) -> None:
        self._loop = loop
        self._attach_s = attach_s
        self._cell = cell
        self._granted_timers = granted_timers
        self._events = events
        self._attach_timer: Timer | None = None
        self.fun = Fun.MINIMUM
        self.stat = RegStat.NOT_SEARCHING
        self.n = 0

    @property
    def is_registered(self) -> bool:
        return self.stat in (RegStat.HOME, RegStat.ROAMING)

    def set_fun(self, fun: Fun) -> None:
        previous, self.fun = self.fun, fun
        if fun is Fun.FULL and previous is not Fun.FULL:
            self.attach()
        elif fun is not Fun.FULL:
            self.detach()

    def attach(self) -> None:
        """Search and register attach_s from now, unless already registered, searching or not at CFUN=1."""
        if self.fun is not Fun.FULL or self.is_registered or self._attach_timer is not None:
            return
        self._set_stat(RegStat.SEARCHING)
        self._attach_timer = self._loop.call_later(self._attach_s, self._attached)

    def detach(self) -> None:
        if self._attach_timer is not None:
            self._attach_timer.cancel()
            self._attach_timer = None
        was_registered = self.is_registered
        self._set_stat(RegStat.NOT_SEARCHING)
        if was_registered:
            self._events.on_deregistered()

    def power_off(self) -> None:
        """Everything off at once, without URCs (a reset); <n> is kept (NVRAM, [S5] §4.1)."""
        if self._attach_timer is not None:
            self._attach_timer.cancel()
            self._attach_timer = None
        self.fun = Fun.MINIMUM
        self.stat = RegStat.NOT_SEARCHING

    def urc_line(self) -> str:
        return "+CEREG: " + ",".join(self._fields())

    def read_line(self) -> str:
        return "+CEREG: " + ",".join([str(self.n), *self._fields()])

    def _attached(self) -> None:
        self._attach_timer = None
        self._set_stat(RegStat.HOME)
        self._events.on_registered()

    def _set_stat(self, stat: RegStat) -> None:
        if stat is self.stat:
            return
        self.stat = stat
        if self.n > 0:
            self._events.emit(self.urc_line())

    def _fields(self) -> list[str]:
        fields = [str(int(self.stat))]
        if self.n >= 2 and self.is_registered:
            fields += [f'"{self._cell.tac}"', f'"{self._cell.cell_id}"', str(self._cell.act)]
            if self.n >= 4:
                active_time, periodic_tau = self._granted_timers
                fields += ["", "", f'"{active_time}"', f'"{periodic_tau}"']
        return fields
