"""benchmarks/process_tree.py: what a command costs as a process tree, its memory its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from benchmarks.process_tree import descendants, run_measured, status_kib

# touch one byte per page: only pages written count as resident
ALLOCATE = "import time; b = bytearray({mib} * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.6)"


def test_status_fields_read_in_kib_and_absent_ones_as_zero() -> None:
    status = "Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n"
    assert (status_kib(status, "VmHWM"), status_kib(status, "VmRSS"), status_kib(status, "VmSwap")) == (
        204800,
        102400,
        0,
    )


def test_descendants_follow_every_generation_and_nothing_else() -> None:
    parents = {10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
    assert descendants(10, parents) == {10, 11, 12, 13}
    assert descendants(21, parents) == {21}


def test_a_command_forked_from_a_big_process_reports_its_own_memory(tmp_path: Path) -> None:
    held = bytearray(400 * 2**20)  # this process grows by 400 MiB: ru_maxrss of a child would say so too
    held[::4096] = b"x" * len(held[::4096])
    cost = run_measured(
        [sys.executable, "-c", ALLOCATE.format(mib=50)], cwd=tmp_path, env=os.environ, log=tmp_path / "log"
    )
    assert 50 <= cost.peak_process_mib < 150
    assert cost.exit_status == 0
    assert cost.wall_s >= 0.6
    del held


def test_the_tree_sums_its_processes_and_keeps_the_exit_status(tmp_path: Path) -> None:
    child = f'{sys.executable} -c "{ALLOCATE.format(mib=60)}"'
    cost = run_measured(
        ["sh", "-c", f"{child} & {child} & wait; exit 3"], cwd=tmp_path, env=os.environ, log=tmp_path / "log"
    )
    assert cost.peak_tree_mib >= 120
    assert 60 <= cost.peak_process_mib < cost.peak_tree_mib
    assert cost.exit_status == 3
    assert cost.cpu_s > 0  # the children's time, waited for by the shell
