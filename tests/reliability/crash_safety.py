"""Crash safety (issue 9 item 2): `miot run --parallel` SIGKILLed at a seeded random moment, then checked as
a lab would find it the morning after: the results directory reads (read_run, `miot report`), every case
case.json calls finished kept its rows, no process the run started is left, and the port lock is free.

The kill hits the `miot` process alone, as a CI timeout or the OOM killer does, not its process group: what
it started (xdist workers, virtual modules, tcpdump, iperf3) must end by itself. The rig has a virtual module
the run starts and one it reaches over `socket://` (started here, outliving the run, as a lab's module does),
whose port the run locks; capture is on at the server when this machine can capture.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.errors import HarnessError
from harness.results import read_run
from harness.transport.port_lock import hold_port, this_holder
from harness.virtual.process import TcpPorts, start_virtual_module
from tests.integration.test_killed_run import descendants, is_alive

CHECKOUT = Path(__file__).resolve().parents[2]
RUN_ID = "crash"
MODULE_URL = "virtual://bc660k?ce=0&attach_s=0"
# A virtual module polls its parent once a second; an xdist worker reads end of input at once.
ORPHAN_EXIT_TIMEOUT_S = 15.0
RUN_TIMEOUT_S = 180.0
POLL_S = 0.1
PLAN = """
[plan]
name = "crash"

[[case]]
id = "echo-a"
test = "test_udp_echo"
params = { probes = 4, interval_s = 0.3, timeout_s = 5.0, warmup_probes = 0 }
limits.loss_pct = { high = 100 }

[[case]]
id = "echo-b"
test = "test_udp_echo"
params = { probes = 4, interval_s = 0.3, timeout_s = 5.0, warmup_probes = 0 }
limits.loss_pct = { high = 100 }
"""


def can_capture() -> bool:
    return os.geteuid() == 0 and shutil.which("tcpdump") is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rig:
    directory: Path
    rig: Path
    plan: Path
    remote_url: str  # the socket:// module's URL, the one the run locks

    @property
    def lock_dir(self) -> Path:
        return self.directory / "locks"


@contextmanager
def crash_rig(directory: Path) -> Iterator[Rig]:
    """The rig and plan files, and the socket:// module behind them (stopped by pid at the end)."""
    remote = start_virtual_module(MODULE_URL, tcp_ports=TcpPorts(socket_port=0))
    remote.go()
    try:
        url = remote.socket_url
        assert url is not None, "the module was asked for a TCP port"
        capture = 'point = "server"\ninterface = "lo"' if can_capture() else 'point = "off"'
        modules = "".join(
            f'\n[[module]]\nid = "{module_id}"\nport = "{port}"\nrat = "nbiot"\n'
            '[module.sim]\noperator = "00101"\napn = "iot.test"\n'
            for module_id, port in (("nb-local", MODULE_URL), ("nb-remote", url))
        )
        rig = directory / "rig.toml"
        rig.write_text(
            '[rig]\nname = "crash"\n[server]\nmode = "local"\nhost = "127.0.0.1"\nport = 0\n'
            f"[capture]\n{capture}\n{modules}",
            encoding="utf-8",
        )
        plan = directory / "plan.toml"
        plan.write_text(PLAN, encoding="utf-8")
        yield Rig(directory=directory, rig=rig, plan=plan, remote_url=url)
    finally:
        remote.stop()


def start_run(rig: Rig, results: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "harness", "run", f"--rig={rig.rig}", f"--plan={rig.plan}"]
    command += [f"--results={results}", f"--run-id={RUN_ID}", "--parallel", "--", "-p", "no:cacheprovider"]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MIOT_")}
    environment["MIOT_LOCK_DIR"] = str(rig.lock_dir)
    log = (results.parent / f"{results.name}.log").open("wb")
    with log:  # the child holds its own copy of the descriptor
        return subprocess.Popen(
            command,
            cwd=CHECKOUT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class KillOutcome:
    """What one kill left."""

    after_s: float
    was_killed: bool  # False: the run had ended by itself first
    had_run_dir: bool
    is_readable: bool  # read_run read it (trivially so without a run directory)
    report_exit: int | None  # `miot report`'s exit status; None without a run directory
    finished_cases: int
    rows_lost: int  # rows seen before the kill and missing after, plus finished cases without rows
    survivors: tuple[str, ...]  # processes of the run still alive after ORPHAN_EXIT_TIMEOUT_S
    is_lock_free: bool
    problem: str  # why it was not readable, "" when it was


def timed_run(rig: Rig, results: Path) -> float:
    """The seconds a whole run takes on this machine now (12-25 s: pytest and two xdist workers start, two
    modules come up, two cases each, the report is written); AssertionError when it does not pass."""
    started = time.monotonic()
    miot = start_run(rig, results)
    code = miot.wait(timeout=RUN_TIMEOUT_S)
    assert code == 0, (results.parent / f"{results.name}.log").read_text()
    return time.monotonic() - started


def kill_once(rig: Rig, results: Path, seed: int, window_s: float) -> KillOutcome:
    """One run SIGKILLed at a moment drawn from `seed` in its first window_s (a whole run's time: start-up,
    cases and the report's writing alike)."""
    after_s = random.Random(seed).uniform(0.0, window_s)
    miot = start_run(rig, results)
    below: set[int] = set()
    try:
        time.sleep(after_s)
        rows_before = _rows_by_test(results / RUN_ID)
        below = descendants(miot.pid)
        was_killed = miot.poll() is None  # reaps a run that ended by itself: its pid is no longer ours
        if was_killed:
            os.kill(miot.pid, signal.SIGKILL)  # miot alone, not its process group
        miot.wait()
        survivors = wait_for_orphans(below | _group_of(miot.pid))
    finally:
        # whatever survived is reported above; never leave it running
        _end(below | _group_of(miot.pid))
    readable, problem, rows_after, finished = _read(results / RUN_ID)
    lost = sum(max(0, n - rows_after.get(test_id, 0)) for test_id, n in rows_before.items())
    lost += sum(1 for test_id in finished if rows_after.get(test_id, 0) == 0)
    run_dir = results / RUN_ID
    return KillOutcome(
        after_s=after_s,
        was_killed=was_killed,
        had_run_dir=run_dir.is_dir(),
        is_readable=readable,
        report_exit=report_exit(run_dir, results.parent / f"{results.name}.html")
        if run_dir.is_dir()
        else None,
        finished_cases=len(finished),
        rows_lost=lost,
        survivors=survivors,
        is_lock_free=is_lock_free(rig),
        problem=problem,
    )


def report_exit(run_dir: Path, html: Path) -> int:
    command = [sys.executable, "-m", "harness", "report", str(run_dir), "-o", str(html)]
    return subprocess.run(
        command, cwd=CHECKOUT, capture_output=True, timeout=RUN_TIMEOUT_S, check=False
    ).returncode


def is_lock_free(rig: Rig) -> bool:
    holder = this_holder("crash-check", "nb-remote", now=datetime.now(UTC))
    try:
        with hold_port(rig.remote_url, holder, directory=rig.lock_dir):
            return True
    except HarnessError:
        return False


def _rows_by_test(run_dir: Path) -> dict[str, int]:
    try:
        measurements = read_run(run_dir).measurements
    except HarnessError:
        return {}  # not yet a run directory, or caught mid-write: nothing counted as flushed
    return (
        {str(k): int(v) for k, v in measurements.groupby("test_id").size().items()}
        if len(measurements)
        else {}
    )


def _read(run_dir: Path) -> tuple[bool, str, dict[str, int], list[str]]:
    if not run_dir.is_dir():
        return True, "", {}, []
    try:
        run = read_run(run_dir)
    except HarnessError as error:
        return False, str(error), {}, []
    rows = run.measurements.groupby("test_id").size().to_dict() if len(run.measurements) else {}
    finished = [case.test_id for case in run.cases if not case.is_unfinished and case.outcome == "pass"]
    return True, "", {str(k): int(v) for k, v in rows.items()}, finished


def _group_of(pgid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            found.add(int(stat.parent.name))
    return found


def wait_for_orphans(pids: set[int], timeout_s: float = ORPHAN_EXIT_TIMEOUT_S) -> tuple[str, ...]:
    """The processes of `pids` still alive after timeout_s, by pid and command line."""
    deadline = time.monotonic() + timeout_s
    while (alive := {pid for pid in pids if is_alive(pid)}) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    return tuple(sorted(_command_line(pid) for pid in alive))


def _command_line(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"pid {pid} (ended)"
    return f"pid {pid}: " + " ".join(w.decode(errors="replace") for w in words if w)[:120]


def _end(pids: set[int]) -> None:
    for pid in pids:
        if not is_alive(pid):
            continue
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
