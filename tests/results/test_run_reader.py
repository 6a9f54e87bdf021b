"""Tests of harness.results.run_reader: a run read back whole, an interrupted run and its unfinished case, and
every unreadable run as one ResultsError line naming the path."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from run_builder import CASES, STARTED, build_run

from harness.errors import ResultsError, UserError
from harness.results.run_reader import read_run

RUN_ID = "20261126T013000Z-0001"


def test_a_finished_run_has_every_case_finished(tmp_path: Path) -> None:
    run = read_run(build_run(tmp_path, RUN_ID).path)
    assert run.run_id == RUN_ID
    assert not run.is_interrupted
    assert run.unfinished_cases == ()
    assert [c.test_id for c in run.cases] == [c.test_id for c in CASES]
    assert [c.outcome for c in run.cases] == ["pass", "pass"]
    assert run.measurements["value"].tolist() == [c.rtt_p95_ms for c in CASES]
    assert run.record.started_utc == STARTED
    assert run.test_dir(CASES[0].test_id).is_dir()


def test_latest_opens_the_newest_run(tmp_path: Path) -> None:
    build_run(tmp_path, RUN_ID)
    assert read_run(tmp_path / "latest").run_id == RUN_ID


def test_an_interrupted_run_keeps_its_finished_case_and_marks_the_other(tmp_path: Path) -> None:
    run = read_run(build_run(tmp_path, RUN_ID, is_finished=False).path)
    assert run.is_interrupted
    finished, unfinished = run.cases
    assert (finished.test_id, finished.outcome) == (CASES[0].test_id, "pass")
    assert run.unfinished_cases == (unfinished,)
    assert (unfinished.test_id, unfinished.outcome, unfinished.ended_utc) == (CASES[1].test_id, None, None)
    assert run.measurements["test_id"].tolist() == [CASES[0].test_id]


def test_a_run_killed_before_any_row_has_an_empty_table(tmp_path: Path) -> None:
    directory = build_run(tmp_path, RUN_ID, cases=CASES[:1], is_finished=False)
    assert not directory.measurements_csv.exists()
    run = read_run(directory.path)
    assert len(run.measurements) == 0
    assert run.measurements["value"].dtype == "float64"
    assert len(run.unfinished_cases) == 1


def error_of(path: Path) -> str:
    with pytest.raises(ResultsError) as error:
        read_run(path)
    assert isinstance(error.value, UserError)  # the command line's one line and exit 2
    message = str(error.value)
    assert "\n" not in message
    return message


def test_what_is_not_a_run_is_named(tmp_path: Path) -> None:
    assert error_of(tmp_path / "absent") == f"{tmp_path / 'absent'}: no such run directory"
    (tmp_path / "empty").mkdir()
    assert error_of(tmp_path / "empty") == f"{tmp_path / 'empty'}: not a run directory (no run.json in it)"
    (tmp_path / "file.txt").write_text("x")
    assert error_of(tmp_path / "file.txt") == f"{tmp_path / 'file.txt'}: not a run directory (it is a file)"


def test_a_newer_schema_is_refused_naming_the_file(tmp_path: Path) -> None:
    directory = build_run(tmp_path, RUN_ID)
    document = json.loads(directory.run_json.read_text())
    directory.run_json.write_text(json.dumps({**document, "schema_version": 3}))
    assert error_of(directory.path).startswith(f"{directory.run_json}: schema version 3 is newer than 1")


def test_a_newer_case_json_is_refused_naming_it(tmp_path: Path) -> None:
    directory = build_run(tmp_path, RUN_ID)
    case_json = directory.tests_path / CASES[1].test_id / "case.json"
    case_json.write_text(json.dumps({**json.loads(case_json.read_text()), "schema_version": 2}))
    assert error_of(directory.path).startswith(f"{case_json}: schema version 2 is newer")


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    directory = build_run(tmp_path, RUN_ID)
    directory.run_json.write_text("{ not json")
    assert error_of(directory.path).startswith(f"{directory.run_json}: ")
    other = build_run(tmp_path / "b", RUN_ID)
    other.measurements_csv.unlink()
    other.measurements_csv.mkdir()  # unreadable as a file even for root
    assert error_of(other.path) == f"{other.measurements_csv}: cannot read it: Is a directory"


def test_a_measurements_file_with_another_header_is_named(tmp_path: Path) -> None:
    directory = build_run(tmp_path, RUN_ID)
    directory.measurements_csv.write_text("a,b\n1,2\n")
    assert error_of(directory.path).startswith(f"{directory.measurements_csv} has columns")


def test_samples_keep_the_version_the_reader_checks(tmp_path: Path) -> None:
    directory = build_run(tmp_path, RUN_ID)
    samples = directory.tests_path / CASES[0].test_id / "samples-udp_echo.parquet"
    assert pq.read_schema(samples).metadata[b"miot.schema_version"] == b"1"
