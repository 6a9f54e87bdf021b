"""power layer: the current a virtual module draws, rendered from the states it reports (its state timeline,
harness.virtual.state_timeline) and what its status said about radio and grants, with the figures of
harness.power.module_currents. Pure: the virtual rail (harness.power.analyzer_virtual) polls the module and
samples what this builds.

Per state (cellular-iot.md §4.5, §5; figures and their sources in module_currents):
  off (booting)   boot current
  deregistered    the deregistered current (CFUN=0 or detached, radio listening for nothing)
  searching       receive current (J: a cell search keeps the receiver on)
  connected       receive current from the connection's start to its release; a periodic TAU is such a
                  connection
  idle            idle sleep current with a paging burst (receive current) at every paging occasion: one
                  per paging cycle counted from idle entry (J: a real cell places them by UE identity),
                  or with eDRX inside each paging time window only, a wake-up burst before each window,
                  and eDRX sleep current between windows
  psm             the PSM floor
On top, the module's air uses (harness.virtual.state_timeline, booked by its link model): transmit current
at the TX power the module used for every uplink packet's air time and every RRC set-up (J: random access
and set-up counted as transmitting), receive current for downlink; each replaces the state's own level for
its time (in idle with eDRX the idle sleep level stands for the state's: J, µA against mA). Air uses while
the module is off or deregistered draw nothing (a reset or detach ended what the link had queued).
Bursts carry the table's charges (paging_charge_uc, edrx_wake_charge_uc) at receive current; their length is
charge / (receive - sleep) times the module's timer_scale, as the module runs its idle timers that many
times their coded length: a trace of a scaled module is the unscaled trace compressed in time, so averages
over a paging or eDRX cycle stay those of the table. A burst is cut to half a paging cycle at most (timer
scales that squeeze cycles below two bursts lose charge).

Sleep (PSM floor and eDRX sleep) carries DC/DC refresh spikes (module_currents: Poisson times from a seeded
generator, DCDC_SPIKE_S long, together DCDC_SPIKE_SHARE of the sleep current), so a long window's mean is the
table's figure with the spikes included (indicators.md §5.5).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from harness.power.current_steps import Boxcar
from harness.power.module_currents import (
    DCDC_SPIKE_HZ,
    DCDC_SPIKE_S,
    DCDC_SPIKE_SHARE,
    ModuleCurrents,
)
from harness.virtual.state_timeline import AirKind, AirUse, ModemState

MAX_BURST_SHARE_OF_PAGING_CYCLE = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxTiming:
    """A granted eDRX cycle and PTW (scaled, seconds) and the start of one of its windows (module clock)."""

    cycle_s: float
    ptw_s: float
    window_start_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleSnapshot:
    """What one status poll said (module clock)."""

    t_s: float
    edrx: EdrxTiming | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatePeriod:
    """A state from when it was entered (perhaps before the recording) to when it was left."""

    state: ModemState
    start_s: float
    stop_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RailSpec:
    currents: ModuleCurrents
    paging_cycle_s: float  # scaled, as the module runs it
    timer_scale: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleHistory:
    """What the module reported over a recording: its states, status snapshots and air uses."""

    periods: Sequence[StatePeriod]
    snapshots: Sequence[ModuleSnapshot]
    air: Sequence[AirUse]


def state_periods(changes: Sequence[tuple[float, ModemState]], *, stop_s: float) -> list[StatePeriod]:
    """Consecutive periods from time-ordered state changes; the last lasts until `stop_s`."""
    ends = [t_s for t_s, _ in changes[1:]] + [stop_s]
    return [
        StatePeriod(state=state, start_s=t_s, stop_s=end_s)
        for (t_s, state), end_s in zip(changes, ends, strict=True)
        if end_s > t_s
    ]


def snapshot_for(period: StatePeriod, snapshots: Sequence[ModuleSnapshot]) -> ModuleSnapshot:
    """The first snapshot taken inside the period, else the last one before it (grants change only with a
    connection, so an idle period's first poll shows the grants it runs with)."""
    inside = [s for s in snapshots if period.start_s <= s.t_s < period.stop_s]
    if inside:
        return inside[0]
    before = [s for s in snapshots if s.t_s < period.start_s]
    return before[-1] if before else snapshots[0]


def rail_boxcars(
    history: ModuleHistory, spec: RailSpec, *, window: tuple[float, float], rng: np.random.Generator
) -> list[Boxcar]:
    """The current of every period and air use, clipped to `window` (start, stop; module clock)."""
    boxcars: list[Boxcar] = []
    for period in history.periods:
        start_s, stop_s = max(period.start_s, window[0]), min(period.stop_s, window[1])
        if stop_s > start_s:
            snapshot = snapshot_for(period, history.snapshots)
            boxcars.extend(_period(period, (start_s, stop_s), snapshot, spec, rng))
    boxcars.extend(_air(history.periods, history.air, spec.currents, window))
    return boxcars


def _air(
    periods: Sequence[StatePeriod], uses: Sequence[AirUse], row: ModuleCurrents, window: tuple[float, float]
) -> Iterator[Boxcar]:
    """Each air use's level above the level of the states it falls in (module docstring)."""
    period_starts_s = [period.start_s for period in periods]
    for use in uses:
        if use.kind is AirKind.DL or use.tx_power_dbm is None:
            level_ua = row.rx_ua
        else:
            level_ua = row.tx_ua(use.tx_power_dbm)
        index = max(bisect.bisect_right(period_starts_s, use.start_s) - 1, 0)
        for period in periods[index:]:
            if period.start_s >= use.stop_s:
                break
            base_ua = _state_level_ua(period.state, row)
            if base_ua is not None:
                span = (max(window[0], period.start_s), min(window[1], period.stop_s))
                yield _clipped(use.start_s, use.stop_s, level_ua - base_ua, span)


def _state_level_ua(state: ModemState, row: ModuleCurrents) -> float | None:
    """The level an air use replaces; None where the radio is off."""
    match state:
        case ModemState.CONNECTED | ModemState.SEARCHING:
            return row.rx_ua
        case ModemState.IDLE:
            return row.idle_sleep_ua
        case ModemState.PSM:
            return row.psm_floor_ua
        case _:
            return None


def _period(
    period: StatePeriod,
    span: tuple[float, float],
    snapshot: ModuleSnapshot,
    spec: RailSpec,
    rng: np.random.Generator,
) -> Iterator[Boxcar]:
    row = spec.currents
    start_s, stop_s = span
    match period.state:
        case ModemState.OFF:
            yield Boxcar(start_s=start_s, stop_s=stop_s, current_ua=row.boot_ua)
        case ModemState.DEREGISTERED:
            yield Boxcar(start_s=start_s, stop_s=stop_s, current_ua=row.deregistered_ua)
        case ModemState.SEARCHING | ModemState.CONNECTED:
            yield Boxcar(start_s=start_s, stop_s=stop_s, current_ua=row.rx_ua)
        case ModemState.PSM:
            yield from _sleep(start_s, stop_s, row.psm_floor_ua, rng)
        case ModemState.IDLE if snapshot.edrx is None:
            yield Boxcar(start_s=start_s, stop_s=stop_s, current_ua=row.idle_sleep_ua)
            yield from _paging(period.start_s, span, spec, extent_s=math.inf)
        case ModemState.IDLE:
            assert snapshot.edrx is not None
            yield from _edrx_idle(span, snapshot.edrx, spec, rng)


def _paging(
    first_s: float, span: tuple[float, float], spec: RailSpec, *, extent_s: float
) -> Iterator[Boxcar]:
    """Paging bursts at first_s + k x paging cycle (k >= 1 from idle entry, k >= 0 in a PTW starting at
    first_s), those before first_s + extent_s and inside span."""
    row, cycle_s = spec.currents, spec.paging_cycle_s
    burst_s = _burst_s(row.paging_charge_uc, row.rx_ua - row.idle_sleep_ua, spec)
    k_first = 0 if math.isfinite(extent_s) else 1
    k_low = max(k_first, math.ceil((span[0] - burst_s - first_s) / cycle_s - 1e-9))
    k_high = math.floor((min(span[1], first_s + extent_s) - first_s) / cycle_s - 1e-9)
    for k in range(k_low, k_high + 1):
        at_s = first_s + k * cycle_s
        if at_s < first_s + extent_s:
            yield _clipped(at_s, at_s + burst_s, row.rx_ua - row.idle_sleep_ua, span)


def _edrx_idle(
    span: tuple[float, float], edrx: EdrxTiming, spec: RailSpec, rng: np.random.Generator
) -> Iterator[Boxcar]:
    row = spec.currents
    wake_s = _burst_s(row.edrx_wake_charge_uc, row.rx_ua - row.edrx_sleep_ua, spec)
    n_first = math.floor((span[0] - edrx.window_start_s) / edrx.cycle_s)
    n_last = math.floor((span[1] + wake_s - edrx.window_start_s) / edrx.cycle_s)
    asleep_from_s = span[0]
    for n in range(n_first, n_last + 1):
        window_s = edrx.window_start_s + n * edrx.cycle_s
        window_end_s = window_s + edrx.ptw_s
        yield from _sleep(asleep_from_s, min(max(window_s, asleep_from_s), span[1]), row.edrx_sleep_ua, rng)
        yield _clipped(window_s - wake_s, window_s, row.rx_ua - row.edrx_sleep_ua, span)
        yield _clipped(window_s, window_end_s, row.idle_sleep_ua, span)
        yield from _paging(window_s, span, spec, extent_s=edrx.ptw_s)
        asleep_from_s = min(max(window_end_s, asleep_from_s), span[1])
    yield from _sleep(asleep_from_s, span[1], row.edrx_sleep_ua, rng)


def _burst_s(charge_uc: float, above_sleep_ua: float, spec: RailSpec) -> float:
    length_s = charge_uc / above_sleep_ua * spec.timer_scale if above_sleep_ua > 0 else 0.0
    return min(length_s, spec.paging_cycle_s * MAX_BURST_SHARE_OF_PAGING_CYCLE)


def _clipped(start_s: float, stop_s: float, current_ua: float, span: tuple[float, float]) -> Boxcar:
    return Boxcar(start_s=max(start_s, span[0]), stop_s=min(stop_s, span[1]), current_ua=current_ua)


def _sleep(start_s: float, stop_s: float, level_ua: float, rng: np.random.Generator) -> Iterator[Boxcar]:
    """Sleep at `level_ua` on average: a lower base and seeded DC/DC spikes on top."""
    duration_s = stop_s - start_s
    if duration_s <= DCDC_SPIKE_S:
        yield Boxcar(start_s=start_s, stop_s=stop_s, current_ua=level_ua)
        return
    yield Boxcar(start_s=start_s, stop_s=stop_s, current_ua=level_ua * (1 - DCDC_SPIKE_SHARE))
    spike_ua = level_ua * DCDC_SPIKE_SHARE / (DCDC_SPIKE_HZ * DCDC_SPIKE_S)
    count = int(rng.poisson(DCDC_SPIKE_HZ * duration_s))
    for at_s in np.sort(rng.uniform(start_s, stop_s - DCDC_SPIKE_S, count)):
        yield Boxcar(start_s=float(at_s), stop_s=float(at_s) + DCDC_SPIKE_S, current_ua=spike_ua)
