"""What a command costs as a process tree: wall time, CPU time and memory, for benches that time a command a
user types (`miot run`, `miot report`).

Memory is read from /proc while the command runs, not from wait4's ru_maxrss: Linux carries a process's
maxrss across fork and exec (getrusage(2)), so a child forked from a bench that holds a few GB reports the
bench's own peak. VmHWM (proc(5)) belongs to the address space that exec creates, so it is the command's
own; the tree's resident total is VmRSS summed over the command and its descendants, sampled every
SAMPLE_S (a peak shorter than that may be missed). CPU time (user + system) is wait4's, for the command and
every descendant it waited for.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_S = 0.1
PROC = Path("/proc")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cost:
    wall_s: float
    cpu_s: float
    peak_tree_mib: float  # the tree's summed resident memory at its sampled peak
    peak_process_mib: float  # the largest VmHWM of any process of the tree
    exit_status: int


def status_kib(text: str, field: str) -> int:
    """A `Field:  123 kB` value of /proc/<pid>/status, 0 when absent (a kernel thread, a zombie)."""
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def descendants(root: int, parents: Mapping[int, int]) -> set[int]:
    """root and every process whose chain of parents reaches it (parents: pid -> ppid)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    tree, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid not in tree:
            tree.add(pid)
            stack += children.get(pid, [])
    return tree


def _parents() -> dict[int, int]:
    parents = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                # the command name may hold spaces and parentheses: the ppid is after the last ')'
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # it ended while we looked
    return parents


class _TreeWatch:
    """Samples the tree's memory on a thread until stopped."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_tree_kib = 0
        self.peak_process_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            total = 0
            for pid in descendants(self.root, _parents()):
                try:
                    status = (PROC / str(pid) / "status").read_text()
                except OSError:
                    continue
                total += status_kib(status, "VmRSS")
                self.peak_process_kib = max(self.peak_process_kib, status_kib(status, "VmHWM"))
            self.peak_tree_kib = max(self.peak_tree_kib, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: Path) -> Cost:
    """Run `command`, its output to `log`; what it cost (module docstring)."""
    with log.open("w") as output:
        start = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        watch = _TreeWatch(process.pid)
        # ended but not reaped (WNOWAIT): the sampler stops, then wait4 reaps it and returns its rusage
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        watch.stop()
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return Cost(
        wall_s=wall_s,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_tree_mib=watch.peak_tree_kib / 1024,
        peak_process_mib=watch.peak_process_kib / 1024,
        exit_status=process.returncode,
    )
