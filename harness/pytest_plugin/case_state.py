"""glue layer: each plan case's state on disk while it runs, `tests/<test_id>/case.json`
(harness.results.case_record).

`running` is written before the case's setup starts, so a run killed in the middle of a case (a module
bring-up included) leaves that case marked; the record is replaced once its teardown ended, with the outcome
run.json counts for it (the verdict's, else `skipped` or `error`) and the duration of setup, body and
teardown. Each process writes the case.json of the cases it runs (an xdist worker, its module's).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.plan_run import PlanRun
from harness.results.case_record import CaseRecord, write_case_record

OUTCOME = pytest.StashKey[str]()


@contextmanager
def recorded(item: pytest.Item, run: PlanRun, case: CaseRun) -> Iterator[None]:
    """case.json `running` for the block, then finished with its outcome; a block left by an exception
    (pytest's own exit, Ctrl-C) leaves it `running`: the case did not finish."""
    test_dir = run.run_dir.test_dir(case.test_id)
    start_s = time.monotonic()  # with started_utc, so that the two clocks' spans agree
    record = CaseRecord(
        test_id=case.test_id,
        case_id=case.case.id,
        module_id=case.module.id,
        iteration=case.iteration,
        started_utc=datetime.now(UTC),
    )
    write_case_record(test_dir, record)
    yield
    finished = record.finished(
        outcome=case_outcome(item),
        ended_utc=datetime.now(UTC),
        duration_s=round(time.monotonic() - start_s, 6),
    )
    write_case_record(test_dir, finished)


def note_outcome(item: pytest.Item, outcome: str) -> None:
    """The case's outcome as run.json counts it (harness.pytest_plugin.workers.counted_outcome)."""
    item.stash[OUTCOME] = outcome


def case_outcome(item: pytest.Item) -> str:
    """What was counted; `error` for a case that ended without (a failure only pytest saw)."""
    return item.stash.get(OUTCOME, "error")
