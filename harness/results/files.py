"""results layer: how the files of a run reach the disk (DESIGN "What a run writes").

Each file is either written whole or appended per record, so that a run killed midway keeps every finished
test and `miot report` can still read it:
- whole: a temporary file in the same directory (same file system, so the rename is atomic), written,
  fsynced, then `os.replace`d over the target; the directory is fsynced so the rename itself survives a
  power cut. A failed write leaves the old file untouched and no temporary file behind.
- appended: one `write` per record on a file opened with O_APPEND, then fsync. A single append of a few kB
  is not interleaved with another process's (pytest-xdist workers share events.jsonl).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from harness.errors import UserError
from harness.results.schema import parquet_metadata


def writable_output(path: Path, who: str) -> Path:
    """`path` for a command's output file (`-o`), or UserError naming it when its directory is missing."""
    if not Path(path).parent.is_dir():
        raise UserError(f"{who}: -o {path}: no directory {Path(path).parent}")
    return Path(path)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    _replace_with(path, lambda f: f.write(data))


def write_json_atomic(path: Path, document: object) -> None:
    """Pretty-printed UTF-8 JSON. NaN and infinity are refused (they are not JSON) before anything is
    written."""
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


def write_parquet_atomic(path: Path, df: pd.DataFrame) -> None:
    """Parquet through pyarrow; the index is not written (raw rows carry their own columns). The footer
    carries the schema version (harness.results.schema) and, as pandas' own writer does, the frame's
    `attrs` (power traces keep their markers there)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), **parquet_metadata()}
    if df.attrs:
        # the key pandas.read_parquet restores `attrs` from (pandas.io.parquet, pandas >= 2.1)
        metadata[b"PANDAS_ATTRS"] = json.dumps(df.attrs).encode("utf-8")
    stamped = table.replace_schema_metadata(metadata)
    _replace_with(path, lambda f: pq.write_table(stamped, f))


def append_jsonl(path: Path, record: Mapping[str, object]) -> None:
    """Append one JSON object as one line, flushed and fsynced before returning."""
    line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
    append_bytes(path, line.encode("utf-8"))


def append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_with(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    with _temporary_beside(path) as (temporary, stream):
        write(stream)
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        os.replace(temporary, path)
    fsync_directory(path.parent)


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[Path, IO[bytes]]]:
    # O_EXCL with a random name rather than mkstemp: mkstemp makes files 0600, results are for sharing
    # and should get the umask's usual permissions.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    stream = os.fdopen(fd, "wb")
    try:
        yield temporary, stream
    except BaseException:
        stream.close()
        temporary.unlink(missing_ok=True)
        raise
