"""The operator sweep as a user runs it: `miot run` of testplans/operator-sweep.toml on
fixtures/rigs/virtual-two-operators.toml, then `miot report` of that run (issue 11 item 3): every case passes
for both operators, and measurements.csv and the cross-run report's indicator tables have a row per operator.
About 45 s; the host echo needs the host data path (root and iperf3), skipped with that reason otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness import netns
from harness.results import read_measurements
from harness.server.iperf import iperf3_problem

CHECKOUT = Path(__file__).resolve().parents[2]
RIG = CHECKOUT / "fixtures/rigs/virtual-two-operators.toml"
PLAN = CHECKOUT / "testplans/operator-sweep.toml"
RUN_ID = "operator-sweep"
RUN_TIMEOUT_S = 300
OPERATORS = ("46000", "46011")
HOST_PATH_REASON = iperf3_problem() or netns.missing_net_admin()
# one indicator row of the report: the group cells (module, firmware, operator, ...), then the metric
ROW = re.compile(
    r"<tr><td>RG255C-GL</td><td>[^<]*</td><td>([^<]*)</td>(?:<td>[^<]*</td>){3}<td>([a-z0-9_]+)</td>"
)


def miot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


@pytest.mark.skipif(HOST_PATH_REASON is not None, reason=f"host data path: {HOST_PATH_REASON}")
def test_a_two_operator_sweep_reports_each_operator(tmp_path: Path, rate_measurement_slot: None) -> None:
    run = miot("run", f"--rig={RIG}", f"--plan={PLAN}", f"--results={tmp_path}", f"--run-id={RUN_ID}")
    assert run.returncode == 0, run.stdout + run.stderr
    run_dir = tmp_path / RUN_ID

    rows = read_measurements(run_dir / "measurements.csv")
    assert sorted(set(zip(rows["case_id"], rows["operator"], strict=True))) == [
        (case, operator) for case in ("attach", "host-echo") for operator in OPERATORS
    ]
    assert set(rows["test_id"]) == {
        f"{case}.operator-{operator}@redcap" for case in ("attach", "host-echo") for operator in OPERATORS
    }

    report = miot("report", str(run_dir), "-o", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stdout + report.stderr
    shown = ROW.findall((tmp_path / "report.html").read_text(encoding="utf-8"))
    for metric in ("attach_success_pct", "rtt_p95_ms"):
        assert sorted(operator for operator, row_metric in shown if row_metric == metric) == list(OPERATORS)
