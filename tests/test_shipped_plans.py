"""Every plan shipped in testplans/ loads, names only procedures that exist with params their specs take, and
fits the rig its header names (issue 6 item 7: plans validated before anything runs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.plan import load_plan, plan_rig_problems
from harness.pytest_plugin.cases import plan_problems, procedures_in
from harness.rig import load_rig

CHECKOUT = Path(__file__).resolve().parents[1]
TESTPLANS = CHECKOUT / "testplans"
DEFAULT_RIG = CHECKOUT / "fixtures/rigs/virtual.toml"
_RIG_IN_HEADER = re.compile(r"fixtures/rigs/[a-z0-9-]+\.toml")
PLANS = sorted(TESTPLANS.glob("*.toml"))


def rig_of(plan: Path) -> Path:
    """The first rig the plan's header comment names, else the default rig."""
    header = "".join(
        line for line in plan.read_text(encoding="utf-8").splitlines(True) if line.startswith("#")
    )
    found = _RIG_IN_HEADER.search(header)
    return CHECKOUT / found[0] if found else DEFAULT_RIG


def test_the_issue_6_plans_are_shipped() -> None:
    names = {path.stem for path in PLANS}
    assert {"smoke", "nbiot-capability", "redcap-capability", "cat1-capability", "power-save"} <= names


@pytest.mark.parametrize("path", PLANS, ids=[path.stem for path in PLANS])
def test_a_shipped_plan_is_valid_and_fits_its_rig(path: Path) -> None:
    plan = load_plan(path)
    assert plan_problems(plan, procedures_in(TESTPLANS)) == []
    assert plan_rig_problems(plan, load_rig(rig_of(path))) == []


@pytest.mark.parametrize("path", PLANS, ids=[path.stem for path in PLANS])
def test_every_limit_of_a_shipped_plan_cites_its_source(path: Path) -> None:
    plan = load_plan(path)
    unsourced = [
        f"{case.id}: {name}" for case in plan.cases for name, limit in case.limits.items() if not limit.source
    ]
    assert unsourced == []
