"""virtual layer: a registered module between RRC connections: PSM and eDRX timing, and the downlink the
network holds for a module it cannot reach.

3GPP TS 24.301 as cellular-iot.md §5 and the BC660K hardware design [S19] §3.4.2 describe it: when the RRC
connection is released, T3412 (periodic TAU) starts, and T3324 (active time) when PSM was granted; while
T3324 runs the module is reachable (paging); when it expires the module is in PSM, unreachable, until it
sends uplink data or T3412 expires (a periodic TAU). With eDRX the module listens only inside its paging time
window (PTW): one per eDRX cycle, with a paging occasion every paging cycle inside it (cellular-iot.md §2.5,
§5.2). The windows are counted from when eDRX was granted (judgement: a real cell counts them from hyperframe
0 and the UE identity; any fixed phase tests the same behaviour).

Downlink for a module in PSM, or in eDRX outside a paging occasion, is held by the network (up to the
policy's dl_buffer_count datagrams, more are dropped) and delivered at the next reachability: when the module
wakes, or at the next paging occasion. Without eDRX an idle module is paged at once (paging and RRC set-up are
inside the link's rrc_setup_ms). All durations here are multiplied by the options' timer_scale.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from harness.virtual.event_loop import EventLoop, Timer

# 24.301 default T3412 (54 min, cellular-iot.md §2.3) when no extended value was granted.
DEFAULT_T3412_S = 54 * 60


@dataclass(frozen=True, slots=True, kw_only=True)
class IdleEvents:
    enter_psm: Callable[[], None]
    exit_psm: Callable[[], None]
    periodic_tau: Callable[[], None]
    deliver: Callable[[int, Callable[[], None]], None]  # hand a held datagram to the link now


@dataclass(frozen=True, slots=True, kw_only=True)
class IdleTimers:
    """The granted timers in seconds (already scaled); None where not granted."""

    active_time_s: float | None
    periodic_tau_s: float
    edrx_cycle_s: float | None
    ptw_s: float | None
    paging_cycle_s: float


class IdleMode:
    def __init__(self, *, loop: EventLoop, events: IdleEvents) -> None:
        self._loop = loop
        self._events = events
        self.timers = IdleTimers(
            active_time_s=None,
            periodic_tau_s=DEFAULT_T3412_S,
            edrx_cycle_s=None,
            ptw_s=None,
            paging_cycle_s=1.0,
        )
        self.is_in_psm = False
        self.held: deque[tuple[int, Callable[[], None]]] = deque()
        self.dl_buffer_count = 0
        self.dropped_count = 0
        self._edrx_epoch_s = 0.0
        self._t3324: Timer | None = None
        self._t3412: Timer | None = None
        self._paging: Timer | None = None

    def grant(self, timers: IdleTimers) -> None:
        """New grants (attach or TAU); an eDRX cycle counts its windows from now."""
        if timers.edrx_cycle_s != self.timers.edrx_cycle_s or timers.ptw_s != self.timers.ptw_s:
            self._edrx_epoch_s = self._loop.now_s()
        self.timers = timers

    # --- RRC and registration ----------------------------------------------------------------------------

    def on_connected(self) -> None:
        """An RRC connection came up: the idle timers stop; held downlink goes out on it."""
        self._cancel_idle_timers()
        self.wake()
        self._flush()

    def on_released(self) -> None:
        """The RRC connection was released: T3412 starts, and T3324 when PSM was granted."""
        self._cancel_idle_timers()
        self._t3412 = self._loop.call_later(self.timers.periodic_tau_s, self._periodic_tau_due)
        if self.timers.active_time_s is not None:
            self._t3324 = self._loop.call_later(self.timers.active_time_s, self._active_time_over)

    def on_deregistered(self) -> None:
        """No registration, nothing to be reachable for: timers stop, held downlink is lost."""
        self._cancel_idle_timers()
        self.is_in_psm = False
        self.dropped_count += len(self.held)
        self.held.clear()

    def wake(self) -> None:
        """Leave PSM (uplink data, a TAU); nothing happens when not in PSM."""
        if self.is_in_psm:
            self.is_in_psm = False
            self._events.exit_psm()

    # --- downlink ----------------------------------------------------------------------------------------

    def downlink(self, payload_bytes: int, deliver: Callable[[], None]) -> None:
        """A datagram for an idle module: paged at once, or held until it can be reached."""
        if not self.is_in_psm and self.timers.edrx_cycle_s is None:
            self._events.deliver(payload_bytes, deliver)
            return
        if len(self.held) >= self.dl_buffer_count:
            self.dropped_count += 1
            return
        self.held.append((payload_bytes, deliver))
        if not self.is_in_psm and self._paging is None:
            self._paging = self._loop.call_at(self.next_paging_occasion_s(self._loop.now_s()), self._paged)

    def edrx_window_start_s(self, at_s: float) -> float:
        """The start of the paging time window of the eDRX cycle `at_s` is in (eDRX granted): windows
        start there and every edrx_cycle_s before and after it."""
        cycle_s = self.timers.edrx_cycle_s
        assert cycle_s is not None
        return self._edrx_epoch_s + math.floor((at_s - self._edrx_epoch_s) / cycle_s) * cycle_s

    def next_paging_occasion_s(self, at_s: float) -> float:
        """The first paging occasion inside a PTW at or after `at_s` (eDRX granted)."""
        t = self.timers
        assert t.edrx_cycle_s is not None
        assert t.ptw_s is not None
        window_s = self.edrx_window_start_s(at_s)
        occasion_s = window_s + math.ceil(max(at_s - window_s, 0.0) / t.paging_cycle_s) * t.paging_cycle_s
        return occasion_s if occasion_s < window_s + t.ptw_s else window_s + t.edrx_cycle_s

    # --- timers ------------------------------------------------------------------------------------------

    def _active_time_over(self) -> None:
        self._t3324 = None
        self._cancel_paging()
        self.is_in_psm = True
        self._events.enter_psm()

    def _periodic_tau_due(self) -> None:
        self._t3412 = None
        self._events.periodic_tau()

    def _paged(self) -> None:
        self._paging = None
        if not self.is_in_psm:
            self._flush()

    def _flush(self) -> None:
        self._cancel_paging()
        while self.held:
            self._events.deliver(*self.held.popleft())

    def _cancel_paging(self) -> None:
        if self._paging is not None:
            self._paging.cancel()
            self._paging = None

    def _cancel_idle_timers(self) -> None:
        for timer in (self._t3324, self._t3412):
            if timer is not None:
                timer.cancel()
        self._t3324 = self._t3412 = None
