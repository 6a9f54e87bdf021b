"""results layer: raw samples of a test, `tests/<test_id>/samples-<engine>.parquet` (DESIGN "What a run
writes").

Every samples file starts with a numeric `t_s` column (seconds on the run's clock), so plots and joins
with radio.parquet and power.parquet line up without knowing the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from harness.results.files import write_parquet_atomic
from harness.results.schema import read_run_parquet

TIME_COLUMN = "t_s"
_ENGINE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def samples_path(test_dir: Path, engine: str) -> Path:
    if not _ENGINE.match(engine):
        raise ValueError(f"engine name {engine!r} must be lowercase letters, digits and '_' (e.g. udp_echo)")
    return Path(test_dir) / f"samples-{engine}.parquet"


def write_samples(test_dir: Path, engine: str, frame: pd.DataFrame) -> Path:
    """Write the engine's raw rows whole; the path written."""
    check_samples(frame, f"samples of {engine}")
    path = samples_path(test_dir, engine)
    write_parquet_atomic(path, frame)
    return path


def read_samples(path: Path, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The samples file whole, or `t_s` and these columns only (a file's other columns are not read)."""
    kept = None if columns is None else [TIME_COLUMN, *(c for c in columns if c != TIME_COLUMN)]
    frame = read_run_parquet(path, columns=kept)
    check_samples(frame, str(path))
    return frame


def check_samples(frame: pd.DataFrame, what: str) -> None:
    """ValueError unless the first column is a numeric `t_s`."""
    columns = list(frame.columns)
    if not columns or columns[0] != TIME_COLUMN:
        raise ValueError(f"{what} must start with a {TIME_COLUMN!r} column; columns are {columns}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"{what} has repeated column names: {columns}")
    dtype = frame[TIME_COLUMN].dtype
    if not is_numeric_dtype(dtype) or is_bool_dtype(dtype):
        raise ValueError(f"{what}: {TIME_COLUMN!r} must hold seconds as numbers, not {dtype}")
