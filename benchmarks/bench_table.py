"""The one table `make bench` prints (issue 10): a row per figure, the harness against the reference tool a
lab would otherwise use, their ratio and the goal, from the run that printed it.

Every benchmark module keeps its own detailed table (printed as it runs) and returns its headline figures as
`BenchFigure`s from `main()`; `benchmarks/__main__.py` prints them together and writes docs/performance.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchFigure:
    """One headline figure. `harness` and `reference` are shown as given (value and unit, e.g. "142 us");
    `ratio` is harness / reference in the sense the goal states (None when there is no reference, e.g. a
    missing tool, or the figure is absolute); `met` is whether the goal holds, None when it cannot be judged
    (skipped, missing tool). `note` says why, when a goal is missed or a row skipped."""

    figure: str
    harness: str
    reference_tool: str
    reference: str
    ratio: float | None
    goal: str
    met: bool | None
    note: str = ""
