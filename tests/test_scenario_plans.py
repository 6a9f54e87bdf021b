"""The scenario plans of testplans/scenarios/ (issue 12 item 1): each loads, names only procedures that exist
with params their specs take, fits the rig its `[plan] rig` names, cites a source for every limit, and says
in its header what it models, its rig and its run time. Each one then runs as a user runs it (`miot run
--plan <it>`, nothing else), passes, records every metric it limits, and ends within the time its header
states.

The runs take 1-3 minutes each: `make test` runs the ones in QUICK; the others are marked `scenarios` and run
with MIOT_SCENARIOS=all (`make scenarios`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import netns
from harness.plan import Plan, load_plan, plan_rig_problems
from harness.pytest_plugin.cases import plan_problems, procedures_in
from harness.results import read_measurements
from harness.rig import load_rig
from harness.server.iperf import iperf3_problem

CHECKOUT = Path(__file__).resolve().parents[1]
SCENARIOS = CHECKOUT / "testplans" / "scenarios"
PLANS = sorted(SCENARIOS.glob("*.toml"))
ISSUE_12_SCENARIOS = {
    "metering", "city-sensors", "tracker", "low-altitude", "agriculture", "health-wearable", "vehicle"
}  # fmt: skip
# run by `make test`: the shortest (about 35 s); like the other data-path tests it needs root and iperf3
QUICK = {"health-wearable"}
ALL_VARIABLE = "MIOT_SCENARIOS"
_RUN_TIME = re.compile(r"Run time there: under (\d+(?:\.\d+)?) minutes?\b")
_HEADER_RIG = re.compile(r"fixtures/rigs/[a-z0-9-]+\.toml")


def header_of(path: Path) -> str:
    """The comment lines before `[plan]`, joined into one text."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.removeprefix("#").strip())
    return " ".join(lines)


def stated_run_time_s(path: Path) -> float:
    found = _RUN_TIME.search(header_of(path))
    assert found, f"{path.name}: the header states no 'Run time there: under N minutes'"
    return float(found[1]) * 60


def host_path_problem(plan: Plan) -> str | None:
    """Why this machine cannot run the plan's rig (its virtual data interfaces need root and iperf3)."""
    assert plan.rig is not None
    if "datapath=netns" not in plan.rig.read_text(encoding="utf-8"):
        return None
    return iperf3_problem() or netns.missing_net_admin()


def test_the_issue_12_scenarios_are_shipped() -> None:
    assert {path.stem for path in PLANS} == ISSUE_12_SCENARIOS


@pytest.mark.parametrize("path", PLANS, ids=[path.stem for path in PLANS])
def test_a_scenario_is_valid_and_fits_its_own_rig(path: Path) -> None:
    plan = load_plan(path)
    assert plan.name == path.stem
    assert plan.rig is not None, "a scenario names its rig, so `miot run --plan` is all a user types"
    assert plan_problems(plan, procedures_in(CHECKOUT / "testplans")) == []
    assert plan_rig_problems(plan, load_rig(plan.rig)) == []
    assert [limit for case in plan.cases for limit in case.limits.values() if not limit.source] == []


@pytest.mark.parametrize("path", PLANS, ids=[path.stem for path in PLANS])
def test_a_scenarios_header_says_what_where_and_how_long(path: Path) -> None:
    header = header_of(path)
    plan = load_plan(path)
    assert header.startswith("Scenario: ")
    assert "Traffic model:" in header
    assert "Scaled down:" in header  # and how a lab scales it back up
    assert plan.rig is not None
    assert _HEADER_RIG.findall(header)[0] == plan.rig.resolve().relative_to(CHECKOUT).as_posix()
    assert 0 < stated_run_time_s(path) <= 3 * 60


def scenario_param(path: Path) -> object:
    if path.stem in QUICK:
        return pytest.param(path, id=path.stem)
    gate = pytest.mark.skipif(
        os.environ.get(ALL_VARIABLE) != "all", reason=f"a long scenario: {ALL_VARIABLE}=all (make scenarios)"
    )
    return pytest.param(path, id=path.stem, marks=[pytest.mark.scenarios, gate])


@pytest.mark.parametrize("path", [scenario_param(path) for path in PLANS])
def test_a_scenario_passes_on_its_rig_within_its_stated_time(path: Path, tmp_path: Path) -> None:
    plan = load_plan(path)
    if (reason := host_path_problem(plan)) is not None:
        pytest.skip(f"{path.name}: its rig's data interfaces: {reason}")
    limit_s = stated_run_time_s(path)
    started = time.monotonic()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            f"--plan={path}",
            f"--results={tmp_path}",
            "--run-id=scenario",
        ],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=limit_s * 2,  # a hung run still ends, and says how long it took
        check=False,
    )
    elapsed_s = time.monotonic() - started
    output = completed.stdout[-4000:] + completed.stderr[-4000:]
    assert completed.returncode == 0, output
    assert elapsed_s <= limit_s, f"{path.name} took {elapsed_s:.0f} s, its header says under {limit_s:.0f} s"
    measured = read_measurements(tmp_path / "scenario" / "measurements.csv")
    judged = measured[measured["outcome"] != "unchecked"]
    # every metric a case limits was recorded and judged: a limit on a name no procedure records is missing
    for case in plan.cases:
        rows = judged[judged["case_id"] == case.id]
        assert set(rows["metric"]) >= set(case.limits), case.id
    assert set(judged["outcome"]) <= {"pass", "marginal"}, judged[["test_id", "metric", "value", "outcome"]]
