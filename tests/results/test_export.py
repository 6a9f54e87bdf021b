"""Tests of harness.results.export: runs with known figures exported, then queried with DuckDB as a lab would
(hive_partitioning), the layout, re-export replacing a run's parts, and identifiers staying hashed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from run_builder import CASES, IMEI, KEY, STARTED, build_run

from harness.results import hash_identifier, read_run_record, write_run_record
from harness.results.export import export_runs
from harness.results.hive import DEFAULT_PARTITION
from harness.results.identifiers import IdentifierMode

RUN_A, RUN_B = "20261126T013000Z-000a", "20261127T013000Z-000b"
NASTY_OPERATOR = "China Mobile/CMCC=46000%"
ESCAPED_OPERATOR = "China Mobile%2FCMCC%3D46000%25"


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """Run A: finished, operator 00101, on 26 November. Run B: killed in its second case, a name with
    characters a path may not hold as they are, on 27 November."""
    a = build_run(tmp_path / "results", RUN_A).path
    b = build_run(
        tmp_path / "results",
        RUN_B,
        started_utc=STARTED + dt.timedelta(days=1),
        operator=NASTY_OPERATOR,
        is_finished=False,
    ).path
    return a, b


def query(sql: str) -> list[tuple[object, ...]]:
    return duckdb.sql(sql).fetchall()


def table(export: Path, name: str) -> str:
    return f"read_parquet('{export}/{name}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def test_measurements_read_back_with_their_partitions_and_modules(
    tmp_path: Path, runs: tuple[Path, Path]
) -> None:
    export = tmp_path / "export"
    export_runs(runs, export)

    rows = query(
        f"SELECT date, operator, module, run_id, test_id, metric, value, outcome, model, firmware, site_name "
        f"FROM {table(export, 'measurements')} ORDER BY run_id, module"
    )
    day_a, day_b = dt.date(2026, 11, 26), dt.date(2026, 11, 27)
    model, firmware, site = "BC660K-GL", "BC660KGLAAR01A05", "lab 1/north"
    assert rows == [
        (
            day_a,
            "00101",
            "nb-ce0",
            RUN_A,
            CASES[0].test_id,
            "rtt_p95_ms",
            1250.5,
            "pass",
            model,
            firmware,
            site,
        ),
        (
            day_a,
            "00101",
            "nb-ce1",
            RUN_A,
            CASES[1].test_id,
            "rtt_p95_ms",
            3990.0,
            "pass",
            model,
            firmware,
            site,
        ),
        (
            day_b,
            NASTY_OPERATOR,
            "nb-ce0",
            RUN_B,
            CASES[0].test_id,
            "rtt_p95_ms",
            1250.5,
            "pass",
            model,
            firmware,
            site,
        ),
    ]
    assert query(
        f"SELECT typeof(date), typeof(recorded_utc) FROM {table(export, 'measurements')} LIMIT 1"
    ) == [("DATE", "TIMESTAMP WITH TIME ZONE")]


def test_the_layout_is_hive_partitioned_and_escaped(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    export = tmp_path / "export"
    export_runs(runs, export)
    parts = sorted(str(p.relative_to(export)) for p in export.rglob("*.parquet"))
    assert parts == sorted(
        [
            f"runs/date=2026-11-26/part-{RUN_A}.parquet",
            f"runs/date=2026-11-27/part-{RUN_B}.parquet",
            f"modules/date=2026-11-26/part-{RUN_A}.parquet",
            f"modules/date=2026-11-27/part-{RUN_B}.parquet",
            f"cases/date=2026-11-26/part-{RUN_A}.parquet",
            f"cases/date=2026-11-27/part-{RUN_B}.parquet",
            f"measurements/date=2026-11-26/operator=00101/module=nb-ce0/part-{RUN_A}.parquet",
            f"measurements/date=2026-11-26/operator=00101/module=nb-ce1/part-{RUN_A}.parquet",
            f"measurements/date=2026-11-27/operator={ESCAPED_OPERATOR}/module=nb-ce0/part-{RUN_B}.parquet",
            f"samples/udp_echo/date=2026-11-26/part-{RUN_A}.parquet",
            f"samples/udp_echo/date=2026-11-27/part-{RUN_B}.parquet",
        ]
    )
    for path in export.rglob("*.parquet"):
        assert pq.read_schema(path).metadata[b"miot.schema_version"] == b"1"


def test_samples_carry_their_run_test_case_and_module(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    export = tmp_path / "export"
    export_runs(runs, export)
    rows = query(
        f"SELECT run_id, test_id, case_id, module, count(*), sum(rtt_ms), max(t_s) "
        f"FROM {table(export, 'samples/udp_echo')} GROUP BY ALL ORDER BY ALL"
    )
    expected = [
        (run, c.test_id, c.case_id, c.module_id, len(c.rtts_ms), sum(c.rtts_ms), 0.5 * (len(c.rtts_ms) - 1))
        for run, cases in ((RUN_A, CASES), (RUN_B, CASES[:1]))
        for c in cases
    ]
    assert rows == expected


def test_runs_and_cases_say_which_run_was_interrupted(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    export = tmp_path / "export"
    export_runs(runs, export)
    assert query(
        "SELECT run_id, is_interrupted, cases_recorded, cases_unfinished, cases_pass, site_name, "
        f"site_lat_deg FROM {table(export, 'runs')} ORDER BY run_id"
    ) == [(RUN_A, False, 2, 0, 2, "lab 1/north", 31.23), (RUN_B, True, 2, 1, 0, "lab 1/north", 31.23)]
    assert query(
        f"SELECT test_id, state, outcome, duration_s FROM {table(export, 'cases')} WHERE run_id = '{RUN_B}' "
        "ORDER BY started_utc"
    ) == [(CASES[0].test_id, "finished", "pass", 9.5), (CASES[1].test_id, "running", None, None)]


def test_identifiers_stay_hashed(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    export = tmp_path / "export"
    export_runs(runs[:1], export)
    hashes = query(f"SELECT module, imei_hash FROM {table(export, 'modules')} ORDER BY module")
    assert hashes == [(m, hash_identifier(IMEI + m, KEY)) for m in ("nb-ce0", "nb-ce1")]
    raw = IMEI.encode()
    assert not any(raw in path.read_bytes() for path in export.rglob("*.parquet"))


def test_a_run_that_kept_identifiers_in_clear_is_exported_with_hashes_only(
    tmp_path: Path, runs: tuple[Path, Path]
) -> None:
    run_json = runs[0] / "run.json"
    record = read_run_record(run_json)
    clear = tuple(dataclasses.replace(m, imei=IMEI + m.module_id) for m in record.modules)
    write_run_record(run_json, dataclasses.replace(record, modules=clear, identifiers=IdentifierMode.CLEAR))
    export = tmp_path / "export"

    export_runs(runs[:1], export)

    columns = [row[0] for row in query(f"DESCRIBE SELECT * FROM {table(export, 'modules')}")]
    assert "imei_hash" in columns
    assert not {"imei", "imsi", "iccid"} & set(columns)
    assert not any(IMEI.encode() in path.read_bytes() for path in export.rglob("*.parquet"))


def test_exporting_again_replaces_the_runs_parts(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    export = tmp_path / "export"
    export_runs(runs, export)
    first = sorted(export.rglob("*.parquet"))
    export_runs(runs[:1], export)
    assert sorted(export.rglob("*.parquet")) == first
    assert query(f"SELECT count(*) FROM {table(export, 'measurements')}") == [(3,)]

    # the same run id, now with no operator: its old operator partition goes, the other run's stays
    again = build_run(tmp_path / "elsewhere", RUN_A, operator=None).path
    export_runs([again], export)
    assert not (export / "measurements/date=2026-11-26/operator=00101").exists()
    assert (export / f"measurements/date=2026-11-26/operator={DEFAULT_PARTITION}/module=nb-ce0").is_dir()
    assert query(
        f"SELECT run_id, operator IS NULL, count(*) FROM {table(export, 'measurements')} "
        "GROUP BY ALL ORDER BY ALL"
    ) == [(RUN_A, True, 2), (RUN_B, False, 1)]


def test_every_column_has_a_type_spark_reads(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    """Spark reads no Parquet nanosecond timestamps and no unsigned 64-bit integers."""
    export = tmp_path / "export"
    export_runs(runs, export)
    types = {str(f.type) for path in export.rglob("*.parquet") for f in pq.read_schema(path)}
    assert "timestamp[us, tz=UTC]" in types
    assert not {t for t in types if t.startswith(("timestamp[ns", "uint64")) or t == "null"}
