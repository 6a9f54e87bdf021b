"""The fault matrix (tests.reliability.fault_matrix): every fault against the UDP echo in `make test`, every
fault against every procedure in `make reliability` (which writes the table docs/reliability.md quotes).

Each cell's classification is decided here and asserted: `pass` where the procedure does not meet the fault
or absorbs it (a reboot or a lost registration while the procedure re-attaches anyway), `error` naming the
fault where the rig failed the case (harness.pytest_plugin.recovery: rebooted, vanished, hung), `fail`
with the reason where the module's result was damaged (the command, the closed socket, the missing SIM, the
KPI limit missed). Every run ends within its timeout, every case within CELL_LIMIT_S, and every case is
intact: finished in case.json, its at.log kept, a passed one with its KPI rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from harness.results import read_run_record
from harness.virtual.faults import FaultKind
from tests.reliability.fault_matrix import (
    PROCEDURES,
    Cell,
    MatrixRun,
    matrix_table,
    module_id,
    run_matrix,
)
from tests.reliability.reliability_settings import figures_dir, is_full

CASE_IDS = list(PROCEDURES) if is_full() else ["echo"]
WORKERS = 4
RUN_TIMEOUT_S = 1800.0 if is_full() else 300.0
# The longest clean case is the eDRX one (about 65 s); a fault's timeouts and a recovery add about 40 s.
CELL_LIMIT_S = 150.0
PASSED = frozenset({"pass", "unchecked"})  # unchecked: measured, no limit set (tcp-stream, saturation)

# Faults that touch no procedure here: commands are answered (late, among garbage or URCs), and every
# wake from PSM is preceded by the harness's wake-up (harness.dialects.module_health.wake_uart).
UNTOUCHED = (FaultKind.SLOW_RESPONSE, FaultKind.GARBAGE, FaultKind.URC_STORM, FaultKind.WAKE_LOSS)
CLOSED = r"socket 0 was closed by the network"
NO_SIM = r"registration failed: no_sim .*no SIM is inserted"
CFUN_TIMEOUT = r"ATTimeout: AT\+CFUN=1 got no final result code"
PDP_FAILED = r"AT\+QIOPEN for socket 0 .* failed: \+QIOPEN: 0,561"
NO_QIOPEN = r"ATTimeout: no \+QIOPEN URC"


def _kpi(metric: str) -> str:
    return rf"KPI limits not met:.*{metric}"


def _lost_or_hung(reason: str) -> tuple[str, str]:
    """A command or the traffic lost in a 4 s hang fails the case (the module answers again by the
    diagnosis), unless the hang left the module stuck (a lost prompt: it takes the next commands as payload),
    which is an error and a reset. Where in the procedure's steps the hang falls moves from run to run, so
    any loss it caused is accepted as long as it is named: `reason` is the one seen most, LOST the others."""
    return "fail|error", rf"{reason}|{LOST}|module f-no_response hung .*recovered"


LOST = (
    r"ATTimeout: .*(got no (final result code|prompt)|no \+\w+ URC)|failed with ERROR|failed: \+QIOPEN: 0,561"
    r"|KPI limits not met|did not report"
)


# procedure -> fault -> (outcomes allowed, reason pattern); faults of UNTOUCHED and port_vanish are added
# below for every procedure.
EXPECTED: Mapping[str, Mapping[FaultKind, tuple[str, str]]] = {
    "attach": {
        FaultKind.NO_RESPONSE: _lost_or_hung(CFUN_TIMEOUT),
        FaultKind.REBOOT: ("pass", ""),  # the attach cycle's CFUN=0/1 follows the reboot
        FaultKind.REGISTRATION_LOST: ("pass", ""),  # registered again within the attempt's timeout
        FaultKind.SIM_REMOVED: ("fail", _kpi("attach_success_pct")),
        FaultKind.SOCKET_CLOSED: ("pass", ""),  # no socket
    },
    "granted": {
        FaultKind.NO_RESPONSE: _lost_or_hung(CFUN_TIMEOUT),
        FaultKind.REBOOT: ("pass", ""),
        FaultKind.REGISTRATION_LOST: ("pass", ""),
        FaultKind.SIM_REMOVED: ("fail", NO_SIM),
        FaultKind.SOCKET_CLOSED: ("pass", ""),
    },
    "echo": {
        FaultKind.NO_RESPONSE: _lost_or_hung(r"AT\+QISEND=0,64 got no prompt"),
        FaultKind.REBOOT: ("error", r"module f-reboot rebooted .*recovered"),
        FaultKind.REGISTRATION_LOST: ("fail", rf"{CLOSED}|AT\+QISEND=0,64 failed with ERROR"),
        FaultKind.SIM_REMOVED: ("fail", rf"{CLOSED}|AT\+QISEND=0,64 failed with ERROR"),
        FaultKind.SOCKET_CLOSED: ("fail", CLOSED),
    },
    "first": {
        FaultKind.NO_RESPONSE: _lost_or_hung(PDP_FAILED),
        FaultKind.REBOOT: ("error", r"rebooted .*recovered"),
        FaultKind.REGISTRATION_LOST: ("fail", CLOSED),
        FaultKind.SIM_REMOVED: ("fail", CLOSED),
        FaultKind.SOCKET_CLOSED: ("fail", CLOSED),
    },
    "ping": {
        FaultKind.NO_RESPONSE: _lost_or_hung(r"AT\+QPING=.* failed with ERROR"),
        FaultKind.REBOOT: ("error", r"rebooted .*recovered"),
        FaultKind.REGISTRATION_LOST: ("fail", _kpi("ping_loss_pct")),
        FaultKind.SIM_REMOVED: ("fail", _kpi("ping_loss_pct")),
        FaultKind.SOCKET_CLOSED: ("pass", ""),  # AT+QPING opens no socket
    },
    "tcp-connect": {
        FaultKind.NO_RESPONSE: _lost_or_hung(_kpi("connect_success_pct")),
        FaultKind.REBOOT: ("error", r"rebooted .*recovered"),
        FaultKind.REGISTRATION_LOST: ("fail", _kpi("connect_success_pct")),
        FaultKind.SIM_REMOVED: ("fail", _kpi("connect_success_pct")),
        FaultKind.SOCKET_CLOSED: ("fail", _kpi("connect_success_pct")),
    },
    "stream": {
        FaultKind.NO_RESPONSE: _lost_or_hung(PDP_FAILED),
        FaultKind.REBOOT: ("error", r"rebooted .*recovered"),
        FaultKind.REGISTRATION_LOST: ("fail", CLOSED),
        FaultKind.SIM_REMOVED: ("fail", CLOSED),
        FaultKind.SOCKET_CLOSED: ("fail", rf"{CLOSED}|{_kpi('ul_loss_pct')}"),
    },
    "tcp-stream": {
        FaultKind.NO_RESPONSE: _lost_or_hung(PDP_FAILED),
        FaultKind.REBOOT: ("error", r"rebooted .*recovered"),
        # the open's +QIURC "closed" arrives in place of +QIOPEN (the wait names it among its last lines),
        # or, when the loss lands while the open is under way, no answer to the open comes at all
        FaultKind.REGISTRATION_LOST: ("fail", NO_QIOPEN),
        FaultKind.SIM_REMOVED: ("fail", rf'{NO_QIOPEN}.*\+QIURC: "closed"'),
        FaultKind.SOCKET_CLOSED: ("fail", rf'{NO_QIOPEN}.*\+QIURC: "closed"'),
    },
    "saturation": {
        FaultKind.NO_RESPONSE: _lost_or_hung(PDP_FAILED),
        FaultKind.REBOOT: ("error", r"rebooted .*recovered"),
        FaultKind.REGISTRATION_LOST: ("fail", CLOSED),
        FaultKind.SIM_REMOVED: ("fail", CLOSED),
        FaultKind.SOCKET_CLOSED: ("pass", ""),  # the datagrams are out before 1.5 s; no limit on the drain
    },
    "reports": {
        FaultKind.NO_RESPONSE: _lost_or_hung(CFUN_TIMEOUT),
        FaultKind.REBOOT: ("pass", ""),  # the PSM request's re-attach follows the reboot
        FaultKind.REGISTRATION_LOST: ("pass", ""),
        FaultKind.SIM_REMOVED: ("fail", NO_SIM),
        FaultKind.SOCKET_CLOSED: ("fail", _kpi("delivery_ratio_pct")),
    },
    "power-save": {
        FaultKind.NO_RESPONSE: _lost_or_hung(CFUN_TIMEOUT),
        FaultKind.REBOOT: ("pass", ""),
        FaultKind.REGISTRATION_LOST: ("pass", ""),
        FaultKind.SIM_REMOVED: ("fail", NO_SIM),
        FaultKind.SOCKET_CLOSED: ("fail", CLOSED),
    },
    "edrx": {
        FaultKind.NO_RESPONSE: _lost_or_hung(CFUN_TIMEOUT),
        FaultKind.REBOOT: ("pass", ""),
        FaultKind.REGISTRATION_LOST: ("pass", ""),
        FaultKind.SIM_REMOVED: ("fail", NO_SIM),
        # the close meets the downlink datagram's socket, or the datagram never comes: its KPI is missing
        FaultKind.SOCKET_CLOSED: ("fail|missing", rf"{CLOSED}|{_kpi('dl_reachability_in_ptw_pct')}"),
    },
}


def expected(case_id: str, fault: FaultKind) -> tuple[str, str]:
    if fault in UNTOUCHED:
        return "pass", ""
    if fault is FaultKind.PORT_VANISH:
        return "error", r"module f-port_vanish vanished \(its port went away.*recovered"
    return EXPECTED[case_id][fault]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> MatrixRun:
    run = run_matrix(
        tmp_path_factory.mktemp("matrix"), list(FaultKind), CASE_IDS, workers=WORKERS, timeout_s=RUN_TIMEOUT_S
    )
    if (figures := figures_dir()) is not None:
        (figures / "fault-matrix.md").write_text(matrix_table(run.cells, list(FaultKind)), encoding="utf-8")
    return run


def describe(cell: Cell) -> str:
    return f"{cell.case_id}@{cell.module_id}: {cell.outcome} ({cell.reason})"


def test_the_run_ends_and_every_cell_ran(matrix: MatrixRun) -> None:
    assert matrix.returncode == 1, matrix.output  # the faults fail cases; 2 or more is the harness's own
    record = read_run_record(matrix.run_dir / "run.json")
    assert record.ended_utc is not None
    wanted = {(c, module_id(f)) for c in CASE_IDS for f in (None, *FaultKind)}
    assert set(matrix.cells) == wanted


def test_every_case_is_intact_and_bounded(matrix: MatrixRun) -> None:
    broken = [
        describe(cell)
        for cell in matrix.cells.values()
        if not cell.is_finished
        or not cell.has_at_log
        or cell.duration_s is None
        or cell.duration_s > CELL_LIMIT_S
        or (cell.outcome in PASSED and cell.row_count == 0)
    ]
    assert broken == []


def test_the_clean_module_passes_everything(matrix: MatrixRun) -> None:
    clean = [cell for (_, module), cell in matrix.cells.items() if module == module_id(None)]
    assert [describe(c) for c in clean if c.outcome not in PASSED] == []


@pytest.mark.parametrize("fault", list(FaultKind))
def test_each_fault_is_classified_as_decided(matrix: MatrixRun, fault: FaultKind) -> None:
    wrong = []
    for case_id in CASE_IDS:
        cell = matrix.cells[(case_id, module_id(fault))]
        outcome, reason = expected(case_id, fault)
        allowed = {o for word in outcome.split("|") for o in (PASSED if word == "pass" else {word})}
        if cell.outcome not in allowed or not re.search(reason, cell.reason):
            wrong.append(f"{describe(cell)}; expected {outcome} matching {reason!r}")
    assert wrong == []


def test_the_table_names_every_cell(matrix: MatrixRun, tmp_path: Path) -> None:
    table = matrix_table(matrix.cells, list(FaultKind))
    assert table.splitlines()[0].startswith("| procedure | clean | no_response |")
    assert all(f"| {case_id} |" in table for case_id in CASE_IDS)
    assert "not run" not in table
