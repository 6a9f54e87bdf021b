"""Tests of harness.results.case_record: case.json round trip, running then finished, and what it refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.results import NewerSchemaError
from harness.results.case_record import (
    CaseRecord,
    CaseState,
    case_record_path,
    read_case_record,
    write_case_record,
)

STARTED = datetime(2026, 11, 26, 1, 0, 0, 125000, tzinfo=UTC)
RUNNING = CaseRecord(
    test_id="echo-ce0@nb-ce0+2", case_id="echo-ce0", module_id="nb-ce0", iteration=2, started_utc=STARTED
)


def test_running_then_finished_round_trips(tmp_path: Path) -> None:
    path = write_case_record(tmp_path, RUNNING)
    assert path == case_record_path(tmp_path) == tmp_path / "case.json"
    assert read_case_record(path) == RUNNING
    assert read_case_record(path).is_unfinished

    ended = STARTED + timedelta(seconds=12.5)
    write_case_record(tmp_path, RUNNING.finished(outcome="marginal", ended_utc=ended, duration_s=12.5))
    finished = read_case_record(path)
    assert (finished.state, finished.outcome, finished.ended_utc, finished.duration_s) == (
        CaseState.FINISHED,
        "marginal",
        ended,
        12.5,
    )
    assert not finished.is_unfinished
    assert json.loads(path.read_text())["schema_version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["case.json"]  # no temporary left


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": "paused"}, "state must be one of"),
        ({"iteration": "2"}, "iteration must be int"),
        ({"started_utc": "2026-11-26T01:00:00"}, "time zone"),
        ({"test_id": None}, "test_id must be str"),
    ],
)
def test_bad_documents_name_the_file_and_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = write_case_record(tmp_path, RUNNING)
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(ValueError, match=message) as error:
        read_case_record(path)
    assert str(path) in str(error.value)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = write_case_record(tmp_path, RUNNING)
    path.write_text(json.dumps({**json.loads(path.read_text()), "schema_version": 2}))
    with pytest.raises(NewerSchemaError, match=f"{path}: schema version 2 is newer than 1"):
        read_case_record(path)


def test_text_that_is_not_json_is_named(tmp_path: Path) -> None:
    path = case_record_path(tmp_path)
    path.write_text('{"state": "runn')
    with pytest.raises(ValueError, match=f"{path}: not JSON"):
        read_case_record(path)
