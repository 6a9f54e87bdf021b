"""results layer: the run directory and everything written into it (DESIGN "What a run writes").

files          whole-file (temp, fsync, rename) and append-and-fsync writes
run_directory  results/<run_id>/ layout, run ids, the `latest` link
measurements   measurements.csv rows, writer and reader
samples        tests/<test_id>/samples-<engine>.parquet
run_record     run.json
case_record    tests/<test_id>/case.json, a case's state while it runs and its outcome once ended
run_reader     a run read back whole (read_run), interrupted runs and unfinished cases marked
export         `miot export`: Hive-partitioned Parquet (export_tables, hive)
identifiers    keyed hashes of IMEI / IMSI / ICCID
provenance     file hashes, git commit
schema         the schema version every run file carries, and the check its readers make
"""

from harness.results.case_record import CaseRecord, CaseState
from harness.results.files import append_jsonl, write_bytes_atomic, write_json_atomic, write_parquet_atomic
from harness.results.identifiers import ID_KEY_ENV, hash_identifier, load_id_key
from harness.results.measurements import (
    COLUMNS,
    MeasurementContext,
    MeasurementsWriter,
    read_measurements,
    tabulate_measurements,
)
from harness.results.provenance import file_sha256, git_commit
from harness.results.run_directory import RunDirectory, new_run_id
from harness.results.run_reader import RunContents, read_run
from harness.results.run_record import (
    FileRef,
    ModuleRecord,
    RunRecord,
    SiteRecord,
    read_run_record,
    write_run_record,
)
from harness.results.samples import read_samples, write_samples
from harness.results.schema import SCHEMA_VERSION, NewerSchemaError

__all__ = [
    "COLUMNS",
    "ID_KEY_ENV",
    "SCHEMA_VERSION",
    "CaseRecord",
    "CaseState",
    "FileRef",
    "MeasurementContext",
    "MeasurementsWriter",
    "ModuleRecord",
    "NewerSchemaError",
    "RunContents",
    "RunDirectory",
    "RunRecord",
    "SiteRecord",
    "append_jsonl",
    "file_sha256",
    "git_commit",
    "hash_identifier",
    "load_id_key",
    "new_run_id",
    "read_measurements",
    "read_run",
    "read_run_record",
    "read_samples",
    "tabulate_measurements",
    "write_bytes_atomic",
    "write_json_atomic",
    "write_parquet_atomic",
    "write_run_record",
    "write_samples",
]
