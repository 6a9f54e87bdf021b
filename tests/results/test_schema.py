"""Schema versions of run files (harness/results/schema.py): Parquet files carry theirs in the footer, readers
refuse a newer major version naming the file, and files written before the key existed read as version 1."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.results import read_samples, write_parquet_atomic, write_samples
from harness.results.radio import read_radio, write_radio
from harness.results.schema import (
    PARQUET_VERSION_KEY,
    SCHEMA_VERSION,
    NewerSchemaError,
    parquet_schema_version,
)

SAMPLES = pd.DataFrame({"t_s": [0.0, 0.5], "rtt_ms": [812.0, 790.5]})


def stamped(path: Path, version: bytes | None) -> Path:
    """`path` rewritten with `version` as its schema key (None: no key at all, as before the key existed)."""
    table = pq.read_table(path)
    metadata = {k: v for k, v in (table.schema.metadata or {}).items() if k != PARQUET_VERSION_KEY}
    if version is not None:
        metadata[PARQUET_VERSION_KEY] = version
    pq.write_table(table.replace_schema_metadata(metadata), path)
    return path


def test_every_parquet_file_of_a_run_says_its_version(tmp_path: Path) -> None:
    samples = write_samples(tmp_path, "udp_echo", SAMPLES)
    radio = write_radio(tmp_path, pd.DataFrame({"t_s": [0.0], "rsrp_dbm": [-101.0]}))
    for path in (samples, radio):
        assert pq.read_schema(path).metadata[PARQUET_VERSION_KEY] == str(SCHEMA_VERSION).encode()
        assert parquet_schema_version(path) == SCHEMA_VERSION


def test_frame_attrs_survive_beside_the_version(tmp_path: Path) -> None:
    frame = SAMPLES.copy()
    frame.attrs["markers"] = [{"t_s": 0.25, "label": "send"}]
    write_parquet_atomic(tmp_path / "power.parquet", frame)
    assert pd.read_parquet(tmp_path / "power.parquet").attrs == {"markers": [{"t_s": 0.25, "label": "send"}]}


def test_a_file_without_the_key_is_version_1(tmp_path: Path) -> None:
    path = stamped(write_samples(tmp_path, "udp_echo", SAMPLES), None)
    assert parquet_schema_version(path) == 1
    pd.testing.assert_frame_equal(read_samples(path), SAMPLES)


def test_a_newer_major_version_is_refused_naming_the_file(tmp_path: Path) -> None:
    samples = stamped(write_samples(tmp_path, "udp_echo", SAMPLES), str(SCHEMA_VERSION + 1).encode())
    with pytest.raises(NewerSchemaError, match=f"{samples}: schema version {SCHEMA_VERSION + 1} is newer"):
        read_samples(samples)
    radio = stamped(write_radio(tmp_path, pd.DataFrame({"t_s": [0.0]})), b"7")
    with pytest.raises(NewerSchemaError, match=str(radio)):
        read_radio(tmp_path)


def test_a_version_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    path = stamped(write_samples(tmp_path, "udp_echo", SAMPLES), b"one")
    with pytest.raises(ValueError, match=f"{path}: miot.schema_version b'one' is not a number"):
        parquet_schema_version(path)


def test_a_plain_pyarrow_table_reads_as_well(tmp_path: Path) -> None:
    path = tmp_path / "samples-ping.parquet"
    pq.write_table(pa.table({"t_s": [1.0]}), path)
    assert read_samples(path)["t_s"].tolist() == [1.0]
