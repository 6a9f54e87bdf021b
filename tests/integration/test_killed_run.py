"""A run killed midway stays readable (issue 7 item 1): `miot run` of a two-case plan on a virtual module,
SIGKILLed once the first case's rows are in measurements.csv and the second case has started; read_run then
shows the first case whole and the second marked unfinished, and no virtual module outlives the kill.

The kill is a SIGKILL of the process group this test started (`start_new_session`); the virtual modules run
in sessions of their own and end when they read end of input from their dead parent
(harness/virtual/process.py), which is what the last assertion checks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from harness.cli import main
from harness.results import read_samples
from harness.results.case_record import CaseState, read_case_record
from harness.results.measurements import read_measurements
from harness.results.run_reader import read_run

CHECKOUT = Path(__file__).resolve().parents[2]
RUN_ID = "killed-under-test"
FIRST, SECOND = "echo-short@nb-ce0", "echo-long@nb-ce0"
# Boot, registration (3 s) and three probes take about 10 s on the virtual rig; the rest is for a loaded
# machine.
FIRST_CASE_TIMEOUT_S = 120.0
# A module polls its parent every PARENT_CHECK_S (1 s) besides reading end of input; 15 s is for load.
MODULE_EXIT_TIMEOUT_S = 15.0
POLL_S = 0.1
RIG = """
    [rig]
    name = "killed"

    [capture]
    point = "off"

    [[module]]
    id = "nb-ce0"
    port = "virtual://bc660k?ce=0"
    rat = "nbiot"
    [module.sim]
    operator = "00101"
    apn = "iot.test"
"""
# The second case would take 10 minutes: it is always killed while it runs.
PLAN = """
    [plan]
    name = "killed"

    [[case]]
    id = "echo-short"
    test = "test_udp_echo"
    params = { probes = 3, interval_s = 0.2, timeout_s = 10.0, warmup_probes = 0 }
    limits.loss_pct = { high = 100 }

    [[case]]
    id = "echo-long"
    test = "test_udp_echo"
    params = { probes = 1200, interval_s = 0.5, timeout_s = 10.0, warmup_probes = 0 }
    limits.loss_pct = { high = 100 }
"""


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (parents first found, then theirs)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def is_second_case_running(run_dir: Path) -> bool:
    measurements, second = run_dir / "measurements.csv", run_dir / "tests" / SECOND / "case.json"
    if not (measurements.exists() and second.exists()):
        return False
    has_first_rows = FIRST in set(read_measurements(measurements)["test_id"])
    return has_first_rows and read_case_record(second).state is CaseState.RUNNING


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, set[int]]]:
    """The run directory once killed, and the processes that were below `miot run` when it was."""
    directory = tmp_path_factory.mktemp("killed")
    (directory / "rig.toml").write_text(textwrap.dedent(RIG))
    (directory / "plan.toml").write_text(textwrap.dedent(PLAN))
    results = directory / "results"
    command = [sys.executable, "-m", "harness", "run", f"--rig={directory / 'rig.toml'}"]
    command += [f"--plan={directory / 'plan.toml'}", f"--results={results}", f"--run-id={RUN_ID}"]
    log = (directory / "miot.log").open("wb")
    miot = subprocess.Popen(
        command, cwd=CHECKOUT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    below: set[int] = set()
    try:
        deadline = time.monotonic() + FIRST_CASE_TIMEOUT_S
        while not is_second_case_running(results / RUN_ID):
            assert miot.poll() is None, f"miot run ended by itself: {(directory / 'miot.log').read_text()}"
            assert time.monotonic() < deadline, f"no second case within {FIRST_CASE_TIMEOUT_S} s"
            time.sleep(POLL_S)
        below = descendants(miot.pid)
        os.killpg(miot.pid, signal.SIGKILL)
        miot.wait()
        yield results / RUN_ID, below
    finally:
        if miot.poll() is None:
            os.killpg(miot.pid, signal.SIGKILL)
            miot.wait()
        log.close()
        for pid in below:  # a module that outlived the harness fails the test below; never leave it running
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_run_reads_as_interrupted_with_its_unfinished_case(killed_run: tuple[Path, set[int]]) -> None:
    run = read_run(killed_run[0])
    assert run.is_interrupted
    assert [(c.test_id, c.state) for c in run.cases] == [
        (FIRST, CaseState.FINISHED),
        (SECOND, CaseState.RUNNING),
    ]
    assert [c.test_id for c in run.unfinished_cases] == [SECOND]
    unfinished = run.unfinished_cases[0]
    assert (unfinished.outcome, unfinished.ended_utc, unfinished.duration_s) == (None, None, None)


def test_the_finished_case_is_whole(killed_run: tuple[Path, set[int]]) -> None:
    run = read_run(killed_run[0])
    first = run.cases[0]
    assert first.outcome == "pass"
    assert first.duration_s is not None
    assert first.duration_s > 0
    rows = run.measurements[run.measurements["test_id"] == FIRST]
    assert {"rtt_p50_ms", "loss_pct"} <= set(rows["metric"])
    assert set(rows["outcome"]) <= {"pass", "unchecked"}
    samples = read_samples(run.test_dir(FIRST) / "samples-udp_echo.parquet")
    assert len(samples) == 3
    assert set(run.measurements["test_id"]) == {FIRST}  # nothing of the killed case


def test_no_virtual_module_outlives_the_kill(killed_run: tuple[Path, set[int]]) -> None:
    _, below = killed_run
    assert below, "miot run had no child process: was the module started at all?"
    deadline = time.monotonic() + MODULE_EXIT_TIMEOUT_S
    while (alive := {pid for pid in below if is_alive(pid)}) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    assert alive == set()


def test_the_killed_run_exports_and_duckdb_reads_it(
    killed_run: tuple[Path, set[int]], tmp_path: Path
) -> None:
    export = tmp_path / "export"
    assert main(["export", str(killed_run[0]), "--to", str(export)]) == 0
    measurements = f"read_parquet('{export}/measurements/**/*.parquet', hive_partitioning = true)"
    rows = duckdb.sql(f"SELECT DISTINCT operator, module, test_id, model FROM {measurements}").fetchall()
    assert rows == [("00101", "nb-ce0", FIRST, "Quectel_BC660K-GL")]
    samples = f"read_parquet('{export}/samples/udp_echo/**/*.parquet', hive_partitioning = true)"
    assert duckdb.sql(f"SELECT test_id, count(*) FROM {samples} GROUP BY ALL").fetchall() == [(FIRST, 3)]
    cases = f"read_parquet('{export}/cases/**/*.parquet', hive_partitioning = true)"
    states = duckdb.sql(f"SELECT test_id, state FROM {cases} ORDER BY started_utc").fetchall()
    assert states == [(FIRST, "finished"), (SECOND, "running")]
