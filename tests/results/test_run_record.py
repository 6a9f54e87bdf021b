"""Tests of harness.results.run_record: run.json round trip and what it refuses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from harness.results.identifiers import IdentifierMode, hash_identifier
from harness.results.run_record import (
    FileRef,
    ModuleRecord,
    RunRecord,
    SiteRecord,
    read_run_record,
    write_run_record,
)

KEY = b"k" * 32
STARTED = datetime(2026, 11, 25, 15, 32, 52, 250000, tzinfo=UTC)


def module() -> ModuleRecord:
    return ModuleRecord(
        module_id="bc660k-1",
        rat="nbiot",
        dialect="quectel_bc660k",
        model="BC660K-GL",
        firmware="BC660KGLAAR01A05",
        imei_hash=hash_identifier("869999999999999", KEY),
        imsi_hash=hash_identifier("460001234567890", KEY),
        iccid_hash=None,
        operator="CMCC",
        apn="cmnbiot",
    )


def started_record(tmp_path: Path) -> RunRecord:
    rig = tmp_path / "virtual.toml"
    rig.write_text("[rig]\n")
    return RunRecord(
        harness_version="0.1.0",
        commit="0123abcd-dirty",
        invocation=("miot", "run", "--plan", "testplans/default.toml"),
        started_utc=STARTED,
        rig=FileRef.of(rig),
        modules=(module(),),
        site=SiteRecord(name="lab-1", lat_deg=31.23, lon_deg=121),
    )


def test_round_trip_at_start_and_at_end(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    record = started_record(tmp_path)
    write_run_record(path, record)
    assert read_run_record(path) == record
    ended = record.finished(
        ended_utc=STARTED + timedelta(minutes=3), outcome_counts={"passed": 3, "failed": 1}
    )
    write_run_record(path, ended)
    again = read_run_record(path)
    assert again == ended
    assert again.ended_utc == STARTED + timedelta(minutes=3)
    assert again.site is not None
    assert again.site.lon_deg == 121.0


def test_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_run_record(path, started_record(tmp_path))
    document = json.loads(path.read_text())
    assert document["schema_version"] == 1
    assert document["started_utc"] == "2026-11-25T15:32:52.250000Z"
    assert document["ended_utc"] is None
    assert document["rig"] == {
        "path": str(tmp_path / "virtual.toml"),
        "sha256": hashlib.sha256(b"[rig]\n").hexdigest(),
    }
    assert document["modules"][0]["imei_hash"].startswith("h:")
    assert "869999999999999" not in path.read_text()


def test_times_are_stored_in_utc(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    local = STARTED.astimezone(timezone(timedelta(hours=8)))
    write_run_record(path, RunRecord(harness_version="0.1.0", commit=None, invocation=(), started_utc=local))
    assert json.loads(path.read_text())["started_utc"].endswith("Z")
    assert read_run_record(path).started_utc == STARTED


def test_naive_time_is_refused(tmp_path: Path) -> None:
    naive = datetime(2026, 1, 1)
    record = RunRecord(harness_version="0.1.0", commit=None, invocation=(), started_utc=naive)
    with pytest.raises(ValueError, match="timezone"):
        write_run_record(tmp_path / "run.json", record)
    assert not (tmp_path / "run.json").exists()


def test_a_run_with_identifiers_in_clear_says_so_and_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    clear = replace(module(), imei="869999999999999", imsi="460001234567890")
    record = replace(started_record(tmp_path), modules=(clear,), identifiers=IdentifierMode.CLEAR)

    write_run_record(path, record)

    document = json.loads(path.read_text())
    assert document["identifiers"] == "clear"
    assert document["modules"][0]["imei"] == "869999999999999"
    assert read_run_record(path) == record
    with pytest.raises(ValueError, match="clear identifiers in a run whose identifiers are hashed"):
        replace(record, identifiers=IdentifierMode.HASHED)


def test_a_run_json_without_the_mode_was_hashed(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_run_record(path, started_record(tmp_path))
    document = json.loads(path.read_text())
    assert document.pop("identifiers") == "hashed"
    assert "imei" not in document["modules"][0]
    path.write_text(json.dumps(document))

    assert read_run_record(path).identifiers is IdentifierMode.HASHED


def test_raw_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="imei_hash"):
        ModuleRecord(module_id="m", rat="nbiot", imei_hash="869999999999999")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": 2}, "schema version 2 is newer than 1"),
        ({"schema_version": 0}, "schema version 0 is not a version"),
        ({"harness_version": None}, "harness_version must be str"),
        ({"started_utc": "yesterday"}, "started_utc"),
        ({"started_utc": "2026-11-25T15:32:52"}, "time zone"),
        ({"invocation": ["miot", 3]}, "invocation"),
        ({"outcome_counts": {"passed": "3"}}, "outcome_counts"),
        ({"modules": [{"module_id": "m", "rat": "nbiot", "imsi_hash": "460001234567890"}]}, r"modules\[0\]"),
        ({"modules": [{"rat": "nbiot"}]}, r"modules\[0\]: module_id is missing"),
        ({"site": {"name": "x", "lat_deg": "north"}}, "site: lat_deg"),
        ({"identifiers": "plain"}, "identifiers must be hashed or clear, got 'plain'"),
        (
            {"modules": [{"module_id": "m", "rat": "nbiot", "imei": "869999999999999"}]},
            "module 'm' carries clear identifiers in a run whose identifiers are hashed",
        ),
    ],
)
def test_bad_documents_name_the_file_and_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "run.json"
    write_run_record(path, started_record(tmp_path))
    document = json.loads(path.read_text())
    document.update(change)
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message) as error:
        read_run_record(path)
    assert str(path) in str(error.value)


def test_missing_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"schema_version": 1}))
    with pytest.raises(ValueError, match="is missing"):
        read_run_record(path)
