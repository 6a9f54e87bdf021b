"""power layer: a current that changes in steps, built from boxcars (a level for a time) and sampled as an
averaging analyzer samples it: each sample is the mean over its period, so every pulse's charge is kept
whatever the sample rate (harness.power.analyzer: a row is the mean over [t_s, next t_s)).

Plain numpy, no state: the virtual rail builds its boxcars (harness.power.rail_model) and samples them here,
and tests build traces with known charges the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Boxcar:
    """`current_ua` added from `start_s` to `stop_s` (stop_s > start_s; shorter ones add nothing)."""

    start_s: float
    stop_s: float
    current_ua: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Steps:
    """A step function: `levels_ua[i]` holds from `edges_s[i]` to `edges_s[i + 1]`; zero outside."""

    edges_s: FloatArray
    levels_ua: FloatArray

    def charge_at_uc(self, t_s: FloatArray) -> FloatArray:
        """The charge from the first edge up to each time (µC): exact, the integral is piecewise linear."""
        if len(self.edges_s) == 0:
            return np.zeros_like(t_s)
        charges = np.concatenate(([0.0], np.cumsum(self.levels_ua * np.diff(self.edges_s))))
        return np.interp(t_s, self.edges_s, charges)


def steps_of(boxcars: Iterable[Boxcar]) -> Steps:
    """The sum of the boxcars as one step function."""
    kept = [box for box in boxcars if box.stop_s > box.start_s and box.current_ua != 0.0]
    if not kept:
        return Steps(edges_s=np.zeros(0), levels_ua=np.zeros(0))
    times = np.array([t for box in kept for t in (box.start_s, box.stop_s)])
    deltas = np.array([d for box in kept for d in (box.current_ua, -box.current_ua)])
    order = np.argsort(times, kind="stable")
    times, deltas = times[order], deltas[order]
    edges, first = np.unique(times, return_index=True)
    summed = np.add.reduceat(deltas, first)
    return Steps(edges_s=edges, levels_ua=np.cumsum(summed)[:-1])


def sample_means_ua(
    steps: Steps, *, start_s: float, stop_s: float, sample_rate_hz: float
) -> tuple[FloatArray, FloatArray]:
    """(sample start times, mean current of each sample) over [start_s, stop_s); a last partial period is
    dropped, as an analyzer reports only whole samples."""
    period_s = 1.0 / sample_rate_hz
    count = max(int(np.floor((stop_s - start_s) * sample_rate_hz + 1e-9)), 0)
    starts_s = start_s + np.arange(count + 1, dtype=np.float64) * period_s
    charges_uc = steps.charge_at_uc(starts_s)
    return starts_s[:-1], np.diff(charges_uc) / period_s
