"""glue layer: what one plan run shares, kept in `config.stash` (STYLE 10), never in module globals.

The rig and plan as loaded, the run directory, measurements.csv, and run.json, which is written when the run
starts, rewritten as modules report their identity, and finished with the end time and outcome counts, so a
run killed midway still says what it was.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness import __version__
from harness.dialects import rig_connection_problems
from harness.errors import InputError, Problem
from harness.plan import Plan, load_plan, plan_rig_problems
from harness.pytest_plugin import settings
from harness.results import (
    FileRef,
    MeasurementsWriter,
    ModuleRecord,
    RunDirectory,
    RunRecord,
    SiteRecord,
    append_jsonl,
    git_commit,
    load_id_key,
    write_run_record,
)
from harness.results.identifiers import IdentifierMode
from harness.rig import Rig, load_rig

PLAN_RUN = pytest.StashKey["PlanRun"]()


class PlanRun:
    """The run as one pytest process sees it. With pytest-xdist the controller writes run.json, and each
    worker (`is_worker`) runs its modules' cases into the same run directory (see workers.py)."""

    def __init__(
        self,
        *,
        rig: Rig,
        plan: Plan,
        run_dir: RunDirectory,
        checkout: Path,
        is_worker: bool = False,
        identifiers: IdentifierMode = IdentifierMode.HASHED,
    ) -> None:
        self.rig = rig
        self.is_worker = is_worker
        self.plan = plan
        self.run_dir = run_dir
        self.measurements = MeasurementsWriter(run_dir.measurements_csv)
        self.id_key = load_id_key(run_dir.root)
        self.identifiers = identifiers
        self.outcomes: Counter[str] = Counter()
        # problems found while parametrising (a case's params against its procedure's spec)
        self.collection_problems: list[Problem] = []
        self._lock = threading.Lock()
        site = rig.site
        self.record = RunRecord(
            harness_version=__version__,
            commit=git_commit(checkout),
            invocation=tuple(sys.argv),
            started_utc=datetime.now(UTC),
            rig=FileRef.of(rig.path),
            plan=FileRef.of(plan.path),
            site=SiteRecord(name=site.name, lat_deg=site.lat, lon_deg=site.lon) if site else None,
            identifiers=identifiers,
        )
        if not is_worker:
            write_run_record(run_dir.run_json, self.record)

    def add_module(self, module: ModuleRecord) -> None:
        with self._lock:
            others = tuple(m for m in self.record.modules if m.module_id != module.module_id)
            self.record = replace(self.record, modules=(*others, module))
            write_run_record(self.run_dir.run_json, self.record)

    def count(self, outcome: str) -> None:
        """Count a case once (run.json `outcome_counts`: the KPI outcomes, plus `skipped` and `error` for
        cases that never reached their body)."""
        with self._lock:
            self.outcomes[outcome] += 1

    def record_event(self, test_id: str, event: str, **fields: object) -> None:
        """One line of events.jsonl (appended and flushed: every process of the run may write)."""
        append_jsonl(
            self.run_dir.events_jsonl,
            {"t_utc": datetime.now(UTC).isoformat(), "event": event, "test_id": test_id, **fields},
        )

    def finish(self) -> None:
        with self._lock:
            self.record = self.record.finished(ended_utc=datetime.now(UTC), outcome_counts=self.outcomes)
            write_run_record(self.run_dir.run_json, self.record)


def start_plan_run(config: pytest.Config) -> PlanRun:
    """Load and cross-check the rig and plan, then create the run directory; every input problem becomes
    one line of a UsageError."""
    rig, plan = load_inputs(config)
    identifiers = settings.identifier_mode(config)
    run_id = settings.resolve(config, "run_id")
    results = settings.resolve_path(config, "results")
    try:
        run_dir = RunDirectory.create(results, run_id.value or None)
    except (FileExistsError, ValueError) as error:
        raise pytest.UsageError(
            f"{run_id.source} {run_id.value}: cannot create the run directory in {results}: {error}"
        ) from None
    return PlanRun(rig=rig, plan=plan, run_dir=run_dir, checkout=config.rootpath, identifiers=identifiers)


def load_inputs(config: pytest.Config) -> tuple[Rig, Plan]:
    """The rig and plan of the run, cross-checked; every input problem becomes one line of a UsageError."""
    try:
        plan = load_plan(settings.resolve_path(config, "plan"))
        is_rig_default = settings.resolve(config, "rig").source == "default"
        rig = load_rig(plan.rig if is_rig_default and plan.rig else settings.resolve_path(config, "rig"))
        problems = [*rig_connection_problems(rig), *plan_rig_problems(plan, rig)]
        if problems:
            raise InputError(problems)
    except InputError as error:
        raise pytest.UsageError(str(error)) from None
    return rig, plan
