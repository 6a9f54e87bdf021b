"""docs/performance.md as a run writes it: the machine, the command, the UTC date, the one table and the
detailed output of each bench. Every number on the page comes from the run that wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks.bench_table import BenchFigure, render_markdown
from benchmarks.machine import Machine, markdown_lines

INTRO = (
    "Written by `make bench` (`python -m benchmarks`, benchmarks/suite.py) from the run described below: do "
    "not edit by hand. Each bench compares the harness with the tool a lab would otherwise use, side by "
    "side in one run; `ratio` is harness / reference in the sense the goal states; `met` is `-` where "
    "a goal cannot be judged (no goal, a missing tool, no root). What each bench measures, and how long it "
    "runs, is its module docstring (benchmarks/bench_*.py)."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRun:
    command: str
    started_utc: datetime
    elapsed_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    machine: Machine
    checkout: Path = Path(__file__).resolve().parents[1]


def render_page(run: PageRun, outputs: list[tuple[str, float, str]], figures: list[BenchFigure]) -> str:
    """outputs: (bench name, seconds it took, what it printed), in the order they ran."""
    lines = ["# Performance", "", INTRO, "", "## Machine", "", *markdown_lines(run.machine), ""]
    lines += ["## Run", "", *_run_lines(run), "", "## Figures", "", render_markdown(figures), ""]
    lines += ["## Detailed output", ""]
    for name, elapsed_s, printed in outputs:
        lines += [f"### bench_{name} ({elapsed_s:.0f} s)", "", "```", printed.strip("\n"), "```", ""]
    # The page is committed: paths inside this checkout (the interpreter the benches print) are written
    # relative to it, so it names no directory of the machine that ran it.
    return "\n".join(lines).replace(f"{run.checkout}/", "")


def _run_lines(run: PageRun) -> list[str]:
    lines = [
        f"- command: `{run.command}`",
        f"- started: {run.started_utc:%Y-%m-%d %H:%M} UTC; took {run.elapsed_s / 60:.1f} min",
        f"- load average (1, 5, 15 min) before: {_load(run.load_before)}; after: {_load(run.load_after)} "
        f"(on {run.machine.cores} cores: a load above that slows every figure, ratios less so)",
    ]
    busiest = max(run.load_before[0], run.load_after[0])
    if busiest > run.machine.cores:
        lines.insert(
            0,
            f"- **run on a loaded machine** (1-minute load {busiest:.1f} on {run.machine.cores} cores): "
            "absolute figures are slower than this machine can do: compare ratios, or rerun when it is quiet",
        )
    return lines


def _load(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)
