"""results layer: `miot export RUN_DIR... --to DIR`, runs as Hive-partitioned Parquet that DuckDB (one
machine) or Spark/Trino (many) query as it is (DESIGN "What a run writes").

    DIR/runs/date=<run start, UTC>/part-<run_id>.parquet
    DIR/modules/date=.../part-<run_id>.parquet
    DIR/cases/date=.../part-<run_id>.parquet
    DIR/measurements/date=.../operator=<operator>/module=<module id>/part-<run_id>.parquet
    DIR/samples/<engine>/date=.../part-<run_id>.parquet      (and DIR/radio/..., DIR/power/...)

e.g. in DuckDB: `SELECT operator, module, median(value) FROM read_parquet('DIR/measurements/**/*.parquet',
hive_partitioning = true) WHERE metric = 'rtt_p95_ms' GROUP BY ALL`; add `union_by_name = true` where runs
of different harness versions wrote different columns. The tables are harness.results.export_tables'.

A run is partitioned by the date it started, so all of it is in one date. Every file of a run is named
`part-<run_id>.parquet`, so exporting a run again replaces its parts: the new ones are written (each whole,
temp then rename), then any part of that run the new export did not write is removed. Runs are all read
and checked before anything is written; a run that cannot be read is one ResultsError line naming it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.errors import ResultsError
from harness.results.export_tables import (
    cases_table,
    measurements_table,
    modules_table,
    runs_table,
    sample_tables,
    table_files,
)
from harness.results.files import write_parquet_atomic
from harness.results.hive import partition_path
from harness.results.run_reader import RunContents, read_file, read_run
from harness.results.schema import parquet_schema_version

TABLES = ("runs", "modules", "cases", "measurements", "samples", "radio", "power")
MEASUREMENT_PARTITIONS = ("operator", "module")


@dataclass(slots=True, kw_only=True)
class RunExport:
    """What one run's export wrote: rows per table, and the part files."""

    run_id: str
    is_interrupted: bool
    unfinished_cases: int
    rows: dict[str, int] = field(default_factory=dict)
    parts: list[Path] = field(default_factory=list)


def export_runs(run_paths: Sequence[Path], to: Path) -> list[RunExport]:
    runs = [read_run(Path(path)) for path in run_paths]
    seen: dict[str, Path] = {}
    for run in runs:
        if (other := seen.setdefault(run.run_id, run.directory.path)) != run.directory.path:
            raise ResultsError(
                f"{run.directory.path}: run id {run.run_id} is also {other}'s; export one of them"
            )
    for run in runs:  # footers only: a newer or broken file stops the export before it writes
        for _, path in table_files(run):
            read_file(path, parquet_schema_version)
    if Path(to).exists() and not Path(to).is_dir():
        raise ResultsError(f"{to}: the export directory is a file")
    previous = existing_parts(Path(to))
    return [export_run(run, Path(to), previous.get(part_name(run.run_id), [])) for run in runs]


def export_run(run: RunContents, to: Path, previous: Sequence[Path]) -> RunExport:
    done = RunExport(
        run_id=run.run_id, is_interrupted=run.is_interrupted, unfinished_cases=len(run.unfinished_cases)
    )
    date = run.record.started_utc.date().isoformat()
    try:
        write_part(done, to, "runs", runs_table(run), [("date", date)])
        write_part(done, to, "modules", modules_table(run), [("date", date)])
        write_part(done, to, "cases", cases_table(run), [("date", date)])
        measurements = measurements_table(run)
        for values, rows in measurements.groupby(list(MEASUREMENT_PARTITIONS), dropna=False, sort=True):
            # a missing operator groups under NA: the null partition
            keys = [
                (k, v if isinstance(v, str) else None)
                for k, v in zip(MEASUREMENT_PARTITIONS, values, strict=True)
            ]
            table = rows.drop(columns=list(MEASUREMENT_PARTITIONS))
            write_part(done, to, "measurements", table, [("date", date), *keys])
        for name, frame in sample_tables(run):
            write_part(done, to, name, frame, [("date", date)])
    except OSError as error:
        raise ResultsError(f"{error.filename or to}: cannot write the export: {error.strerror}") from None
    except ValueError as error:
        raise ResultsError(f"{run.directory.path}: cannot export: {error}") from None
    for stale in set(previous) - set(done.parts):
        remove_part(stale, to)
    return done


def write_part(
    done: RunExport, to: Path, table: str, frame: pd.DataFrame, keys: list[tuple[str, str | None]]
) -> None:
    """Write one part unless it has no rows; tables without rows in a run get no file from it."""
    if frame.empty:
        return
    directory = partition_path(to / table, keys)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / part_name(done.run_id)
    write_parquet_atomic(path, frame)
    done.parts.append(path)
    done.rows[table] = done.rows.get(table, 0) + len(frame)


def part_name(run_id: str) -> str:
    return f"part-{run_id}.parquet"


def existing_parts(to: Path) -> dict[str, list[Path]]:
    """The part files already in the export's tables, by file name (one name per run)."""
    found: dict[str, list[Path]] = {}
    for table in TABLES:
        for path in (to / table).rglob("part-*.parquet"):
            found.setdefault(path.name, []).append(path)
    return found


def remove_part(path: Path, to: Path) -> None:
    """Remove a part and the partition directories it leaves empty, up to its table's directory."""
    path.unlink(missing_ok=True)
    tables = {to / table for table in TABLES}
    directory = path.parent
    while directory not in tables and directory != to and not any(directory.iterdir()):
        os.rmdir(directory)
        directory = directory.parent
