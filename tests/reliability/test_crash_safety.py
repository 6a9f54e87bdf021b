"""`miot run` SIGKILLed at seeded random moments of a run's time, measured first on a whole run
(tests.reliability.crash_safety): two kills in `make test`, 50 in `make reliability`. After each the run
directory reads, `miot report` exits 0, no flushed row is lost, no process of the run is left and the
module's port lock is free; after the last, a whole run passes on the same rig and lock directory."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.results import read_run
from tests.reliability.crash_safety import (
    RUN_ID,
    KillOutcome,
    Rig,
    crash_rig,
    kill_once,
    start_run,
    timed_run,
    wait_for_orphans,
)
from tests.reliability.reliability_settings import figures_dir, is_full

KILLS = 50 if is_full() else 2
FIRST_SEED = 9
NEXT_RUN_TIMEOUT_S = 180.0


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Rig, list[KillOutcome]]]:
    directory = tmp_path_factory.mktemp("crash")
    with crash_rig(directory) as rig:
        window_s = timed_run(rig, directory / "results-whole")
        outcomes = [
            kill_once(rig, directory / f"results-{n}", seed=FIRST_SEED + n, window_s=window_s)
            for n in range(KILLS)
        ]
        if (figures := figures_dir()) is not None:
            write_figures(figures / "crash-safety.json", outcomes)
        yield rig, outcomes


def write_figures(path: Path, outcomes: list[KillOutcome]) -> None:
    figures = {
        "kills": sum(o.was_killed for o in outcomes),
        "before_run_directory": sum(not o.had_run_dir for o in outcomes),
        "unreadable": sum(not o.is_readable for o in outcomes),
        "report_failures": sum(o.report_exit not in (None, 0) for o in outcomes),
        "finished_cases_kept": sum(o.finished_cases for o in outcomes),
        "rows_lost": sum(o.rows_lost for o in outcomes),
        "processes_left": sum(len(o.survivors) for o in outcomes),
        "stale_locks": sum(not o.is_lock_free for o in outcomes),
        "kill_after_s": [round(o.after_s, 2) for o in outcomes],
    }
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def test_every_killed_run_reads_and_reports(killed: tuple[Rig, list[KillOutcome]]) -> None:
    outcomes = killed[1]
    assert [o.problem for o in outcomes if not o.is_readable] == []
    assert {o.report_exit for o in outcomes if o.had_run_dir} <= {0}


def test_no_flushed_row_is_lost(killed: tuple[Rig, list[KillOutcome]]) -> None:
    assert [(o.after_s, o.rows_lost) for o in killed[1] if o.rows_lost] == []


def test_no_process_of_a_killed_run_is_left(killed: tuple[Rig, list[KillOutcome]]) -> None:
    assert [s for o in killed[1] for s in o.survivors] == []


def test_no_stale_port_lock(killed: tuple[Rig, list[KillOutcome]]) -> None:
    assert all(o.is_lock_free for o in killed[1])


def test_the_next_run_starts_cleanly_and_passes(
    killed: tuple[Rig, list[KillOutcome]], tmp_path: Path
) -> None:
    rig, outcomes = killed
    assert any(o.was_killed for o in outcomes), "no run was killed: the kill window is past the run's end"
    miot = start_run(rig, tmp_path / "results")
    assert miot.wait(timeout=NEXT_RUN_TIMEOUT_S) == 0, (tmp_path / "results.log").read_text()
    run = read_run(tmp_path / "results" / RUN_ID)
    assert [case.outcome for case in run.cases] == ["pass"] * 4


def test_a_process_left_behind_is_named() -> None:
    """The check above can fail: a process that outlives its parent is reported by pid and command."""
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert wait_for_orphans({sleeper.pid}, timeout_s=0.3) == (f"pid {sleeper.pid}: sleep 30",)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert wait_for_orphans({sleeper.pid}, timeout_s=0.3) == ()
