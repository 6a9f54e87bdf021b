"""traffic layer: when periodic reports go relative to their nominal schedule, and how far a set of reports
spreads over the randomisation window (GSMA TS.34 "no synchronised reporting", indicators.md §3.1).

A fleet that reports "on the hour" hits the network in step. The uplink report engine can anchor its
schedule to the wall clock's grid of the report interval (`schedule = "clock"`, the way a meter does) and
add a random offset within a window (`offset_window_s`), or, as a misbehaving application does, none
(`is_offset_random = false`). The checks read the offsets back from any run: offset = send time on the wall
clock modulo the interval; the spread is the shortest arc of that circle holding every offset, and
`report_offset_spread_pct` is that spread as a share of the window (of the whole interval without one),
judged over ≥ 20 reports (J, indicators.md §3.1): fewer give no value.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from enum import StrEnum

from harness.metrics import MetricValue

MIN_REPORTS = 20  # (J) indicators.md §3.1


class Schedule(StrEnum):
    START = "start"  # every interval from the case's start
    CLOCK = "clock"  # on the wall clock's grid of the interval, as a fleet of meters would


def schedule_shifts_s(
    *,
    count: int,
    schedule: Schedule,
    interval_s: float,
    offset_window_s: float,
    now_utc_s: float,
    draw: random.Random | None,
) -> list[float]:
    """What to add to each of `count` due times (from the start): the wait until the grid's next point
    (CLOCK), plus a random offset in [0, offset_window_s) when `draw` is given (None: on the grid)."""
    anchor_s = 0.0
    if schedule is Schedule.CLOCK:
        anchor_s = math.ceil(now_utc_s / interval_s) * interval_s - now_utc_s
    return [anchor_s + (draw.uniform(0.0, offset_window_s) if draw else 0.0) for _ in range(count)]


def report_offsets_s(send_utc_s: Sequence[float], *, interval_s: float) -> list[float]:
    """Each send's offset from the grid of `interval_s` on the wall clock, in [0, interval_s)."""
    return [math.fmod(t, interval_s) % interval_s for t in send_utc_s]


def offset_spread_s(offsets_s: Sequence[float], *, interval_s: float) -> float:
    """The shortest arc of the circle of `interval_s` that holds every offset (0 for one offset)."""
    ordered = sorted(offsets_s)
    if len(ordered) < 2:
        return 0.0
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    gaps.append(ordered[0] + interval_s - ordered[-1])
    return interval_s - max(gaps)


def report_offset_spread_pct(
    send_utc_s: Sequence[float], *, interval_s: float, jitter_window_s: float | None = None
) -> MetricValue:
    """Share of the jitter window (the whole interval when None) the report offsets cover, capped at 100."""
    n = len(send_utc_s)
    if n < MIN_REPORTS or interval_s <= 0:
        return MetricValue(value=None, n_samples=n)
    window_s = jitter_window_s if jitter_window_s else interval_s
    spread_s = offset_spread_s(report_offsets_s(send_utc_s, interval_s=interval_s), interval_s=interval_s)
    return MetricValue(value=min(100.0, 100.0 * spread_s / window_s), n_samples=n)
