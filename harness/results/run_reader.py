"""results layer: one run directory read back whole: run.json, measurements.csv and every case's case.json.

A run is read as far as it got: run.json without an end time is an interrupted run (killed, or still
running), measurements.csv holds the rows of every case that finished (a row torn by the kill is left out)
and a case whose case.json still says `running` is unfinished. read_run_record and read_measurements stay
the readers of the single files; this module adds the run as a whole, and turns every reason a run cannot be
read into one ResultsError line naming the path (the command line shows it and exits 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd

from harness.errors import ResultsError
from harness.results.case_record import CASE_FILE, CaseRecord, read_case_record
from harness.results.measurements import empty_measurements, read_measurements
from harness.results.run_directory import RunDirectory
from harness.results.run_record import RunRecord, read_run_record

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunContents:
    directory: RunDirectory
    record: RunRecord
    measurements: pd.DataFrame
    cases: tuple[CaseRecord, ...]

    @property
    def run_id(self) -> str:
        return self.directory.run_id

    @property
    def is_interrupted(self) -> bool:
        """No end time in run.json: the run was killed (or is still running)."""
        return self.record.ended_utc is None

    @property
    def unfinished_cases(self) -> tuple[CaseRecord, ...]:
        return tuple(case for case in self.cases if case.is_unfinished)

    def test_dir(self, test_id: str) -> Path:
        return self.directory.tests_path / test_id


def read_run(path: Path) -> RunContents:
    """The run in directory `path` (or the run `results/latest` links to); ResultsError naming the path
    when it is not a run directory or a file in it cannot be read."""
    directory = open_run_directory(Path(path))
    record = read_file(directory.run_json, read_run_record)
    csv = directory.measurements_csv
    measurements = read_file(csv, read_measurements) if csv.exists() else empty_measurements()
    cases = [read_file(p, read_case_record) for p in sorted(directory.tests_path.glob(f"*/{CASE_FILE}"))]
    cases.sort(key=lambda case: (case.started_utc, case.test_id))
    return RunContents(directory=directory, record=record, measurements=measurements, cases=tuple(cases))


def open_run_directory(path: Path) -> RunDirectory:
    if not path.exists():
        raise ResultsError(f"{path}: no such run directory")
    if not path.is_dir():
        raise ResultsError(f"{path}: not a run directory (it is a file)")
    try:
        directory = RunDirectory.open(path)
    except ValueError as error:
        raise ResultsError(f"{path}: not a run directory ({error})") from None
    if not directory.run_json.exists():
        raise ResultsError(f"{path}: not a run directory (no run.json in it)")
    return directory


def read_file(path: Path, reader: Callable[[Path], T]) -> T:
    """reader(path), its errors as one ResultsError line that names the file once."""
    try:
        return reader(path)
    except OSError as error:
        raise ResultsError(f"{path}: cannot read it: {error.strerror or error}") from None
    except ValueError as error:  # also a newer schema (NewerSchemaError) and undecodable text
        message = " ".join(str(error).split())
        raise ResultsError(message if str(path) in message else f"{path}: {message}") from None
