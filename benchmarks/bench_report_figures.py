"""Cross-run report figures over many runs (issue 10 item 3): the current traces drawn by the drawing pool
(harness.report.drawing_pool, one worker per usable CPU) against the same figures drawn in this process.

py-spy over `miot report` of 100 smoke runs (one power-save test each) put three quarters of its time in
these figures, 0.25-0.3 s each, most of it matplotlib laying out a five-decade log axis; they are drawn
side by side since. The synthetic runs here have one power-save-like test each, written with the harness's
own writers: 37 s at 1 kHz (PSM floor 0.6-3 uA, idle with paging peaks, connected up to 80 mA), its
connected/idle/PSM segments and a marker per report. Both sides draw the same files and must give the same
PNG bytes; rounds alternate (this machine's speed swings 1.5-2x) and the ratio is the median of the
per-round ratios. Wall time is what a user waits on; with no CPU to spare (other work on the machine) the
pool has nothing to run on, so its goal holds only with two CPUs free.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_table import BenchFigure
from harness.power import Marker, with_markers
from harness.report.drawing_pool import draw_all, usable_cpus, worker_count
from harness.report.figures import CurrentTraceJob, current_figures, draw_current_trace
from harness.results import write_parquet_atomic
from harness.results.samples import write_samples

RUNS = 48
ROUNDS = 3
TRACE_S = 37.0
SAMPLE_S = 1e-3
GOAL_RATIO = 1 / 1.5  # pool / one process: at least 1.5x faster
TEST_ID = "power-save@nb-ce0"
# (state, start s, stop s, current range uA): two wake-ups, each sending then idling, then PSM
STATES = (
    ("connected", 0.0, 3.0, (20_000.0, 80_000.0)),
    ("idle", 3.0, 8.0, (800.0, 2_000.0)),
    ("psm", 8.0, 20.0, (0.6, 3.0)),
    ("connected", 20.0, 22.0, (20_000.0, 80_000.0)),
    ("idle", 22.0, 26.0, (800.0, 2_000.0)),
    ("psm", 26.0, TRACE_S, (0.6, 3.0)),
)
PAGING_EVERY_S = 1.28  # a paging occasion in idle: a 10 ms peak
REPORT_EVERY_S = 3.0


def write_power_test(test_dir: Path, seed: int) -> None:
    generator = np.random.default_rng(seed)
    t_s = np.arange(0.0, TRACE_S, SAMPLE_S)
    current_ua = np.zeros_like(t_s)
    for state, start_s, stop_s, (low_ua, high_ua) in STATES:
        inside = (t_s >= start_s) & (t_s < stop_s)
        current_ua[inside] = generator.uniform(low_ua, high_ua, inside.sum())
        if state == "idle":
            paging = inside & (np.mod(t_s - start_s, PAGING_EVERY_S) < 0.01)
            current_ua[paging] = 30_000.0
    trace = pd.DataFrame({"t_s": t_s, "current_ua": current_ua, "voltage_v": 3.6})
    markers = [Marker(t_s=float(t), label="report sent") for t in np.arange(0.5, TRACE_S, REPORT_EVERY_S)]
    test_dir.mkdir(parents=True)
    write_parquet_atomic(test_dir / "power.parquet", with_markers(trace, markers))
    segments = pd.DataFrame(
        {
            "t_s": [start for _, start, _, _ in STATES],
            "state": [state for state, _, _, _ in STATES],
            "stop_s": [stop for _, _, stop, _ in STATES],
        }
    )
    write_samples(test_dir, "power_save", segments)


def synthetic_tests(root: Path) -> pd.DataFrame:
    """The tests frame current_figures takes (run_id, test_id, module_id, test_dir), one test per run."""
    run_ids = [f"run-{run:03d}" for run in range(RUNS)]
    test_dirs = [root / run_id / "tests" / TEST_ID for run_id in run_ids]
    for seed, test_dir in enumerate(test_dirs):
        write_power_test(test_dir, seed)
    return pd.DataFrame({"run_id": run_ids, "test_id": TEST_ID, "module_id": "nb-ce0", "test_dir": test_dirs})


def timed(draw: Callable[[], list[bytes | None]]) -> tuple[float, list[bytes | None]]:
    start = time.perf_counter()
    pngs = draw()
    return time.perf_counter() - start, pngs


def measure_rounds(tests: pd.DataFrame) -> dict[str, list[float]]:
    """Seconds per round of each side, the sides alternating which goes first; both must draw the same."""
    jobs = [CurrentTraceJob(test_dir=d, title=f"Current, {TEST_ID}", lang="en") for d in tests["test_dir"]]
    sides: list[tuple[str, Callable[[], list[bytes | None]]]] = [
        ("pool", lambda: [f.png for f in current_figures(tests, lang="en")]),
        ("here", lambda: draw_all(draw_current_trace, jobs, cpus=1)),
    ]
    times: dict[str, list[float]] = {name: [] for name, _ in sides}
    for round_index in range(ROUNDS):
        drawn = {}
        for name, draw in sides[round_index % 2 :] + sides[: round_index % 2]:
            elapsed_s, drawn[name] = timed(draw)
            times[name].append(elapsed_s)
        if drawn["pool"] != drawn["here"]:
            raise AssertionError("the pool drew other PNGs than this process")
    return times


def main() -> list[BenchFigure]:
    cpus = usable_cpus()
    workers = worker_count(RUNS, cpus)
    with tempfile.TemporaryDirectory(prefix="miot-bench-figures-") as folder:
        times = measure_rounds(synthetic_tests(Path(folder)))
    pool_s, here_s = times["pool"], times["here"]
    ratios = [p / h for p, h in zip(pool_s, here_s, strict=True)]
    ratio = statistics.median(ratios)
    load = os.getloadavg()[0]
    print(
        f"cross-run report current traces: {RUNS} runs, {ROUNDS} rounds alternating; {cpus} usable CPUs, "
        f"{workers} workers, load average {load:.1f}; Python {platform.python_version()} ({sys.executable})"
    )
    print(f"{'side':34} {'median s':>9} {'per figure ms':>14}")
    for side, side_s in (("drawing pool", pool_s), ("one process", here_s)):
        print(f"{side:34} {statistics.median(side_s):9.2f} {1e3 * statistics.median(side_s) / RUNS:14.0f}")
    print(f"ratio pool / one process: median {ratio:.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f})")
    met = ratio <= GOAL_RATIO if workers >= 2 else None
    if workers < 2:
        note = f"{cpus} usable CPU: no pool"
    elif not met:
        note = f"load average {load:.1f} on {cpus} CPUs: little CPU free for the workers"
    else:
        note = ""
    return [
        BenchFigure(
            figure=f"report: {RUNS} current traces",
            harness=f"{statistics.median(pool_s):.1f} s ({workers} workers)",
            reference_tool="same figures, one process",
            reference=f"{statistics.median(here_s):.1f} s",
            ratio=ratio,
            goal=f"<= {GOAL_RATIO:.2f} with 2 CPUs free",
            met=met,
            note=note,
        )
    ]


if __name__ == "__main__":
    main()
