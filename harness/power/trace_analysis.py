"""power layer: what procedures compute from a current trace (harness.power.analyzer's rows: t_s, the mean
current_ua over [t_s, next t_s), voltage_v where known).

Definitions from ../shared/reference/indicators.md §5.5 and cellular-iot.md §5.1:
- `charge_uc(trace, start_s, stop_s)`: ∫ I dt in µC; `minus_floor_ua` takes floor x duration off, as
  charge_per_report_uc does.
- `energy_mj`: ∫ I·V dt with the trace's voltage_v, or with a supply voltage given
  (energy_per_report_mj = charge_per_report_uc x V / 1000).
- `find_psm_entry_s`: the current falling to the floor: the first sample at or below `floor_ua x margin`
  after which at least `FLOOR_SHARE` of the samples of the next `hold_s` stay there. Sparse DC/DC refresh
  spikes ([S18]: mA-level pulses in deep sleep) do not hide the floor; a paging occasion in idle DRX
  is far above the floor, and so is the idle sleep current between occasions (tens of µA, [S26]). eDRX
  sleep between paging time windows is at the floor ([S17]: eDRX averages sit just above it): with eDRX,
  only a `hold_s` longer than the eDRX cycle tells PSM from eDRX sleep.
- `sleep_window`: §5.1 step 4: the mean over at least 10 s once in PSM, spikes included; it starts at the
  PSM entry and ends where the current leaves the floor for EXIT_HOLD_S (a TAU, uplink) or where the trace
  ends, and is None when that leaves less than `min_window_s` (the value is then missing, not a shorter
  average: STYLE 7).
- `marker_window`: the stretch between two test-event markers (harness.power.analyzer.Marker), e.g. from
  "report sent" to "psm entered", to take a charge or mean over; report_budget.segment_trace cuts a whole
  trace at markers given as StateMarks.
The last row covers one median period after its t_s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.power.analyzer import CURRENT_COLUMN, TIME_COLUMN, VOLTAGE_COLUMN, Marker
from harness.power.current_steps import FloatArray

SLEEP_WINDOW_MIN_S = 10.0  # cellular-iot.md §5.1 step 4
FLOOR_MARGIN = 2.0  # (J) a floor sample may be twice the datasheet floor (temperature, supply: [S18])
FLOOR_SHARE = 0.9  # (J) DC/DC spikes take a few per cent of samples at 1 kHz (harness.power.module_currents)
EXIT_HOLD_S = 0.02  # (J) shorter than any RRC connection (RRC set-up alone takes tens of ms), longer
# than a DC/DC spike (microseconds, [S18])
DEFAULT_HOLD_S = 5.0  # (J) longer than the longest idle paging cycle (2.56 s), shorter than any T3412
_UJ_PER_MJ = 1000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    start_s: float
    stop_s: float

    @property
    def duration_s(self) -> float:
        return self.stop_s - self.start_s


def charge_uc(trace: pd.DataFrame, start_s: float, stop_s: float, *, minus_floor_ua: float = 0.0) -> float:
    """The charge drawn from start_s to stop_s (µC), less `minus_floor_ua` over that time."""
    edges_s, _ = _edges(trace)
    charges = _cumulative(edges_s, trace[CURRENT_COLUMN].to_numpy(dtype=float))
    start_s, stop_s = _within(edges_s, start_s, stop_s)
    drawn = float(np.interp(stop_s, edges_s, charges) - np.interp(start_s, edges_s, charges))
    return drawn - minus_floor_ua * (stop_s - start_s)


def mean_current_ua(trace: pd.DataFrame, start_s: float, stop_s: float) -> float:
    """The mean current from start_s to stop_s (µA); ValueError for an empty window."""
    edges_s, _ = _edges(trace)
    start_s, stop_s = _within(edges_s, start_s, stop_s)
    if stop_s <= start_s:
        raise ValueError(f"the window {start_s:g}..{stop_s:g} s holds no part of the trace")
    return charge_uc(trace, start_s, stop_s) / (stop_s - start_s)


def energy_mj(trace: pd.DataFrame, start_s: float, stop_s: float, *, supply_v: float | None = None) -> float:
    """∫ I·V dt from start_s to stop_s in mJ: with `supply_v` when given, else the trace's voltage_v."""
    if supply_v is not None:
        return charge_uc(trace, start_s, stop_s) * supply_v / _UJ_PER_MJ
    if VOLTAGE_COLUMN not in trace.columns:
        raise ValueError(f"the trace has no {VOLTAGE_COLUMN} column: give supply_v")
    power_uw = trace[CURRENT_COLUMN].to_numpy(dtype=float) * trace[VOLTAGE_COLUMN].to_numpy(dtype=float)
    edges_s, _ = _edges(trace)
    energies = _cumulative(edges_s, power_uw)
    start_s, stop_s = _within(edges_s, start_s, stop_s)
    return float(np.interp(stop_s, edges_s, energies) - np.interp(start_s, edges_s, energies)) / _UJ_PER_MJ


def find_psm_entry_s(
    trace: pd.DataFrame,
    *,
    floor_ua: float,
    after_s: float | None = None,
    hold_s: float = DEFAULT_HOLD_S,
    margin: float = FLOOR_MARGIN,
) -> float | None:
    """When the current fell to the floor (module docstring), at or after `after_s`; None if it never did."""
    is_low = _is_low(trace, floor_ua * margin)
    times = trace[TIME_COLUMN].to_numpy(dtype=float)
    _, period_s = _edges(trace)
    hold_samples = max(round(hold_s / period_s), 1)
    if len(times) < hold_samples:
        return None
    lows = np.concatenate(([0], np.cumsum(is_low)))
    share = (lows[hold_samples:] - lows[:-hold_samples]) / hold_samples
    index = np.arange(len(share))
    candidates = index[is_low[: len(share)] & (share >= FLOOR_SHARE)]
    if after_s is not None:
        candidates = candidates[times[candidates] >= after_s]
    return None if len(candidates) == 0 else float(times[candidates[0]])


def find_floor_exit_s(
    trace: pd.DataFrame, *, floor_ua: float, after_s: float, margin: float = FLOOR_MARGIN
) -> float | None:
    """The start of the first stretch after `after_s` that stays above the floor for EXIT_HOLD_S (a DC/DC
    spike is over in microseconds); None when the trace stays on the floor."""
    is_high = ~_is_low(trace, floor_ua * margin)
    times = trace[TIME_COLUMN].to_numpy(dtype=float)
    _, period_s = _edges(trace)
    run = max(math.ceil(EXIT_HOLD_S / period_s - 1e-9), 1)
    highs = np.concatenate(([0], np.cumsum(is_high)))
    if len(times) < run:
        return None
    is_run = (highs[run:] - highs[:-run]) == run
    found = np.flatnonzero(is_run & (times[: len(is_run)] >= after_s))
    return None if len(found) == 0 else float(times[found[0]])


def sleep_window(
    trace: pd.DataFrame,
    *,
    psm_entry_s: float,
    floor_ua: float,
    min_window_s: float = SLEEP_WINDOW_MIN_S,
    margin: float = FLOOR_MARGIN,
) -> Window | None:
    """The window sleep_current_ua is the mean over (module docstring), or None when PSM lasted too short."""
    edges_s, _ = _edges(trace)
    stop_s = find_floor_exit_s(trace, floor_ua=floor_ua, after_s=psm_entry_s, margin=margin)
    window = Window(start_s=psm_entry_s, stop_s=float(edges_s[-1]) if stop_s is None else stop_s)
    return window if window.duration_s >= min_window_s else None


def sleep_current_ua(trace: pd.DataFrame, *, psm_entry_s: float, floor_ua: float) -> float | None:
    """indicators.md §5.5 sleep_current_ua: the mean over the sleep window; None when there is none."""
    window = sleep_window(trace, psm_entry_s=psm_entry_s, floor_ua=floor_ua)
    return None if window is None else mean_current_ua(trace, window.start_s, window.stop_s)


def marker_window(markers: Sequence[Marker], start_label: str, stop_label: str | None = None) -> Window:
    """From the first `start_label` marker to the first `stop_label` marker after it (the next marker of
    any label when None); ValueError naming the labels there are when either is missing."""
    ordered = sorted(markers, key=lambda marker: marker.t_s)
    labels = ", ".join(marker.label for marker in ordered) or "none"
    starts = [marker for marker in ordered if marker.label == start_label]
    if not starts:
        raise ValueError(f"no marker {start_label!r} in the trace (markers: {labels})")
    after = [m for m in ordered if m.t_s >= starts[0].t_s and m is not starts[0]]
    stops = [m for m in after if stop_label is None or m.label == stop_label]
    if not stops:
        wanted = "no marker" if stop_label is None else f"no marker {stop_label!r}"
        raise ValueError(f"{wanted} after {start_label!r} (markers: {labels})")
    return Window(start_s=starts[0].t_s, stop_s=stops[0].t_s)


def _edges(trace: pd.DataFrame) -> tuple[FloatArray, float]:
    """Sample edges (each row's t_s, then one median period after the last) and that period."""
    times = trace[TIME_COLUMN].to_numpy(dtype=float)
    if len(times) == 0:
        raise ValueError("the trace is empty")
    period_s = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    return np.append(times, times[-1] + period_s), period_s


def _cumulative(edges_s: FloatArray, values: FloatArray) -> FloatArray:
    return np.concatenate(([0.0], np.cumsum(values * np.diff(edges_s))))


def _within(edges_s: FloatArray, start_s: float, stop_s: float) -> tuple[float, float]:
    first, last = float(edges_s[0]), float(edges_s[-1])
    return min(max(start_s, first), last), min(max(stop_s, first), last)


def _is_low(trace: pd.DataFrame, threshold_ua: float) -> np.ndarray:
    return np.asarray(trace[CURRENT_COLUMN].to_numpy(dtype=float) <= threshold_ua)
