"""results layer: `tests/<test_id>/case.json`, the state of one case on disk while it runs (DESIGN "What a run
writes": a run killed midway keeps every finished test, and says which one it was in).

Written whole (temp, fsync, rename) as `running` when the case starts and replaced when it ends with its
outcome and duration; a case.json still `running` after its run stopped is a case the run never finished.
Outcomes are run.json's `outcome_counts` names: the KPI outcomes (harness.kpi), `skipped` and `error`.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.results.files import write_json_atomic
from harness.results.run_record import JsonObject
from harness.results.schema import SCHEMA_VERSION, check_schema_version
from harness.results.timestamps import format_utc, parse_utc

CASE_FILE = "case.json"


class CaseState(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRecord:
    test_id: str
    case_id: str
    module_id: str
    iteration: int
    started_utc: datetime
    state: CaseState = CaseState.RUNNING
    outcome: str | None = None
    ended_utc: datetime | None = None
    duration_s: float | None = None
    schema_version: int = SCHEMA_VERSION

    def finished(self, *, outcome: str, ended_utc: datetime, duration_s: float) -> CaseRecord:
        return replace(
            self, state=CaseState.FINISHED, outcome=outcome, ended_utc=ended_utc, duration_s=duration_s
        )

    @property
    def is_unfinished(self) -> bool:
        return self.state is CaseState.RUNNING


def case_record_path(test_dir: Path) -> Path:
    return Path(test_dir) / CASE_FILE


def write_case_record(test_dir: Path, record: CaseRecord) -> Path:
    path = case_record_path(test_dir)
    write_json_atomic(path, encode_case_record(record))
    return path


def read_case_record(path: Path) -> CaseRecord:
    """The CaseRecord in a case.json; ValueError naming the file and field that is wrong (NewerSchemaError
    for a newer schema)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    return decode_case_record(document, str(path))


def encode_case_record(record: CaseRecord) -> dict[str, object]:
    return {
        "schema_version": record.schema_version,
        "test_id": record.test_id,
        "case_id": record.case_id,
        "module_id": record.module_id,
        "iteration": record.iteration,
        "state": str(record.state),
        "outcome": record.outcome,
        "started_utc": format_utc(record.started_utc, "started_utc"),
        "ended_utc": None if record.ended_utc is None else format_utc(record.ended_utc, "ended_utc"),
        "duration_s": record.duration_s,
    }


def decode_case_record(document: Any, where: str) -> CaseRecord:
    doc = JsonObject(document, where)
    check_schema_version(doc.get("schema_version", int), where)
    state = doc.get("state", str)
    if state not in set(CaseState):
        raise ValueError(f"{where}: state must be one of {[str(s) for s in CaseState]}, got {state!r}")
    ended = doc.get("ended_utc", str, optional=True)
    return CaseRecord(
        test_id=doc.get("test_id", str),
        case_id=doc.get("case_id", str),
        module_id=doc.get("module_id", str),
        iteration=doc.get("iteration", int),
        started_utc=parse_utc(doc.get("started_utc", str), f"{where}: started_utc"),
        state=CaseState(state),
        outcome=doc.get("outcome", str, optional=True),
        ended_utc=None if ended is None else parse_utc(ended, f"{where}: ended_utc"),
        duration_s=doc.get("duration_s", float, optional=True),
    )
