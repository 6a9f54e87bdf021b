"""Tests of harness.results.run_directory: layout, run ids, the latest link, safe test ids."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from harness.results.run_directory import RunDirectory, new_run_id


def test_new_run_id_is_utc_and_sortable() -> None:
    beijing = timezone(timedelta(hours=8))
    run_id = new_run_id(datetime(2026, 11, 25, 23, 32, 52, tzinfo=beijing))
    assert re.fullmatch(r"20261125T153252Z-[0-9a-f]{4}", run_id)
    earlier = new_run_id(datetime(2026, 11, 25, 15, 32, 51, tzinfo=UTC))
    assert earlier < run_id
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", new_run_id())


def test_create_lays_out_the_run_and_links_latest(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "results", "20261125T153252Z-1a2b")
    assert run.path == tmp_path / "results" / "20261125T153252Z-1a2b"
    assert run.path.is_dir()
    assert (run.path / "tests").is_dir()
    assert run.run_json == run.path / "run.json"
    assert run.measurements_csv == run.path / "measurements.csv"
    assert run.events_jsonl == run.path / "events.jsonl"
    assert run.report_html == run.path / "report.html"
    assert run.junit_xml == run.path / "junit.xml"
    latest = tmp_path / "results" / "latest"
    assert os.readlink(latest) == "20261125T153252Z-1a2b"  # relative: the results tree can move
    assert latest.resolve() == run.path.resolve()


def test_latest_follows_the_newest_run_and_leaves_no_temporary(tmp_path: Path) -> None:
    RunDirectory.create(tmp_path, "20261125T000000Z-aaaa")
    second = RunDirectory.create(tmp_path)
    assert os.readlink(tmp_path / "latest") == second.run_id
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["20261125T000000Z-aaaa", second.run_id, "latest"])


def test_create_refuses_an_existing_run(tmp_path: Path) -> None:
    RunDirectory.create(tmp_path, "run-1")
    with pytest.raises(FileExistsError):
        RunDirectory.create(tmp_path, "run-1")


def test_latest_that_is_a_real_directory_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "latest").mkdir()
    with pytest.raises(FileExistsError, match="not a symlink"):
        RunDirectory.create(tmp_path, "run-1")
    assert (tmp_path / "latest").is_dir()


@pytest.mark.parametrize("run_id", ["latest", "", "../x", "a/b", ".hidden"])
def test_bad_run_ids_are_refused(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(ValueError, match="run id"):
        RunDirectory.create(tmp_path, run_id)
    assert list(tmp_path.iterdir()) == []


def test_test_dir_is_created_inside_tests(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path, "run-1")
    path = run.test_dir("echo-64b@nb-ce0")
    assert path == run.path / "tests" / "echo-64b@nb-ce0"
    assert path.is_dir()
    assert run.test_dir("echo-64b@nb-ce0") == path  # again: no error


UNSAFE_IDS = ["", ".", "..", "../escape", "a/b", "a\\b", ".hidden", "-rf", "a..b", "x\n", "a b", "é", "/abs"]


@pytest.mark.parametrize("test_id", [*UNSAFE_IDS, "x" * 129])
def test_test_dir_refuses_unsafe_ids(tmp_path: Path, test_id: str) -> None:
    run = RunDirectory.create(tmp_path, "run-1")
    with pytest.raises(ValueError, match="test id"):
        run.test_dir(test_id)
    assert list(run.tests_path.iterdir()) == []


def test_open_finds_an_existing_run(tmp_path: Path) -> None:
    created = RunDirectory.create(tmp_path, "run-1")
    for path in (created.path, tmp_path / "latest"):
        opened = RunDirectory.open(path)
        assert opened.run_id == "run-1"
        assert opened.path.resolve() == created.path.resolve()
    with pytest.raises(FileNotFoundError):
        RunDirectory.open(tmp_path / "run-2")
