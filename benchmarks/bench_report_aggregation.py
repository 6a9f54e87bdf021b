"""Cross-run report aggregation at scale (issue 7 "Done when": 10 million samples, goal under 10 s and
under 4 GB), with DuckDB on the same pooled query as the reference.

Synthetic runs written with the harness's own writers: RUNS runs x MODULES modules x TESTS_PER_MODULE echo
tests, each with PROBES udp_echo probes (the first WARMUP of them warm-up), so RUNS x MODULES x
TESTS_PER_MODULE x PROBES = 10 M samples in 1000 parquet files; measurements.csv carries the RTT
statistics and radio medians of each test. Modules differ in model, firmware, operator and RAT, runs in
site, and a test's radio medians put it in one of two coverage classes, so the report forms several groups.

Each side runs in a child process so its peak memory is its own: VmHWM of /proc/self/status, the high-water
mark of the address space its exec created (ru_maxrss would not do: Linux carries it across fork and exec,
so each child reported this process's own peak after writing the runs, about 3 GB, whatever it used).
- harness: harness.report.run_set.load_runs + indicator_table, i.e. everything `miot report` does
  before drawing (reading every run, grouping, pooling each group's RTT samples for min/p50/p95/p99/max);
- DuckDB: the pooled percentiles only, one SQL query over all the samples files joined with a test ->
  group table written beforehand (not timed), i.e. less work than the harness side.
The two must agree on every pooled value (both interpolate linearly between order statistics).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_table import BenchFigure
from benchmarks.process_tree import status_kib

RUNS = 25
MODULES = 4
TESTS_PER_MODULE = 10
PROBES = 10_000
WARMUP = 2
SAMPLES = RUNS * MODULES * TESTS_PER_MODULE * PROBES
GOAL_S = 10.0
GOAL_BYTES = 4 * 2**30
POOLED = ("rtt_min_ms", "rtt_p50_ms", "rtt_p95_ms", "rtt_p99_ms", "rtt_max_ms")
CHILD_TIMEOUT_S = 600


def write_runs(root: Path, *, runs: int = RUNS, probes: int = PROBES) -> list[Path]:
    """The synthetic runs (module docstring), `runs` of them with `probes` per test; their directories."""
    from harness.kpi import evaluate
    from harness.metrics import Limit, MetricValue
    from harness.results.measurements import MeasurementContext, MeasurementsWriter, tabulate_measurements
    from harness.results.run_record import ModuleRecord, RunRecord, SiteRecord, write_run_record
    from harness.results.samples import write_samples
    from harness.traffic.latency_statistics import rtt_statistics

    generator = np.random.default_rng(7)
    modules = [
        ModuleRecord(
            module_id=f"m{i}",
            rat=("nbiot", "cat1")[i % 2],
            model=f"model-{i % 2}",
            firmware=f"fw-{i // 2}",
            operator=("CMCC", "CUCC")[i // 2],
        )
        for i in range(MODULES)
    ]
    limit = Limit(high=4000, marginal_high=3000)
    run_dirs = []
    for run in range(runs):
        run_dir = root / f"run-{run:03d}"
        (run_dir / "tests").mkdir(parents=True)
        started = (
            pd.Timestamp("2026-11-01T00:00:00Z").to_pydatetime() + pd.Timedelta(days=run).to_pytimedelta()
        )
        site = SiteRecord(name=f"site-{run % 3}", lat_deg=31.0 + run % 3, lon_deg=121.0)
        record = RunRecord(
            harness_version="bench",
            commit=None,
            invocation=("bench",),
            started_utc=started,
            modules=tuple(modules),
            site=site,
        )
        write_run_record(run_dir / "run.json", record)
        writer = MeasurementsWriter(run_dir / "measurements.csv")
        for module in modules:
            for test in range(TESTS_PER_MODULE):
                test_id = f"echo-{test}@{module.module_id}"
                rtt = generator.lognormal(mean=6.5, sigma=0.4, size=probes)
                rtt[generator.random(probes) < 0.01] = np.nan  # lost probes
                samples = pd.DataFrame(
                    {
                        "t_s": np.arange(probes, dtype=float),
                        "seq": np.arange(probes, dtype=np.int64),
                        "is_warmup": np.arange(probes) < WARMUP,
                        "rtt_ms": rtt,
                    }
                )
                test_dir = run_dir / "tests" / test_id
                test_dir.mkdir()
                write_samples(test_dir, "udp_echo", samples)
                summary = rtt_statistics(rtt[WARMUP:])
                summary["rsrp_p50_dbm"] = MetricValue(value=(-95.0, -112.0)[test % 2], n_samples=10)
                summary["sinr_p50_db"] = MetricValue(value=5.0, n_samples=10)
                measurements = [
                    evaluate(m, v, limit if m == "rtt_p95_ms" else None) for m, v in summary.items()
                ]
                context = MeasurementContext(
                    run_id=run_dir.name,
                    test_id=test_id,
                    case_id=f"echo-{test}",
                    iteration=0,
                    module_id=module.module_id,
                    rat=module.rat,
                    operator=module.operator,
                )
                writer.append(tabulate_measurements(context, measurements, recorded_utc=started))
        run_dirs.append(run_dir)
    return run_dirs


def measure_harness(run_dirs: list[Path], out: Path) -> dict[str, object]:
    from harness.report.indicator_tables import indicator_table
    from harness.report.run_set import load_runs

    start = time.perf_counter()
    table = indicator_table(load_runs(run_dirs).measurements)
    elapsed_s = time.perf_counter() - start
    pooled = table[table["statistic"] == "pooled"]
    pooled[["module", "firmware", "site", "coverage", "metric", "value", "n"]].to_parquet(out)
    return {
        "seconds": elapsed_s,
        "groups": int(pooled.drop_duplicates(["module", "firmware", "site", "coverage"]).shape[0]),
    }


def measure_duckdb(root: Path, groups: Path, out: Path) -> dict[str, object]:
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect()
    result = con.execute(
        f"""
        SELECT g.module, g.firmware, g.site, g.coverage,
               min(s.rtt_ms) AS rtt_min_ms,
               quantile_cont(s.rtt_ms, 0.5) AS rtt_p50_ms,
               quantile_cont(s.rtt_ms, 0.95) AS rtt_p95_ms,
               quantile_cont(s.rtt_ms, 0.99) AS rtt_p99_ms,
               max(s.rtt_ms) AS rtt_max_ms,
               count(s.rtt_ms) AS n
        FROM read_parquet('{root}/*/tests/*/samples-udp_echo.parquet', filename = true) AS s
        JOIN read_parquet('{groups}') AS g ON g.path = s.filename
        WHERE NOT s.is_warmup AND NOT isnan(s.rtt_ms)
        GROUP BY ALL
        """
    ).df()
    elapsed_s = time.perf_counter() - start
    result.to_parquet(out)
    return {"seconds": elapsed_s, "groups": len(result)}


def write_group_table(run_dirs: list[Path], path: Path) -> None:
    """samples file -> the report's group of its test, for the DuckDB side (taken from the harness's own
    grouping, so both sides pool the same tests)."""
    from harness.report.run_set import load_runs

    rows = load_runs(run_dirs).measurements.drop_duplicates(["run_dir", "test_id"])
    files = [
        str(Path(d) / "tests" / t / "samples-udp_echo.parquet")
        for d, t in zip(rows["run_dir"], rows["test_id"], strict=True)
    ]
    table = rows[["module", "firmware", "site", "coverage"]].assign(path=files)
    table.to_parquet(path)


def run_child(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_report_aggregation", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(ours: Path, theirs: Path) -> float:
    """The largest relative difference between the two sides' pooled values."""
    mine = pd.read_parquet(ours).pivot_table(
        index=["module", "firmware", "site", "coverage"], columns="metric", values="value"
    )
    duck = pd.read_parquet(theirs).set_index(["module", "firmware", "site", "coverage"])[list(POOLED)]
    mine = mine[list(POOLED)].sort_index()
    duck = duck.sort_index()
    if list(mine.index) != list(duck.index):
        raise AssertionError(
            f"the two sides formed different groups: {list(mine.index)} vs {list(duck.index)}"
        )
    return float(np.max(np.abs(mine.to_numpy() - duck.to_numpy()) / np.abs(duck.to_numpy())))


def main() -> list[BenchFigure]:
    print(
        f"report aggregation: {SAMPLES:,} udp_echo samples in {RUNS * MODULES * TESTS_PER_MODULE} "
        f"tests of {RUNS} runs (goal < {GOAL_S:g} s, < {GOAL_BYTES / 2**30:g} GB)"
    )
    with tempfile.TemporaryDirectory(prefix="miot-bench-report-") as folder:
        root = Path(folder)
        start = time.perf_counter()
        run_dirs = write_runs(root / "runs")
        print(f"written in {time.perf_counter() - start:.1f} s")
        ours = run_child("harness", str(root / "runs"), str(root / "ours.parquet"))
        _print_side("harness (load + aggregate)", ours)
        try:
            import duckdb  # noqa: F401
        except ImportError:
            print("duckdb: missing (pip install duckdb)")
            return figures_of(ours, None)
        write_group_table(run_dirs, root / "groups.parquet")
        theirs = run_child(
            "duckdb", str(root / "runs"), str(root / "groups.parquet"), str(root / "duck.parquet")
        )
        _print_side("duckdb (pooled query only)", theirs)
        ratio = _seconds(ours) / _seconds(theirs)
        difference = compare(root / "ours.parquet", root / "duck.parquet")
        print(
            f"harness / duckdb time: {ratio:.2f}x; "
            f"largest relative difference of pooled values: {difference:.1e}"
        )
    return figures_of(ours, theirs)


def figures_of(ours: dict[str, object], theirs: dict[str, object] | None) -> list[BenchFigure]:
    """Time and peak memory of the harness side, judged by the issue 7 goals; DuckDB's beside them as
    context (it does less work: module docstring)."""
    figure = f"aggregation of {SAMPLES / 1e6:g}M samples"
    tool = "DuckDB (pooled query only)"
    note = "" if theirs is not None else "duckdb not installed (pip install duckdb): no reference"
    sides = [ours] if theirs is None else [ours, theirs]
    times = [f"{_seconds(side):.2f} s" for side in sides]
    peaks = [f"{_peak_bytes(side) / 2**20:.0f} MiB" for side in sides]
    time_ratio = None if theirs is None else _seconds(ours) / _seconds(theirs)
    peak_ratio = None if theirs is None else _peak_bytes(ours) / _peak_bytes(theirs)
    return [
        BenchFigure(
            figure=f"{figure}: {label}",
            harness=shown[0],
            reference_tool=tool,
            reference=shown[-1] if theirs is not None else "-",
            ratio=ratio,
            goal=goal,
            met=is_met,
            note=note,
        )
        for label, shown, ratio, goal, is_met in (
            ("time", times, time_ratio, f"< {GOAL_S:g} s", _seconds(ours) < GOAL_S),
            (
                "peak memory",
                peaks,
                peak_ratio,
                f"< {GOAL_BYTES / 2**30:g} GiB",
                _peak_bytes(ours) < GOAL_BYTES,
            ),
        )
    ]


def _seconds(result: dict[str, object]) -> float:
    return float(str(result["seconds"]))


def _peak_bytes(result: dict[str, object]) -> float:
    return int(str(result["peak_kib"])) * 1024.0


def _print_side(name: str, result: dict[str, object]) -> None:
    seconds, peak = _seconds(result), _peak_bytes(result)
    verdict = "meets" if seconds < GOAL_S and peak < GOAL_BYTES else "MISSES"
    print(
        f"{name:<28} {seconds:>6.2f} s  peak {peak / 2**20:>7.0f} MiB  {result['groups']} groups  "
        f"({verdict} the goal)"
    )


def _child(argv: list[str]) -> None:
    side, runs = argv[0], Path(argv[1])
    run_dirs = sorted(p for p in runs.iterdir() if p.is_dir())
    if side == "harness":
        result = measure_harness(run_dirs, Path(argv[2]))
    else:
        result = measure_duckdb(runs, Path(argv[2]), Path(argv[3]))
    result["peak_kib"] = status_kib(Path("/proc/self/status").read_text(), "VmHWM")
    print(json.dumps(result))


if __name__ == "__main__":
    _child(sys.argv[1:])
