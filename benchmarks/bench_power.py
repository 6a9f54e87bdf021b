"""Virtual rail rendering cost: what VirtualRail.stop() spends turning a recording's module history into a
trace (harness.power.rail_model, harness.power.current_steps), against the recording's length and rate.

The history is an NB-IoT reporting cycle of 2 minutes repeated: 20 s connected with an uplink stream of 100
air uses of 90 ms (what the module's timeline reports for a long stream), 20 s idle with paging, 80 s PSM
with its DC/DC spikes. Two parts are timed apart: building the boxcars (states, air uses, spikes: Python per
item) and sampling them (numpy, per sample). The stop() of a rig's recording waits for both, so the column
that matters for planning is seconds of rendering per hour recorded. Medians of ROUNDS runs; the machine's
speed swings 1.5-2x (../shared/reference/this-machine.md), so compare rows of one run.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time

import numpy as np

from benchmarks.bench_table import BenchFigure
from harness.power.current_steps import sample_means_ua, steps_of
from harness.power.module_currents import NBIOT
from harness.power.rail_model import ModuleHistory, ModuleSnapshot, RailSpec, rail_boxcars, state_periods
from harness.virtual.state_timeline import AirKind, AirUse, ModemState

ROUNDS = 3
CYCLE_S = 120.0
STREAM_USES = 100
USE_S = 0.09
# (recorded minutes, sample rate): up to ~6 M samples a row, a few hundred MB at most
CASES = ((1.0, 1_000.0), (10.0, 1_000.0), (60.0, 1_000.0), (10.0, 10_000.0), (1.0, 100_000.0))
LONGEST = (60.0, 1_000.0)  # the table's headline: an hour-long recording at a PPK2-like rate


def history_of(duration_s: float) -> ModuleHistory:
    changes: list[tuple[float, ModemState]] = []
    air: list[AirUse] = []
    for cycle in range(int(np.ceil(duration_s / CYCLE_S))):
        t_s = cycle * CYCLE_S
        changes += [(t_s, ModemState.CONNECTED), (t_s + 20, ModemState.IDLE), (t_s + 40, ModemState.PSM)]
        air += [
            AirUse(start_s=t_s + 0.1 * k, duration_s=USE_S, kind=AirKind.UL, tx_power_dbm=10.0)
            for k in range(STREAM_USES)
        ]
    return ModuleHistory(
        periods=state_periods(changes, stop_s=duration_s),
        snapshots=[ModuleSnapshot(t_s=0.0, edrx=None)],
        air=air,
    )


def render_s(history: ModuleHistory, duration_s: float, rate_hz: float) -> tuple[float, float, int]:
    """(seconds building boxcars, seconds sampling, boxcar count) of one rendering."""
    spec = RailSpec(currents=NBIOT, paging_cycle_s=2.56, timer_scale=1.0)
    start = time.perf_counter()
    boxcars = rail_boxcars(history, spec, window=(0.0, duration_s), rng=np.random.default_rng(1))
    built = time.perf_counter()
    starts_s, _ = sample_means_ua(steps_of(boxcars), start_s=0.0, stop_s=duration_s, sample_rate_hz=rate_hz)
    sampled = time.perf_counter()
    if len(starts_s) != round(duration_s * rate_hz):
        raise AssertionError(f"{len(starts_s)} samples, not {duration_s * rate_hz:g}")
    return built - start, sampled - built, len(boxcars)


def main() -> list[BenchFigure]:
    print("virtual rail rendering (stop() after a recording): NB-IoT 2-minute cycles with uplink streams")
    print(f"interpreter: {sys.executable} (Python {platform.python_version()})")
    print(f"{'minutes':>8} {'rate Hz':>9} {'air uses':>9} {'boxcars':>8} {'build s':>8} {'sample s':>9} "
          f"{'s per hour':>10}")  # fmt: skip
    per_hour_by_case: dict[tuple[float, float], float] = {}
    for minutes, rate_hz in CASES:
        duration_s = minutes * 60.0
        history = history_of(duration_s)
        runs = [render_s(history, duration_s, rate_hz) for _ in range(ROUNDS)]
        build_s = statistics.median(run[0] for run in runs)
        sample_s = statistics.median(run[1] for run in runs)
        per_hour_s = (build_s + sample_s) * 3600.0 / duration_s
        print(f"{minutes:>8g} {rate_hz:>9g} {len(history.air):>9} {runs[0][2]:>8} {build_s:>8.3f} "
              f"{sample_s:>9.3f} {per_hour_s:>10.2f}")  # fmt: skip
        per_hour_by_case[(minutes, rate_hz)] = per_hour_s
    minutes, rate_hz = LONGEST
    return [
        BenchFigure(
            figure=f"virtual rail rendering, {minutes:g} min at {rate_hz / 1000:g} kHz",
            harness=f"{per_hour_by_case[LONGEST]:.2f} s per hour recorded",
            reference_tool="-",
            reference="-",
            ratio=None,
            goal="- (context, planning figure)",
            met=None,
        )
    ]


if __name__ == "__main__":
    main()
