"""How cost grows (issue 10): `miot run --parallel` with 1, 2, 4 and 8 virtual modules side by side, and
`miot report` over 1, 10 and 100 runs, each as the command a user types, in its own process tree.

Runs: the smoke plan (testplans/smoke.toml) takes about four minutes per run, too long to repeat four times
within `make bench`'s ~15 minutes, so a shortened subset is run: its cases SUBSET_CASES (a UDP echo, the
module's ping and TCP connects: the latency family, about 25 s per module after its attach) taken
from smoke.toml as they are, with their `modules` line dropped so each runs on every module of a generated
rig of N BC660K-like virtual modules at CE0 (the default rig's server and capture). Each module is its own
pytest-xdist worker, as `--parallel` makes it.

Reports: synthetic runs written with bench_report_aggregation's writers (4 modules x 10 echo tests of
REPORT_PROBES probes per run, the layout of that bench), then `miot report` over the first 1, 10 and 100.

Measured per command (benchmarks.process_tree): wall time, the CPU time (user + system) of the command and
every descendant it waited for (xdist workers, virtual modules), and the memory of its process tree (the
summed resident peak, sampled, and the largest single process's). About 5 minutes in all, most of it the
four runs (about 40-70 s each; the 100 runs for the reports are written in about 20 s). Context rows: the
issue asks how cost grows, it sets no goal.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchmarks import process_tree
from benchmarks.bench_report_aggregation import write_runs
from benchmarks.bench_table import BenchFigure
from benchmarks.process_tree import Cost
from harness.virtual.process import child_environment

ROOT = Path(__file__).resolve().parent.parent
SMOKE_PLAN = ROOT / "testplans" / "smoke.toml"
SUBSET_CASES = ("echo-ce1", "ping-ce0", "tcp-connect-ce0")
MODULE_COUNTS = (1, 2, 4, 8)
RUN_COUNTS = (1, 10, 100)
REPORT_PROBES = 1_000
COMMAND_TIMEOUT_S = 900
CONTEXT = "- (context: how cost grows)"
CASE_HEADER = "[[case]]"


def subset_plan(smoke: str, case_ids: tuple[str, ...]) -> str:
    """smoke.toml's text with only `case_ids`, each on every module (its `modules = [...]` line dropped)."""
    head, *cases = smoke.split(f"\n{CASE_HEADER}\n")
    kept = []
    for case in cases:
        lines = case.splitlines()
        if any(line.strip() == f'id = "{case_id}"' for line in lines for case_id in case_ids):
            kept.append("\n".join(line for line in lines if not line.startswith("modules = [")))
    if len(kept) != len(case_ids):
        raise ValueError(f"{SMOKE_PLAN} lacks some of the cases {case_ids}")
    return "\n".join([head, *(f"{CASE_HEADER}\n{case}" for case in kept)]) + "\n"


def virtual_rig(module_count: int) -> str:
    """A rig of `module_count` BC660K-like virtual modules at CE0; server and capture as the default rig's."""
    lines = [
        "[rig]",
        f'name = "bench-{module_count}"',
        "[site]",
        'name = "localhost"',
        "[server]",
        'mode = "local"',
        'host = "127.0.0.1"',
        "port = 0",
        "[capture]",
        'point = "server"',
        'interface = "lo"',
    ]
    for index in range(module_count):
        lines += [
            "[[module]]",
            f'id = "nb-{index}"',
            f'port = "virtual://bc660k?ce=0&seed={index + 1}"',
            'dialect = "auto"',
            'rat = "nbiot"',
            "[module.sim]",
            'operator = "00101"',
            'apn = "iot.test"',
        ]
    return "\n".join(lines) + "\n"


def run_measured(command: list[str], log: Path) -> Cost:
    """Run `command` from the checkout as a user would, its output to `log`."""
    return process_tree.run_measured(command, cwd=ROOT, env=child_environment(), log=log)


def miot(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness", *args]


def measure_runs(folder: Path) -> dict[int, Cost]:
    plan = folder / "smoke-subset.toml"
    plan.write_text(subset_plan(SMOKE_PLAN.read_text(), SUBSET_CASES))
    costs = {}
    for count in MODULE_COUNTS:
        rig = folder / f"rig-{count}.toml"
        rig.write_text(virtual_rig(count))
        command = miot(
            "run", "--rig", str(rig), "--plan", str(plan), "--results", str(folder / f"results-{count}")
        )
        costs[count] = run_measured([*command, "--parallel"], folder / f"run-{count}.log")
    return costs


def measure_reports(folder: Path) -> dict[int, Cost]:
    run_dirs = write_runs(folder / "runs", runs=max(RUN_COUNTS), probes=REPORT_PROBES)
    costs = {}
    for count in RUN_COUNTS:
        output = folder / f"report-{count}.html"
        command = miot("report", *map(str, run_dirs[:count]), "-o", str(output))
        costs[count] = run_measured(command, folder / f"report-{count}.log")
    return costs


def print_costs(title: str, unit: str, costs: dict[int, Cost]) -> None:
    print(title)
    print(f"{unit:>8} {'wall s':>8} {'CPU s':>8} {'tree MiB':>9} {'largest MiB':>12} {'exit':>5}")
    for count, c in costs.items():
        print(
            f"{count:>8} {c.wall_s:8.1f} {c.cpu_s:8.1f} {c.peak_tree_mib:9.0f} {c.peak_process_mib:12.0f} "
            f"{c.exit_status:>5}"
        )


def figures_of(what: str, unit: str, costs: dict[int, Cost]) -> list[BenchFigure]:
    """Each count against the smallest: wall time's ratio in the ratio column, CPU and memory in the note."""
    first_count, first = next(iter(costs.items()))
    return [
        BenchFigure(
            figure=f"{what}, {count} {_counted(count, unit)}",
            harness=_shown(cost),
            reference_tool=f"{first_count} {_counted(first_count, unit)}",
            reference=_shown(first),
            ratio=cost.wall_s / first.wall_s,
            goal=CONTEXT,
            met=None,
            note=f"ratio: wall time; CPU {cost.cpu_s / first.cpu_s:.2f}x; MiB: the tree's resident peak"
            + ("" if cost.exit_status == 0 else f"; exit status {cost.exit_status} (see its log)"),
        )
        for count, cost in costs.items()
    ]


def _shown(cost: Cost) -> str:
    return f"{cost.wall_s:.1f} s wall, {cost.cpu_s:.1f} s CPU, {cost.peak_tree_mib:.0f} MiB"


def _counted(count: int, plural: str) -> str:
    return plural.removesuffix("s") if count == 1 else plural


def main() -> list[BenchFigure]:
    print(f"cost growth: miot run --parallel ({', '.join(SUBSET_CASES)} of smoke.toml on every module)")
    with tempfile.TemporaryDirectory(prefix="miot-bench-growth-") as name:
        folder = Path(name)
        runs = measure_runs(folder)
        print_costs("miot run --parallel, per rig size", "modules", runs)
        reports = measure_reports(folder)
        print_costs(f"\nmiot report ({REPORT_PROBES} probes x 40 tests per run)", "runs", reports)
        for costs, kind in ((runs, "run"), (reports, "report")):
            for count, cost in costs.items():
                if cost.exit_status != 0:
                    log = (folder / f"{kind}-{count}.log").read_text().strip().splitlines()
                    print(
                        f"{kind} {count}: exit status {cost.exit_status}; last lines:", *log[-5:], sep="\n  "
                    )
    return figures_of("miot run --parallel, smoke subset", "modules", runs) + figures_of(
        "miot report", "runs", reports
    )


if __name__ == "__main__":
    main()
