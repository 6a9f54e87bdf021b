"""results layer: measurements.csv, every KPI of every test in long form (DESIGN "What a run writes").

One row per metric per test iteration, columns exactly COLUMNS. Small, so Excel and grep read it; rows are
appended per test, flushed and fsynced, so a run killed midway keeps every finished test. Several
pytest-xdist workers append to one file: an exclusive flock makes "write the header when the file is
empty" and the append one step. A row cut short by a kill (no final newline) is dropped by the reader and
cut off by the next writer; it was never acknowledged to its caller.

Text fields must not hold line breaks: one row is one line, so grep and the torn-row rule stay true.
"""

from __future__ import annotations

import csv
import fcntl
import io
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from harness.kpi import OUTCOME_SEVERITY, Measurement
from harness.results.files import write_all
from harness.results.timestamps import format_utc

COLUMNS: tuple[str, ...] = (
    "run_id",
    "test_id",
    "case_id",
    "iteration",
    "module_id",
    "rat",
    "operator",
    "metric",
    "value",
    "unit",
    "low",
    "high",
    "marginal_low",
    "marginal_high",
    "outcome",
    "recorded_utc",
)
NUMBER_COLUMNS: tuple[str, ...] = ("value", "low", "high", "marginal_low", "marginal_high")
# columns where an empty cell means "none" rather than an empty text
NULLABLE_COLUMNS: tuple[str, ...] = ("iteration", "operator", *NUMBER_COLUMNS)
OUTCOME_DTYPE = pd.CategoricalDtype(categories=[str(o) for o in OUTCOME_SEVERITY], ordered=True)
_HEADER = (",".join(COLUMNS) + "\n").encode("utf-8")
_CHUNK_BYTES = 65536


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasurementContext:
    """Where a measurement was taken: the columns of a row that do not come from the measurement."""

    run_id: str
    test_id: str
    case_id: str
    iteration: int
    module_id: str
    rat: str
    operator: str | None = None


def tabulate_measurements(
    context: MeasurementContext, measurements: Iterable[Measurement], *, recorded_utc: datetime | None = None
) -> list[dict[str, object]]:
    """Rows for measurements.csv, one per measurement, all stamped with one recording time."""
    stamp = recorded_utc or datetime.now(UTC)
    rows: list[dict[str, object]] = []
    for m in measurements:
        limit = m.limit
        rows.append(
            {
                "run_id": context.run_id,
                "test_id": context.test_id,
                "case_id": context.case_id,
                "iteration": context.iteration,
                "module_id": context.module_id,
                "rat": str(context.rat),
                "operator": context.operator,
                "metric": m.metric,
                "value": m.value,
                "unit": m.unit,
                "low": limit.low if limit else None,
                "high": limit.high if limit else None,
                "marginal_low": limit.marginal_low if limit else None,
                "marginal_high": limit.marginal_high if limit else None,
                "outcome": str(m.outcome),
                "recorded_utc": stamp,
            }
        )
    return rows


class MeasurementsWriter:
    """Appends rows to one measurements.csv; the header is written once, when the file is empty."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, rows: Iterable[Mapping[str, object]]) -> None:
        data = _format_rows(rows)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = _drop_torn_row(fd)
            if size == 0:
                data = _HEADER + data
            else:
                _check_header(fd, self.path)
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)  # also releases the flock


def _format_rows(rows: Iterable[Mapping[str, object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        if set(row) != set(COLUMNS):
            extra = sorted(set(row) - set(COLUMNS))
            lacking = [c for c in COLUMNS if c not in row]
            raise ValueError(f"a measurements row needs exactly COLUMNS; extra {extra}, lacking {lacking}")
        writer.writerow([_format_cell(column, row[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _format_cell(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return format_utc(value, column)
    text = repr(value) if isinstance(value, float) else str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"{column} {text!r} holds a line break; one row must stay one line")
    return text


def _drop_torn_row(fd: int) -> int:
    """Cut the file after its last complete line; the new size."""
    size = os.fstat(fd).st_size
    end = size
    while end > 0:
        start = max(0, end - _CHUNK_BYTES)
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            end = start + cut + 1
            break
        end = start
    if end != size:
        os.ftruncate(fd, end)
    return end


def _check_header(fd: int, path: Path) -> None:
    first = os.pread(fd, len(_HEADER), 0)
    if first != _HEADER:
        seen = first.decode("utf-8", "replace").splitlines()[0] if first else ""
        raise ValueError(f"{path} does not start with the measurements header; found {seen!r}")


def read_measurements(path: Path) -> pd.DataFrame:
    """measurements.csv as a table: text columns as `string`, iteration `Int64`, numbers `float64` (empty
    is NaN), outcome an ordered categorical (pass < unchecked < marginal < missing < fail), recorded_utc
    UTC datetimes. A torn last row is left out."""
    data = Path(path).read_bytes()
    data = data[: data.rfind(b"\n") + 1]
    if not data:
        return empty_measurements()
    frame = pd.read_csv(
        io.BytesIO(data),
        dtype="string",
        keep_default_na=False,
        na_values={c: [""] for c in NULLABLE_COLUMNS},
        encoding="utf-8",
    )
    return _typed(frame, path)


def empty_measurements() -> pd.DataFrame:
    """No rows, with read_measurements' columns and dtypes (a run killed before its first case ended)."""
    return _typed(pd.DataFrame({c: pd.Series([], dtype="string") for c in COLUMNS}), Path("(empty)"))


def _typed(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    if tuple(frame.columns) != COLUMNS:
        raise ValueError(f"{path} has columns {list(frame.columns)}, expected {list(COLUMNS)}")
    unknown = set(frame["outcome"].dropna()) - set(OUTCOME_DTYPE.categories)
    if unknown:
        raise ValueError(f"{path} has unknown outcomes {sorted(unknown)}")
    frame = frame.astype({"iteration": "Int64", **dict.fromkeys(NUMBER_COLUMNS, "float64")})
    frame["outcome"] = frame["outcome"].astype(OUTCOME_DTYPE)
    frame["recorded_utc"] = pd.to_datetime(frame["recorded_utc"], utc=True, format="ISO8601")
    return frame
