"""A rig module's several SIMs (`[[module.sims]]`) and SIM switch (`[module.sim_switch]`), harness/rig.py;
a plan's operator sweep (`[plan] operators`), harness/plan.py (issue 11 item 3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.plan import load_plan, plan_rig_problems
from harness.rig import Sim, SimSwitch, load_rig

ProblemsOf = Callable[[Callable[[Path], object], Path], list[str]]
WriteToml = Callable[..., Path]

TWO_OPERATORS = Path(__file__).resolve().parents[2] / "fixtures" / "rigs" / "virtual-two-operators.toml"
SWEEP_PLAN = Path(__file__).resolve().parents[2] / "testplans" / "operator-sweep.toml"

MODULE = """
[rig]
name = "bench"

[[module]]
id = "nb"
port = "virtual://bc660k"
rat = "nbiot"
"""
SIMS = """
[[module.sims]]
operator = "46000"
apn = "cmiot"
iccid = "89860000000000000017"
slot = 1

[[module.sims]]
operator = "46011"
apn = "ctnet"
slot = 2
"""
SWITCH = """
[module.sim_switch]
command = ["simmux", "--port", "2", "--select", "{slot}"]
timeout_s = 5
"""
PLAN = """
[plan]
name = "sweep"
operators = [{operators}]

[[case]]
id = "attach"
test = "test_attach"
"""


def test_the_two_operator_virtual_rig_and_sweep_plan_load_and_fit() -> None:
    rig = load_rig(TWO_OPERATORS)
    module = rig.module("redcap")
    assert [(sim.operator, sim.slot) for sim in module.all_sims] == [("46000", 1), ("46011", 2)]
    assert module.sim is None
    assert module.first_sim == module.sims[0]
    plan = load_plan(SWEEP_PLAN)
    assert plan.operators == ("46000", "46011")
    assert plan_rig_problems(plan, rig) == []


def test_a_module_lists_its_sims_and_a_switch(write_toml: WriteToml) -> None:
    module = load_rig(write_toml(MODULE + SIMS + SWITCH)).module("nb")
    assert module.sims == (
        Sim(operator="46000", apn="cmiot", iccid="89860000000000000017", slot=1),
        Sim(operator="46011", apn="ctnet", slot=2),
    )
    assert module.sim_for("46011") == module.sims[1]
    assert module.sim_for("46001") is None
    assert module.sim_switch == SimSwitch(
        command=("simmux", "--port", "2", "--select", "{slot}"), timeout_s=5.0
    )
    assert module.sim_switch.argv(2) == ("simmux", "--port", "2", "--select", "2")


def test_a_single_sim_stays_as_it_was(write_toml: WriteToml) -> None:
    module = load_rig(write_toml(MODULE + '[module.sim]\noperator = "00101"\n')).module("nb")
    assert module.sims == ()
    assert module.all_sims == (Sim(operator="00101"),)
    assert module.sim_for("00101") == Sim(operator="00101")
    assert module.sim_switch is None


def test_sim_and_sims_are_not_both_given(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(MODULE + '[module.sim]\noperator = "00101"\n' + SIMS)
    assert problems_of(load_rig, path) == [
        f"{path}: module[0].sims: give [module.sim] or [[module.sims]], not both"
    ]


def test_each_of_several_sims_names_its_operator_and_its_own_slot(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    sims = SIMS.replace('operator = "46011"\n', "").replace("slot = 1", "slot = 2")
    path = write_toml(MODULE + sims + '[[module.sims]]\noperator = "46001"\n')
    assert problems_of(load_rig, path) == [
        f"{path}: module[0].sims[1].operator: each of several SIMs names its operator",
        f"{path}: module[0].sims[2].slot: each of several SIMs names the slot it is in",
        f"{path}: module[0].sims[1].slot: slot 2 holds another SIM of this module",
    ]


def test_operators_of_a_module_differ(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(MODULE + SIMS.replace('"46011"', '"46000"'))
    assert problems_of(load_rig, path) == [
        f"{path}: module[0].sims[1].operator: duplicate '46000' (first at module[0].sims[0])"
    ]


def test_a_bad_switch_is_named(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    no_slot = SWITCH.replace(', "{slot}"', "")
    path = write_toml(MODULE + SIMS + no_slot.replace("timeout_s = 5", "timeout_s = 0"))
    assert problems_of(load_rig, path) == [
        f"{path}: module[0].sim_switch.timeout_s: expected a number >= 1 and <= 600, got 0 (an integer)",
    ]
    path = write_toml(MODULE + SIMS + no_slot)
    assert problems_of(load_rig, path) == [
        f"{path}: module[0].sim_switch.command: no argument holds {{slot}}: the command cannot tell slots "
        "apart"
    ]
    path = write_toml(MODULE + '[module.sim]\noperator = "00101"\n' + SWITCH)
    assert problems_of(load_rig, path) == [
        f"{path}: module[0].sim_switch: a SIM switch needs two or more [[module.sims]] to switch between"
    ]


def test_a_plan_sweeps_operators(write_toml: WriteToml) -> None:
    plan = load_plan(write_toml(PLAN.format(operators='"46000", "46011"'), name="plan.toml"))
    assert plan.operators == ("46000", "46011")
    plain = load_plan(write_toml(PLAN.replace("operators = [{operators}]\n", ""), name="plain.toml"))
    assert plain.operators == ()


def test_bad_operators_are_named(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(PLAN.format(operators='"46000", "China Mobile", "46000"'))
    assert problems_of(load_plan, path) == [
        f"{path}: plan.operators[1]: expected an operator as the rig's [[module.sims]] name it, in letters, "
        'digits, _ . - (46000), got "China Mobile" (a string)',
    ]
    path = write_toml(PLAN.format(operators='"46000", "46000"'))
    assert problems_of(load_plan, path) == [f"{path}: plan.operators[1]: '46000' is listed twice"]


def test_an_operator_no_module_has_a_sim_of_is_named(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(MODULE + SIMS, name="rig.toml"))
    plan = load_plan(write_toml(PLAN.format(operators='"46000", "46001"'), name="plan.toml"))
    assert [str(p) for p in plan_rig_problems(plan, rig)] == [
        f"{plan.path}: plan.operators[1]: no module of rig {rig.path} has a SIM of operator '46001'"
    ]


def test_a_case_whose_modules_hold_none_of_the_operators_is_named(write_toml: WriteToml) -> None:
    other = MODULE.replace('id = "nb"', 'id = "other"') + '[module.sim]\noperator = "46001"\n'
    rig = load_rig(write_toml(MODULE + SIMS + other.replace('[rig]\nname = "bench"\n', ""), name="rig.toml"))
    plan = load_plan(write_toml(PLAN.format(operators='"46000"') + 'modules = ["other"]\n', name="plan.toml"))
    assert [str(p) for p in plan_rig_problems(plan, rig)] == [
        f"{plan.path}: case[0]: selects no module with a SIM of the plan's operators: it would never run"
    ]
