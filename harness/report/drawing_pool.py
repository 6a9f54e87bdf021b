"""report layer: many figures drawn side by side in worker processes.

matplotlib draws in Python, holding the GIL, so threads would not overlap it; processes do. A cross-run report
draws one current trace per test that has one (figures.current_figures), each 0.25-0.3 s here, most of it
matplotlib laying out the ticks of a five-decade log axis: over 100 smoke runs that was three quarters of
`miot report`'s time (issue 10, profiled with py-spy). A job names its test's files and the worker reads
them itself, so reading overlaps too, and only the PNG bytes travel back.

Workers start by "forkserver": safe in a process that has threads (pyarrow's pool, a pytest run), which fork
is not. A worker's start costs about a second (0.8 s CPU of imports, matplotlib and pandas), the time of
three or four figures, so the pool is used only when every worker gets at least JOBS_PER_WORKER jobs, twice
its start or more; fewer jobs are drawn in this process. Results come back in job order, and a job's
exception is raised in the caller.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Job = TypeVar("Job")
Drawn = TypeVar("Drawn")

JOBS_PER_WORKER = 8
MAX_WORKERS = 8  # each holds about 0.2 GB (matplotlib, pandas, pyarrow): 1.6 GB at most on a big machine


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, which a container or taskset narrows)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(jobs: int, cpus: int) -> int:
    """Workers for `jobs` jobs on `cpus` CPUs; below 2, the jobs are drawn in this process."""
    return min(cpus, MAX_WORKERS, jobs // JOBS_PER_WORKER)


def draw_all(draw: Callable[[Job], Drawn], jobs: Sequence[Job], *, cpus: int | None = None) -> list[Drawn]:
    """`draw(job)` for every job, in job order. `draw` must be a module-level function and the jobs
    picklable (they cross to the workers); `cpus` defaults to usable_cpus()."""
    workers = worker_count(len(jobs), usable_cpus() if cpus is None else cpus)
    if workers < 2:
        return [draw(job) for job in jobs]
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        return list(pool.map(draw, jobs))
