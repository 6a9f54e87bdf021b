"""The suite `make bench` runs (issue 10): every benchmarks/bench_*.py in turn, each printing its detailed
table as it runs and returning its headline figures, then the one table of them all, and docs/performance.md
with the machine, the command, the date, that table and each bench's output as it printed.

A bench that raises is reported as a row that says so (met not judged) and the suite goes on: one broken
comparison must not cost the figures of the others.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import benchmarks
from benchmarks.bench_table import BenchFigure, render_text, skipped
from benchmarks.machine import describe_machine
from benchmarks.performance_page import PageRun, render_page

PREFIX = "bench_"
NOT_BENCHES = frozenset({"bench_table"})
DEFAULT_PAGE = Path(benchmarks.__file__).resolve().parent.parent / "docs" / "performance.md"


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchOutput:
    name: str
    figures: list[BenchFigure]
    printed: str
    elapsed_s: float


class _Tee(io.TextIOBase):
    """Writes to the terminal and keeps a copy: the page shows each bench's output as it printed."""

    def __init__(self, terminal: TextIO) -> None:
        self._terminal = terminal
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self._terminal.write(text)
        self._terminal.flush()
        return self.kept.write(text)


def bench_names() -> list[str]:
    """Every bench module's short name (bench_udp_rtt -> udp_rtt), in file order."""
    found = (info.name for info in pkgutil.iter_modules(benchmarks.__path__))
    return sorted(
        name.removeprefix(PREFIX) for name in found if name.startswith(PREFIX) and name not in NOT_BENCHES
    )


def run_bench(name: str) -> BenchOutput:
    """Import and run one bench, its printed output kept; an exception becomes a row that says so."""
    tee = _Tee(sys.stdout)
    start = time.monotonic()
    with contextlib.redirect_stdout(tee):
        figures = _figures_of(name)
    return BenchOutput(
        name=name, figures=figures, printed=tee.kept.getvalue(), elapsed_s=time.monotonic() - start
    )


def _figures_of(name: str) -> list[BenchFigure]:
    try:
        main: Callable[[], list[BenchFigure]] = importlib.import_module(f"benchmarks.{PREFIX}{name}").main
        figures = main()
    except Exception as error:  # one bench's failure is reported as its row, the suite goes on
        traceback.print_exc(file=sys.stdout)
        return [skipped(name, reference_tool="-", goal="-", note=f"the bench failed: {error!r}")]
    if not figures:
        return [skipped(name, reference_tool="-", goal="-", note="the bench returned no figures")]
    return figures


def parse_args(argv: Sequence[str], names: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the benchmarks and print the one table of their figures.",
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", choices=names, help=f"run only these benches: {', '.join(names)}"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--output", type=Path, default=DEFAULT_PAGE, help=argparse.SUPPRESS)
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    names = bench_names()
    args = parse_args(argv, names)
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    start = time.monotonic()
    outputs = []
    for name in args.only or names:
        print(f"\n=== {PREFIX}{name}", flush=True)
        outputs.append(run_bench(name))
    elapsed_s = time.monotonic() - start
    figures = [figure for output in outputs for figure in output.figures]
    print(f"\n=== the one table ({elapsed_s / 60:.1f} min in all)")
    print(render_text(figures))
    if not args.no_write:
        run = PageRun(
            command=" ".join(["python -m benchmarks", *argv]),
            started_utc=started,
            elapsed_s=elapsed_s,
            load_before=load_before,
            load_after=os.getloadavg(),
            machine=describe_machine(),
        )
        args.output.write_text(render_page(run, [(o.name, o.elapsed_s, o.printed) for o in outputs], figures))
        print(f"written: {args.output}")
    return 0
