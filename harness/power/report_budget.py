"""power layer: a current trace cut into the module's states, and what a report costs a battery.

- `segment_trace`: the trace between consecutive state marks (connected, idle, psm, ... as the procedure
  learned them from URCs), each with its duration, charge and mean current, so a report's cost can be seen
  per state (issue 6 item 5).
- `projected_life_years`: indicators.md §5.5 `battery_life_estimate_years`, E_batt / (P_floor + E_report x
  f_report), written in charge: capacity / (sleep current + (charge per report + TAU charges in one
  interval) / report interval), no self-discharge (P: TR 45.820 / TR 38.913 objective [R2][R7]). A periodic
  TAU is counted for every whole T3412 inside a report interval, since each report restarts T3412
  (TS 24.301, cellular-iot.md §5.1 step 7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from harness.power.trace_analysis import charge_uc

SECONDS_PER_YEAR = 365.25 * 24 * 3600
_UC_PER_MAH = 3.6e6
SEGMENT_COLUMNS = ("t_s", "state", "stop_s", "duration_s", "charge_uc", "mean_current_ua")


@dataclass(frozen=True, slots=True, kw_only=True)
class StateMark:
    """From `t_s` on (trace time) the module is in `state`."""

    t_s: float
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportProfile:
    """The traffic a battery life is projected for (e.g. one 50-byte report a day on a 5 Ah cell)."""

    report_interval_s: float
    battery_mah: float
    periodic_tau_s: float | None = None  # granted T3412; None: no periodic TAU between reports


def segment_trace(trace: pd.DataFrame, marks: Sequence[StateMark], *, stop_s: float) -> pd.DataFrame:
    """One row per mark (t_s: where it starts), from it to the next mark (the last to `stop_s`); marks out
    of order are sorted, and a segment of no length is left out."""
    ordered = sorted(marks, key=lambda mark: mark.t_s)
    rows = []
    for mark, after in zip(ordered, [*ordered[1:], None], strict=True):
        end_s = stop_s if after is None else after.t_s
        if end_s <= mark.t_s:
            continue
        charge = charge_uc(trace, mark.t_s, end_s)
        rows.append(
            {
                "t_s": mark.t_s,
                "state": mark.state,
                "stop_s": end_s,
                "duration_s": end_s - mark.t_s,
                "charge_uc": charge,
                "mean_current_ua": charge / (end_s - mark.t_s),
            }
        )
    return pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))


def taus_per_interval(profile: ReportProfile) -> int:
    if profile.periodic_tau_s is None or profile.periodic_tau_s <= 0:
        return 0
    return math.floor(profile.report_interval_s / profile.periodic_tau_s)


def average_current_ua(
    profile: ReportProfile, *, sleep_current_ua: float, charge_per_report_uc: float, tau_charge_uc: float
) -> float:
    """The long-run mean current of the profile: sleep plus the report and its TAUs spread over the interval.
    The charges are above the sleep current (charge_per_report_uc's definition, indicators.md §5.5)."""
    spent_uc = charge_per_report_uc + taus_per_interval(profile) * tau_charge_uc
    return sleep_current_ua + spent_uc / profile.report_interval_s


def projected_life_years(
    profile: ReportProfile,
    *,
    sleep_current_ua: float,
    charge_per_report_uc: float,
    tau_charge_uc: float = 0.0,
) -> float:
    mean_ua = average_current_ua(
        profile,
        sleep_current_ua=sleep_current_ua,
        charge_per_report_uc=charge_per_report_uc,
        tau_charge_uc=tau_charge_uc,
    )
    return profile.battery_mah * _UC_PER_MAH / mean_ua / SECONDS_PER_YEAR
