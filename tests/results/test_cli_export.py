"""`miot export` on the command line (harness/cli.py): a line per run on success; a directory that is not a
run, a newer schema or an unreadable file is one `miot: error:` line naming the path, exit 2, no traceback,
and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from run_builder import build_run

from harness.cli import EXIT_USER_ERROR, main

RUN_ID = "20261126T013000Z-00c1"


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    (line,) = captured.err.splitlines()
    return line


def test_export_says_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    finished = build_run(tmp_path / "a", RUN_ID).path
    killed = build_run(tmp_path / "b", "20261126T013000Z-00c2", is_finished=False).path
    export = tmp_path / "export"

    assert main(["export", str(finished), str(killed), "--to", str(export)]) == 0

    assert capsys.readouterr().out.splitlines() == [
        f"miot export: {RUN_ID}: 6 file(s); "
        "rows: runs 1, modules 2, cases 2, measurements 2, samples/udp_echo 5",
        "miot export: 20261126T013000Z-00c2 (interrupted, 1 unfinished case(s)): 5 file(s); "
        "rows: runs 1, modules 2, cases 2, measurements 1, samples/udp_echo 3",
        f"miot export: 2 run(s) in {export}",
    ]


def test_a_directory_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = build_run(tmp_path / "results", RUN_ID).path
    export = tmp_path / "export"

    assert main(["export", str(good), str(tmp_path), "--to", str(export)]) == EXIT_USER_ERROR

    assert error_line(capsys) == f"miot: error: {tmp_path}: not a run directory (no run.json in it)"
    assert not export.exists()  # every run is checked before anything is written


def test_a_newer_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = build_run(tmp_path / "results", RUN_ID)
    run.run_json.write_text(json.dumps({**json.loads(run.run_json.read_text()), "schema_version": 2}))

    assert main(["export", str(run.path), "--to", str(tmp_path / "export")]) == EXIT_USER_ERROR

    assert error_line(capsys).startswith(f"miot: error: {run.run_json}: schema version 2 is newer than 1")


def test_an_unreadable_samples_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = build_run(tmp_path / "results", RUN_ID)
    samples = next(run.tests_path.glob("*/samples-udp_echo.parquet"))
    samples.write_bytes(b"PAR1 cut short")

    assert main(["export", str(run.path), "--to", str(tmp_path / "export")]) == EXIT_USER_ERROR

    assert error_line(capsys).startswith(f"miot: error: {samples}: ")
    assert not (tmp_path / "export").exists()


def test_an_export_directory_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = build_run(tmp_path / "results", RUN_ID)
    (tmp_path / "export").write_text("")

    assert main(["export", str(run.path), "--to", str(tmp_path / "export")]) == EXIT_USER_ERROR

    assert error_line(capsys) == f"miot: error: {tmp_path / 'export'}: the export directory is a file"


def test_a_samples_file_of_a_newer_schema_stops_the_export_before_it_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = build_run(tmp_path / "results", RUN_ID)
    samples = next(run.tests_path.glob("*/samples-udp_echo.parquet"))
    table = pq.read_table(samples)
    pq.write_table(table.replace_schema_metadata({b"miot.schema_version": b"2"}), samples)

    assert main(["export", str(run.path), "--to", str(tmp_path / "export")]) == EXIT_USER_ERROR

    assert error_line(capsys).startswith(f"miot: error: {samples}: schema version 2 is newer than 1")
    assert not (tmp_path / "export").exists()


def test_two_runs_with_one_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = build_run(tmp_path / "a", RUN_ID).path
    second = build_run(tmp_path / "b", RUN_ID).path

    assert main(["export", str(first), str(second), "--to", str(tmp_path / "export")]) == EXIT_USER_ERROR

    assert (
        error_line(capsys) == f"miot: error: {second}: run id {RUN_ID} is also {first}'s; export one of them"
    )
