"""Tests of harness.results.files: whole-file writes are all-or-nothing, appends add whole lines."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from harness.results.files import append_jsonl, write_bytes_atomic, write_json_atomic, write_parquet_atomic


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


def test_write_bytes_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_bytes_atomic(target, b"old and longer content")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path, {"report.html"}) == []


def test_written_file_gets_umask_permissions_not_0600(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    old_umask = os.umask(0o022)
    try:
        write_json_atomic(target, {"a": 1})
    finally:
        os.umask(old_umask)
    assert target.stat().st_mode & 0o777 == 0o644


def test_failed_replace_keeps_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run.json"
    write_json_atomic(target, {"version": 1})

    def refuse(*_args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk gone"):
        write_json_atomic(target, {"version": 2})
    assert json.loads(target.read_text()) == {"version": 1}
    assert leftovers(tmp_path, {"run.json"}) == []


def test_json_with_nan_is_refused_before_writing(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json_atomic(target, {"ok": True})
    with pytest.raises(ValueError, match="JSON"):
        write_json_atomic(target, {"value": math.nan})
    assert json.loads(target.read_text()) == {"ok": True}
    assert leftovers(tmp_path, {"run.json"}) == []


def test_parquet_failing_midway_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "radio.parquet"
    good = pd.DataFrame({"t_s": [0.0, 1.0], "rsrp_dbm": [-100.0, -101.0]})
    write_parquet_atomic(target, good)
    unwritable = pd.DataFrame({"t_s": [0.0, 1.0], "thing": [object(), object()]})
    with pytest.raises(Exception):  # noqa: B017, PT011  (pyarrow's own error type)
        write_parquet_atomic(target, unwritable)
    pd.testing.assert_frame_equal(pd.read_parquet(target), good)
    assert leftovers(tmp_path, {"radio.parquet"}) == []


def test_json_is_utf8_and_readable(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json_atomic(target, {"site": "实验室 µ"})
    assert json.loads(target.read_bytes().decode("utf-8")) == {"site": "实验室 µ"}


def test_append_jsonl_adds_one_line_per_record(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    append_jsonl(events, {"event": "registered", "stat": 1})
    append_jsonl(events, {"event": "rrc", "text": "line\nbreak stays escaped"})
    lines = events.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["registered", "rrc"]
    assert events.read_text().endswith("\n")


def test_append_jsonl_refuses_nan_without_touching_the_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    append_jsonl(events, {"n": 1})
    with pytest.raises(ValueError, match="JSON"):
        append_jsonl(events, {"n": math.nan})
    assert events.read_text() == '{"n":1}\n'
