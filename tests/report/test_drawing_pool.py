"""Tests of harness.report.drawing_pool: jobs drawn in worker processes come back in order, few jobs stay in
this process, a worker's error reaches the caller; and the cross-run report's current traces drawn by the
pool are byte for byte the ones drawn in this process."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from harness.report import drawing_pool
from harness.report.drawing_pool import JOBS_PER_WORKER, MAX_WORKERS, draw_all, worker_count
from harness.report.figures import CurrentTraceJob, current_figures, draw_current_trace

from .runs import write_kpis, write_power


def numbered_pid(job: int) -> tuple[int, int]:
    """A job's number and the process that drew it (module level: workers import it by name)."""
    return job, os.getpid()


def fail_on_three(job: int) -> int:
    if job == 3:
        raise ValueError(f"job {job} cannot be drawn")
    return job


@pytest.mark.parametrize(
    ("jobs", "cpus", "workers"),
    [
        (0, 8, 0),
        (2 * JOBS_PER_WORKER - 1, 8, 1),
        (2 * JOBS_PER_WORKER, 8, 2),
        (100 * JOBS_PER_WORKER, 4, 4),
        (100 * JOBS_PER_WORKER, 64, MAX_WORKERS),
    ],
)
def test_a_worker_gets_at_least_jobs_per_worker_and_there_are_no_more_workers_than_cpus_or_the_cap(
    jobs: int, cpus: int, workers: int
) -> None:
    assert worker_count(jobs, cpus) == workers


def test_enough_jobs_are_drawn_in_worker_processes_and_come_back_in_job_order() -> None:
    jobs = list(range(2 * JOBS_PER_WORKER))

    drawn = draw_all(numbered_pid, jobs, cpus=2)

    assert [job for job, _ in drawn] == jobs
    assert os.getpid() not in {pid for _, pid in drawn}


def test_too_few_jobs_for_two_workers_are_drawn_in_this_process() -> None:
    drawn = draw_all(numbered_pid, list(range(2 * JOBS_PER_WORKER - 1)), cpus=2)

    assert {pid for _, pid in drawn} == {os.getpid()}


def test_a_workers_error_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="job 3 cannot be drawn"):
        draw_all(fail_on_three, list(range(2 * JOBS_PER_WORKER)), cpus=2)


def test_current_traces_drawn_by_the_pool_are_the_ones_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_ids = ["run-a", "run-b", "run-c"]
    test_dirs = []
    for run_id, seconds in zip(run_ids, [10.0, 20.0, 30.0], strict=True):
        test_dirs.append(write_kpis(tmp_path / run_id, "psm@nb-a", "nb-a", {"sleep_current_ua": 3.0}))
        write_power(test_dirs[-1], seconds=seconds)
    tests = pd.DataFrame(
        {"run_id": run_ids, "test_id": "psm@nb-a", "module_id": "nb-a", "test_dir": test_dirs}
    )
    monkeypatch.setattr(drawing_pool, "JOBS_PER_WORKER", 1)  # three jobs are enough for a pool
    monkeypatch.setattr(drawing_pool, "usable_cpus", lambda: 2)

    figures = current_figures(tests, lang="en")

    here = [
        draw_current_trace(CurrentTraceJob(test_dir=d, title="Current, psm@nb-a", lang="en"))
        for d in test_dirs
    ]
    assert [figure.key for figure in figures] == [f"current-{run_id}-psm-nb-a" for run_id in run_ids]
    assert [figure.png for figure in figures] == here
    assert len(set(here)) == 3
