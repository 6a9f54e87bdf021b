"""Tests of harness.results.hive: partition values escaped as Hive and Spark escape them, read back unchanged
(by the inverse here, and by DuckDB), never more than one directory level."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.results.hive import (
    DEFAULT_PARTITION,
    escape_partition_value,
    partition_path,
    unescape_partition_value,
)

# no surrogates: a file name is UTF-8
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@given(TEXT)
def test_escaping_round_trips_and_stays_one_name(value: str) -> None:
    escaped = escape_partition_value(value)
    assert unescape_partition_value(escaped) == (value or None)
    assert "/" not in escaped
    assert "\x00" not in escaped
    assert "=" not in escaped


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("CMCC", "CMCC"),
        ("00101", "00101"),
        ("China Mobile", "China Mobile"),
        ("中国移动", "中国移动"),
        ("a/b", "a%2Fb"),
        ("x=1", "x%3D1"),
        ("50%", "50%25"),
        ("..", ".."),
        ("tab\there", "tab%09here"),
        ("", DEFAULT_PARTITION),
        (None, DEFAULT_PARTITION),
    ],
)
def test_hive_escapes(value: str | None, escaped: str) -> None:
    assert escape_partition_value(value) == escaped


def test_duckdb_reads_every_value_back(tmp_path: Path) -> None:
    values = ["a/b", "x=1", "50%", "中国移动", "AT&T #1 [x]", "it's", None]
    for index, value in enumerate(values):
        directory = partition_path(tmp_path / "t", [("date", "2026-11-26"), ("operator", value)])
        directory.mkdir(parents=True)
        pd.DataFrame({"i": [index]}).to_parquet(directory / "part-1.parquet")
    table = f"read_parquet('{tmp_path}/t/**/*.parquet', hive_partitioning = true)"
    rows = duckdb.sql(f"SELECT i, operator FROM {table} ORDER BY i").fetchall()
    assert rows == list(enumerate(values))


def test_a_name_over_255_bytes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="operator='xxx"):
        partition_path(tmp_path, [("operator", "x" * 300)])
