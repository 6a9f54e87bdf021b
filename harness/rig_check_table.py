"""glue layer: `miot rig check`'s one table, a row per probed thing (harness.rig_probe.ProbeRow):

    kind    id      | status | answered                                     | did not answer
    module  nb-ce0  | ok     | dialect quectel_nbiot, Quectel_BC660K-GL ...  | -
    server  remote  | failed | -                                            | token from $MIOT_TOKEN: ...

Plain text with aligned columns, so a terminal, a CI log and grep all read it; the last column is not padded.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.rig_probe import ProbeRow

HEADER = ("kind", "id", "status", "answered", "did not answer")
EMPTY = "-"


def check_table(rows: Sequence[ProbeRow]) -> str:
    """The table's lines, header first, joined by newlines (no trailing newline)."""
    cells = [HEADER, *(row_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER) - 1)]
    return "\n".join(_line(line, widths) for line in cells)


def row_cells(row: ProbeRow) -> tuple[str, str, str, str, str]:
    """kind, id, status, what answered (comma-separated), what did not (semicolon-separated: each reason
    may hold commas)."""
    failed = row.failed
    if row.held_by is not None:
        failed = (f"not probed: in use by {row.held_by}", *failed)
    return (
        row.kind,
        row.id,
        row.status.value,
        ", ".join(row.answered) or EMPTY,
        "; ".join(failed) or EMPTY,
    )


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    kind, row_id, *rest = (cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
    return " | ".join([f"{kind}  {row_id}", *rest, cells[-1]]).rstrip()
