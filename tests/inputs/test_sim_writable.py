"""`[module.sim] writable` (harness.rig.Sim) and the plan check it feeds (harness.plan.plan_rig_problems): a
case with `prepare = "cold"` writes the SIM, so every module it selects must hold a SIM marked writable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.plan import load_plan, plan_rig_problems
from harness.rig import load_rig

WriteToml = Callable[..., Path]
ProblemsOf = Callable[[Callable[[Path], object], Path], list[str]]

RIG = """
[rig]
name = "sims"

[[module]]
id = "test-sim"
port = "virtual://bc660k"
rat = "nbiot"
[module.sim]
writable = true

[[module]]
id = "lab-sim"
port = "virtual://bc660k?ce=1"
rat = "nbiot"
[module.sim]
apn = "iot.test"

[[module]]
id = "no-sim-table"
port = "virtual://bc660k?ce=2"
rat = "nbiot"
"""


def test_writable_defaults_to_false_and_reads_a_boolean(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    rig = load_rig(write_toml(RIG, "rig.toml"))
    sims = {module.id: module.sim for module in rig.modules}
    assert sims["test-sim"] is not None
    assert sims["test-sim"].writable
    assert sims["lab-sim"] is not None
    assert not sims["lab-sim"].writable
    bad = write_toml(RIG.replace("writable = true", 'writable = "yes"'), "bad.toml")
    assert problems_of(load_rig, bad) == [
        f"{bad}: module[0].sim.writable: expected true or false (true only for a test SIM the harness may "
        'write), got "yes" (a string)'
    ]


def test_a_cold_case_names_every_module_whose_sim_is_not_writable(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(RIG, "rig.toml"))
    plan_path = write_toml(
        """
        [plan]
        name = "cold"

        [[case]]
        id = "cold"
        test = "test_attach"
        params = { prepare = "cold" }

        [[case]]
        id = "warm"
        test = "test_attach"
        params = { prepare = "warm" }
        """,
        "plan.toml",
    )

    problems = [str(p) for p in plan_rig_problems(load_plan(plan_path), rig)]

    assert [p.split(": ")[1] for p in problems] == ["case[0].params.prepare"] * 2
    assert "module 'lab-sim'" in problems[0]
    assert "module 'no-sim-table'" in problems[1]
    assert all("set writable = true in its [module.sim]" in p for p in problems)
