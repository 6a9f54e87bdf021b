"""The fault matrix (issue 9 item 1): every virtual-module fault against every procedure that runs on the
default virtual modules (virtual BC660K, NB-IoT), run as a lab would run it: one `miot run --parallel` whose
rig has one module per fault (and one clean module as the control), each fault switched on by
tests.reliability.fault_injection just after each case body starts. A cell is one (procedure, fault) case:
its outcome from case.json, its reason from junit.xml, and whether its rows and files are intact.

Procedures left out: test_host_echo and test_iperf3 need a host data interface, which a BC660K lacks (they
skip on the default rig, naming the missing [module.data]).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.results import read_run
from harness.virtual.faults import FaultKind
from tests.reliability.fault_injection import FAULTS_VARIABLE

CHECKOUT = Path(__file__).resolve().parents[2]
CLEAN = "clean"
RUN_ID = "fault-matrix"
REASON_LINES = 3
# inactivity_s 2: the CE0 default (20 s) would make every case that waits for RRC idle take 20 s more
MODULE_URL = "virtual://bc660k?ce=0&attach_s=0&inactivity_s=2"

# Short faults: each starts half a second into the body; the lasting ones end 4 s later by themselves, so a
# module that only hung for a while answers again by the time the harness diagnoses it or the next case runs.
_SOON = {"at_s": 0.5}
_BRIEF = {**_SOON, "duration_s": 4.0}
FAULTS: Mapping[FaultKind, Mapping[str, object]] = {
    FaultKind.NO_RESPONSE: _BRIEF,
    FaultKind.SLOW_RESPONSE: {**_BRIEF, "delay_s": 1.0},
    FaultKind.GARBAGE: {**_BRIEF, "chance_pct": 50},
    FaultKind.URC_STORM: {**_BRIEF, "rate_hz": 200},
    FaultKind.REBOOT: _SOON,
    FaultKind.PORT_VANISH: {**_SOON, "reappear_s": 1.0},
    FaultKind.REGISTRATION_LOST: _BRIEF,
    FaultKind.SIM_REMOVED: _BRIEF,
    FaultKind.SOCKET_CLOSED: {"at_s": 1.5},  # by then a socket of the procedure is open
    FaultKind.WAKE_LOSS: {**_SOON, "duration_s": 120.0},  # only a wake from PSM shows it
}


# Each procedure's [[case]] body after its id: short parameters, and loose limits, so that a case fails only
# when the fault damaged what it measures.
PROCEDURES: Mapping[str, str] = {
    "attach": """test = "test_attach"
params = { cycles = 2, start = "cfun", off_s = 0.5, attempt_timeout_s = 20.0 }
limits.attach_success_pct = { low = 100 }""",
    "granted": """test = "test_granted_timers"
params = { periodic_tau_s = 3600, active_time_s = 60, edrx_cycle_s = 20.48, off_s = 0.5 }
limits.psm_granted_pct = { low = 100 }""",
    "echo": """test = "test_udp_echo"
params = { probes = 10, interval_s = 0.5, timeout_s = 3.0, warmup_probes = 0 }
limits.loss_pct = { high = 0 }""",
    "first": """test = "test_first_packet"
params = { start = "idle", attempts = 1, payload_bytes = 64, follow_probes = 1, settle_timeout_s = 20.0, \
timeout_s = 10.0 }
limits.first_packet_loss_pct = { high = 0 }""",
    "ping": """test = "test_ping"
params = { requests = 4, interval_s = 1.0, timeout_s = 5, warmup_requests = 0 }
limits.ping_loss_pct = { high = 0 }""",
    "tcp-connect": """test = "test_tcp_connect"
params = { connects = 3, interval_s = 1.0, timeout_s = 10 }
limits.connect_success_pct = { low = 100 }""",
    "stream": """test = "test_udp_stream"
params = { direction = "ul", payload_bytes = 512, rate_kbps = 100, packets = 20, drain_s = 2 }
limits.ul_loss_pct = { high = 0 }""",
    "tcp-stream": """test = "test_tcp_stream"
params = { direction = "ul", total_bytes = 4000, drain_s = 3, timeout_s = 20 }""",
    "saturation": """test = "test_uplink_saturation"
params = { payload_bytes = 200, rate_kbps = 100, packets = 30, drain_s = 3 }""",
    "reports": """test = "test_periodic_reports"
params = { reports = 2, payload_bytes = 50, interval_s = 8, sleep = "psm", release = "rai", \
active_time_s = 2, periodic_tau_s = 3600, late_s = 4, settle_timeout_s = 30, drain_s = 5, off_s = 0.5 }
limits.delivery_ratio_pct = { low = 100 }""",
    "power-save": """test = "test_power_save"
params = { active_time_s = 4, periodic_tau_s = 40, inactivity_s = 0.5, sleep_s = 10, payload_bytes = 50, \
floor_ua = 0.8, report_interval_s = 86400, battery_mah = 5000, life_periodic_tau_s = 86400 }
limits.dl_reachability_pct = { low = 100 }""",
    "edrx": """test = "test_edrx_reachability"
params = { edrx_cycle_s = 20.48, ptw_s = 5.12, paging_cycle_s = 2.56, attempts = 1, tolerance_s = 1.0 }
limits.dl_reachability_in_ptw_pct = { low = 100 }""",
}


def module_id(fault: FaultKind | None) -> str:
    return CLEAN if fault is None else f"f-{fault}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One (procedure, fault) case as the run left it."""

    case_id: str
    module_id: str
    outcome: str | None  # case.json's; None: no case.json (the case never started)
    reason: str  # the failure, error or skip message of junit.xml; "" for a pass
    is_finished: bool
    duration_s: float | None
    row_count: int  # its rows in measurements.csv
    has_at_log: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixRun:
    run_dir: Path
    returncode: int
    output: str
    took_s: float
    cells: Mapping[tuple[str, str], Cell]  # (case id, module id)


def write_inputs(directory: Path, faults: Sequence[FaultKind], case_ids: Sequence[str]) -> tuple[Path, Path]:
    modules = [module_id(None), *(module_id(kind) for kind in faults)]
    tables = "".join(
        f'\n[[module]]\nid = "{module}"\nport = "{MODULE_URL}"\nrat = "nbiot"\nreset = {{ timeout_s = 60 }}\n'
        '[module.sim]\noperator = "00101"\napn = "iot.test"\n'
        for module in modules
    )
    channels = ", ".join(f'"{module}" = {n}' for n, module in enumerate(modules, start=1))
    rail = f'\n[[power]]\nid = "rail"\nanalyzer = "virtual"\nchannels = {{ {channels} }}\n'
    rig = directory / "rig.toml"
    rig.write_text(
        '[rig]\nname = "fault-matrix"\n[server]\nmode = "local"\nhost = "127.0.0.1"\nport = 0\n'
        '[capture]\npoint = "off"\n' + tables + rail,
        encoding="utf-8",
    )
    cases = "".join(f'\n[[case]]\nid = "{c}"\n{PROCEDURES[c]}\n' for c in case_ids)
    plan = directory / "plan.toml"
    plan.write_text('[plan]\nname = "fault-matrix"\n' + cases, encoding="utf-8")
    return rig, plan


def run_matrix(
    directory: Path, faults: Sequence[FaultKind], case_ids: Sequence[str], *, workers: int, timeout_s: float
) -> MatrixRun:
    """`miot run --parallel` of the cases on a clean module and one module per fault; a run that outlives
    timeout_s is a hang (subprocess.TimeoutExpired)."""
    import time

    rig, plan = write_inputs(directory, faults, case_ids)
    results = directory / "results"
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MIOT_")}
    environment[FAULTS_VARIABLE] = json.dumps({module_id(k): {"kind": str(k), **FAULTS[k]} for k in faults})
    environment["MIOT_LOCK_DIR"] = str(directory / "locks")
    command = [sys.executable, "-m", "harness", "run", f"--rig={rig}", f"--plan={plan}"]
    command += [f"--results={results}", f"--run-id={RUN_ID}", "--parallel", "--"]
    # after --parallel's own -n: at most `workers` modules side by side on a 2-core machine
    command += ["-n", str(workers), "-p", "tests.reliability.fault_injection", "-p", "no:cacheprovider"]
    command += ["--radio-every-s=0", "-rA"]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=CHECKOUT, capture_output=True, text=True, timeout=timeout_s, check=False, env=environment
    )
    run_dir = results / RUN_ID
    if not run_dir.is_dir():
        raise AssertionError(
            f"miot run wrote no run directory (exit {completed.returncode}): {completed.stderr}"
        )
    return MatrixRun(
        run_dir=run_dir,
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
        took_s=time.monotonic() - started,
        cells=read_cells(run_dir),
    )


def read_cells(run_dir: Path) -> dict[tuple[str, str], Cell]:
    run = read_run(run_dir)
    reasons = junit_reasons(run_dir / "junit.xml")
    rows = run.measurements.groupby("test_id").size().to_dict() if len(run.measurements) else {}
    return {
        (case.case_id, case.module_id): Cell(
            case_id=case.case_id,
            module_id=case.module_id,
            outcome=case.outcome,
            reason=reasons.get(case.test_id, ""),
            is_finished=not case.is_unfinished,
            duration_s=case.duration_s,
            row_count=int(rows.get(case.test_id, 0)),
            has_at_log=(run.test_dir(case.test_id) / "at.log").is_file(),
        )
        for case in run.cases
    }


def junit_reasons(path: Path) -> dict[str, str]:
    """test id -> the first lines of its failure, error or skip message (a KPI failure names the limits
    missed on the lines after its first)."""
    reasons: dict[str, str] = {}
    for testcase in ET.parse(path).getroot().iter("testcase"):
        name = testcase.get("name", "")
        test_id = name[name.find("[") + 1 : -1] if name.endswith("]") else name
        for child in testcase:
            if child.tag in {"failure", "error", "skipped"}:
                message = (child.get("message") or child.text or "").strip()
                if message and test_id not in reasons:
                    reasons[test_id] = " | ".join(message.splitlines()[:REASON_LINES])
    return reasons


def matrix_table(cells: Mapping[tuple[str, str], Cell], faults: Sequence[FaultKind]) -> str:
    """The matrix as a Markdown table: a row per procedure, a column per fault (and the clean module), each
    cell its outcome; the reasons are listed under it."""
    case_ids = list(dict.fromkeys(case_id for case_id, _ in sorted(cells)))
    columns = [None, *faults]
    lines = [
        "| procedure | " + " | ".join("clean" if f is None else str(f) for f in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    reasons: list[str] = []
    for case_id in case_ids:
        row = []
        for fault in columns:
            cell = cells.get((case_id, module_id(fault)))
            row.append("not run" if cell is None else str(cell.outcome))
            if cell is not None and cell.outcome != "pass" and cell.reason:
                reasons.append(f"- {case_id} × {'clean' if fault is None else fault}: {cell.reason[:300]}")
        lines.append(f"| {case_id} | " + " | ".join(row) + " |")
    return "\n".join([*lines, "", *reasons]) + "\n"
