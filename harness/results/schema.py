"""results layer: the schema version of the files a run writes, and the check every reader makes.

One number, SCHEMA_VERSION, is the major version of the whole run directory: run.json, case.json,
measurements.csv and the Parquet files. It changes only when an old reader would misread a new file (a field
renamed, a unit changed, a meaning changed); adding a field or column does not change it, and readers ignore
what they do not know. A reader refuses a file of a newer major version, naming the file, rather than guess.

Where each file says its version:
- run.json and case.json: a `schema_version` field.
- Parquet files (samples, radio, power, and every file of an export): the key-value metadata key
  `miot.schema_version` of the Parquet footer, read without reading the data. Files written before the key
  existed are version 1.
- measurements.csv: it stays plain CSV, the header and rows only, so Excel, grep and a bare
  `pandas.read_csv` read it without options; its version is the one run.json beside it states, and its
  header (exactly the version's COLUMNS) is checked by its reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

SCHEMA_VERSION = 1
PARQUET_VERSION_KEY = b"miot.schema_version"


class NewerSchemaError(ValueError):
    """A file written by a newer harness, in a schema version this one cannot read."""


def check_schema_version(version: int, where: str) -> None:
    """NewerSchemaError for a version above SCHEMA_VERSION, ValueError for one below 1."""
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{where}: schema version {version} is newer than {SCHEMA_VERSION}, the newest this miot reads; "
            "read it with a newer miot"
        )
    if version < 1:
        raise ValueError(f"{where}: schema version {version} is not a version (they start at 1)")


def parquet_metadata() -> dict[bytes, bytes]:
    """The key-value metadata every Parquet file of a run carries."""
    return {PARQUET_VERSION_KEY: str(SCHEMA_VERSION).encode("ascii")}


def parquet_schema_version(path: Path) -> int:
    """The schema version in a Parquet file's footer (1 when it has none); ValueError naming the file for a
    version that is not a number, NewerSchemaError for a newer one."""
    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(PARQUET_VERSION_KEY, b"1")
    try:
        version = int(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{path}: {PARQUET_VERSION_KEY.decode()} {raw!r} is not a number") from None
    check_schema_version(version, str(path))
    return version


def read_run_parquet(path: Path, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A Parquet file of a run (only `columns` when given), after its schema version is checked."""
    parquet_schema_version(path)
    return pd.read_parquet(path, columns=None if columns is None else list(columns))
