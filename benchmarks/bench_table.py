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


COLUMNS = ("figure", "harness", "reference tool", "reference", "ratio", "goal", "met")


def skipped(figure: str, *, reference_tool: str, goal: str, note: str) -> BenchFigure:
    """The row of a figure that could not be measured (no root, a missing tool): visible, never judged."""
    return BenchFigure(
        figure=figure,
        harness="-",
        reference_tool=reference_tool,
        reference="-",
        ratio=None,
        goal=goal,
        met=None,
        note=note,
    )


def cells(row: BenchFigure) -> tuple[str, ...]:
    """The row as the table shows it: ratio to 3 significant figures, met as yes / NO / - (not judged)."""
    ratio = "-" if row.ratio is None else f"{row.ratio:.3g}"
    met = "-" if row.met is None else ("yes" if row.met else "NO")
    return (row.figure, row.harness, row.reference_tool, row.reference, ratio, row.goal, met)


def render_text(rows: list[BenchFigure]) -> str:
    """The terminal table, columns padded to their widest cell; notes follow, numbered by row."""
    table = [COLUMNS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in table
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    lines += [f"note {i}: {row.figure}: {row.note}" for i, row in enumerate(rows, 1) if row.note]
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(rows: list[BenchFigure]) -> str:
    """The same table in Markdown, with a notes column (a `|` in a cell is escaped)."""
    header = (*COLUMNS, "note")
    body = [(*cells(row), row.note) for row in rows]
    lines = [_markdown_line(header), "|" + "---|" * len(header)]
    lines += [_markdown_line(line) for line in body]
    return "\n".join(lines)


def _markdown_line(values: tuple[str, ...]) -> str:
    return "| " + " | ".join(value.replace("|", "\\|").replace("\n", " ") for value in values) + " |"
