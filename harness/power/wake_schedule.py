"""power layer: the wake schedule a module's granted timers predict, and its check against what was seen.

3GPP TS 24.301 as ../shared/reference/cellular-iot.md §5.1 and §5.2 describe it: when the RRC connection is
released (`+CSCON: 0`) T3412 (periodic TAU) starts, and T3324 (active time) when PSM was granted; the module
enters PSM when T3324 expires (expected t_PSM = t(CSCON 0) + T3324 ± one paging cycle, §5.1 step 3) and wakes
for the periodic TAU when T3412 expires (§5.1 step 7), unless uplink data wakes it earlier. With eDRX it
listens for one paging time window (PTW) per eDRX cycle (§5.2 step 2).

`predict_schedule` lists the events those timers imply after one release; `check_schedule` pairs each
predicted event with the first observed one of its kind within a tolerance and reports every pairing, the
misses too: a mismatch is a finding (issue 6 item 5), reported as a KPI, never dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class WakeEvent(StrEnum):
    PSM_ENTRY = "psm_entry"
    PERIODIC_TAU = "periodic_tau"
    PAGING_WINDOW = "paging_window"


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantedTimers:
    """What the network granted, in seconds as the module runs them; None where not granted."""

    active_time_s: float | None
    periodic_tau_s: float | None
    edrx_cycle_s: float | None = None
    ptw_s: float | None = None
    paging_cycle_s: float = 2.56  # NB-IoT idle DRX (cellular-iot.md §5.2 step 2); the plan may say otherwise

    def scaled(self, factor: float) -> GrantedTimers:
        """The timers as a module runs them `factor` times their coded length (a virtual rig's timer_scale;
        1 on hardware); the paging cycle is the plan's, already as run."""
        return dataclasses.replace(
            self,
            active_time_s=None if self.active_time_s is None else self.active_time_s * factor,
            periodic_tau_s=None if self.periodic_tau_s is None else self.periodic_tau_s * factor,
            edrx_cycle_s=None if self.edrx_cycle_s is None else self.edrx_cycle_s * factor,
            ptw_s=None if self.ptw_s is None else self.ptw_s * factor,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictedEvent:
    event: WakeEvent
    at_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleCheck:
    """One predicted event and what was seen of it: `observed_s` None when nothing came within tolerance."""

    event: WakeEvent
    predicted_s: float
    observed_s: float | None
    tolerance_s: float

    @property
    def error_s(self) -> float | None:
        return None if self.observed_s is None else self.observed_s - self.predicted_s

    @property
    def is_match(self) -> bool:
        return self.observed_s is not None


def predict_schedule(
    timers: GrantedTimers, *, released_s: float, until_s: float, edrx_window_start_s: float | None = None
) -> list[PredictedEvent]:
    """The events after an RRC release at `released_s` up to `until_s`, in time order, assuming no uplink
    wakes the module: PSM entry, the periodic TAU, and (eDRX, while not in PSM) the start of each paging
    window counted from `edrx_window_start_s` (a real cell counts them from hyperframe 0 and the UE identity,
    so the first one is taken from an observation)."""
    events: list[PredictedEvent] = []
    psm_entry_s = None if timers.active_time_s is None else released_s + timers.active_time_s
    if psm_entry_s is not None and psm_entry_s <= until_s:
        events.append(PredictedEvent(event=WakeEvent.PSM_ENTRY, at_s=psm_entry_s))
    if timers.periodic_tau_s is not None and released_s + timers.periodic_tau_s <= until_s:
        events.append(PredictedEvent(event=WakeEvent.PERIODIC_TAU, at_s=released_s + timers.periodic_tau_s))
    if timers.edrx_cycle_s is not None and edrx_window_start_s is not None:
        listening_until_s = until_s if psm_entry_s is None else min(until_s, psm_entry_s)
        window_s = edrx_window_start_s
        while window_s <= listening_until_s:
            if window_s >= released_s:
                events.append(PredictedEvent(event=WakeEvent.PAGING_WINDOW, at_s=window_s))
            window_s += timers.edrx_cycle_s
    return sorted(events, key=lambda event: event.at_s)


def check_schedule(
    predicted: Sequence[PredictedEvent],
    observed: Mapping[WakeEvent, Sequence[float]],
    *,
    tolerance_s: Mapping[WakeEvent, float],
) -> list[ScheduleCheck]:
    """Each predicted event against the nearest observed event of its kind within its tolerance (each
    observation serves one prediction)."""
    unused = {event: sorted(times) for event, times in observed.items()}
    checks = []
    for item in predicted:
        tolerance = tolerance_s[item.event]
        candidates = [t for t in unused.get(item.event, []) if abs(t - item.at_s) <= tolerance]
        seen = min(candidates, key=lambda t: abs(t - item.at_s)) if candidates else None
        if seen is not None:
            unused[item.event].remove(seen)
        checks.append(
            ScheduleCheck(event=item.event, predicted_s=item.at_s, observed_s=seen, tolerance_s=tolerance)
        )
    return checks


def mismatch_count(checks: Sequence[ScheduleCheck]) -> int:
    return sum(not check.is_match for check in checks)
