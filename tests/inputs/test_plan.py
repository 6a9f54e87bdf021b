"""harness.plan: plan files, their limits and params, and how they fit a rig."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import InputError
from harness.metrics import Limit
from harness.plan import load_plan, plan_rig_problems
from harness.rat import Rat
from harness.rig import load_rig

ProblemsOf = Callable[[Callable[[Path], object], Path], list[str]]
WriteToml = Callable[..., Path]

SMOKE = """
[plan]
name = "smoke"
description = "UDP echo on every module, then one attach on CE1"

[[case]]
id = "echo-64b"
test = "test_udp_echo"
params = { probes = 20, payload_bytes = 64, interval_s = 0.5 }
limits.rtt_p95_ms = { high = 4000, marginal_high = 3000, source = "indicators.md §5.2 (J)" }
limits.loss_pct = { high = 1 }

[[case]]
id = "attach-ce1"
test = "test_attach"
description = "one attach"
modules = ["nb-ce1"]
rats = ["nbiot"]
repeat = 3
"""

RIG = """
[rig]
name = "two"

[[module]]
id = "nb-ce0"
port = "virtual://bc660k?ce=0"
rat = "nbiot"

[[module]]
id = "nb-ce1"
port = "virtual://bc660k?ce=1"
rat = "nbiot"
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class EchoSpec:
    probes: int = field(metadata={"min": 1})
    payload_bytes: int = field(metadata={"min": 32})
    interval_s: float = field(default=1.0, metadata={"above": 0})


def fields_of(lines: list[str]) -> list[str]:
    return [line.split(": ")[1] for line in lines]


def test_a_good_plan_round_trips(write_toml: WriteToml) -> None:
    path = write_toml(SMOKE, name="smoke.toml")
    plan = load_plan(path)
    assert (plan.name, plan.path) == ("smoke", path)
    assert plan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    echo, attach = plan.cases
    assert echo.limits == {
        "rtt_p95_ms": Limit(high=4000.0, marginal_high=3000.0, source="indicators.md §5.2 (J)"),
        "loss_pct": Limit(high=1.0),
    }
    assert echo.params == {"probes": 20, "payload_bytes": 64, "interval_s": 0.5}
    assert (echo.modules, echo.rats, echo.repeat, echo.description) == (None, None, 1, "")
    assert (attach.modules, attach.rats, attach.repeat) == (("nb-ce1",), (Rat.NB_IOT,), 3)


def test_params_stay_raw_and_read_only(write_toml: WriteToml) -> None:
    params = load_plan(write_toml(SMOKE)).cases[0].params
    with pytest.raises(TypeError):
        params["probes"] = 1  # type: ignore[index]


def test_cases_for_a_test_function(write_toml: WriteToml) -> None:
    plan = load_plan(write_toml(SMOKE))
    assert [c.id for c in plan.cases_for("test_attach")] == ["attach-ce1"]
    assert plan.cases_for("test_nothing") == ()


def test_params_build_into_the_procedure_spec(write_toml: WriteToml) -> None:
    plan = load_plan(write_toml(SMOKE))
    assert plan.build_params(plan.cases[0], EchoSpec) == EchoSpec(probes=20, payload_bytes=64, interval_s=0.5)


def test_bad_params_are_named_by_case_index(write_toml: WriteToml) -> None:
    path = write_toml(SMOKE)
    plan = load_plan(path)
    with pytest.raises(InputError) as caught:
        plan.build_params(plan.cases[1], EchoSpec)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: case[1].params.probes: missing (expected an integer >= 1)",
        f"{path}: case[1].params.payload_bytes: missing (expected an integer >= 32)",
    ]


def test_a_limit_key_typo_names_file_case_and_key(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(SMOKE.replace("{ high = 1 }", "{ hihg = 1 }"))
    assert problems_of(load_plan, path) == [
        f"{path}: case[0].limits.loss_pct.hihg: unknown key (did you mean high?); "
        "known keys: high, low, marginal_high, marginal_low, source"
    ]


def test_a_limit_on_an_unknown_metric_name(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(SMOKE.replace("limits.loss_pct", "limits.loss_percent"))
    assert problems_of(load_plan, path) == [
        f"{path}: case[0].limits.loss_percent: metric name 'loss_percent' does not end in a known unit "
        "(bps, bytes, count, db, dbm, kbps, ma, mbps, mj, ms, pct, s, ua, uc, us, years)"
    ]


def test_a_limit_bound_must_be_a_number(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(SMOKE.replace("{ high = 1 }", '{ high = "1" }'))
    assert problems_of(load_plan, path) == [
        f'{path}: case[0].limits.loss_pct.high: expected a number, got "1" (a string)'
    ]


def test_inconsistent_limits_are_problems(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(SMOKE.replace("marginal_high = 3000", "marginal_high = 5000").replace("high = 1 ", ""))
    assert problems_of(load_plan, path) == [
        f"{path}: case[0].limits.rtt_p95_ms: marginal_high (5000) is above high (4000)",
        f"{path}: case[0].limits.loss_pct: sets none of low, high, marginal_low, marginal_high",
    ]


def test_a_plan_needs_a_case(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml('[plan]\nname = "empty"\n')
    assert problems_of(load_plan, path) == [f"{path}: case: missing (expected one or more [[case]] tables)"]


def test_all_problems_of_a_plan_are_reported_at_once(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(
        SMOKE
        + """
        [[case]]
        id = "echo-64b"
        test = "udp_echo"
        repeat = 0
        rats = ["5g"]
        modules = []
        limits.rtt_p95_ms = { high = 4000, hihg = 1 }
        """
    )
    assert fields_of(problems_of(load_plan, path)) == [
        "case[2].test",
        "case[2].modules",
        "case[2].rats[0]",
        "case[2].repeat",
        "case[2].limits.rtt_p95_ms.hihg",
        "case[2].id",
    ]


def test_plan_and_rig_fit(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(RIG, name="rig.toml"))
    plan = load_plan(write_toml(SMOKE))
    assert plan_rig_problems(plan, rig) == []
    assert [m.id for m in plan.cases[0].select(rig.modules)] == ["nb-ce0", "nb-ce1"]
    assert [m.id for m in plan.cases[1].select(rig.modules)] == ["nb-ce1"]


def test_a_case_naming_a_module_the_rig_lacks(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(RIG, name="rig.toml"))
    plan = load_plan(write_toml(SMOKE.replace('["nb-ce1"]', '["nb-ce1", "nb-ce7"]')))
    assert [str(p) for p in plan_rig_problems(plan, rig)] == [
        f"{plan.path}: case[1].modules[1]: rig {rig.path} has no module 'nb-ce7' (nb-ce0, nb-ce1)"
    ]


def test_a_case_that_selects_no_module(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(RIG, name="rig.toml"))
    plan = load_plan(write_toml(SMOKE.replace('rats = ["nbiot"]', 'rats = ["redcap", "cat1"]')))
    assert [str(p) for p in plan_rig_problems(plan, rig)] == [
        f"{plan.path}: case[1]: selects no module of rig {rig.path} (RATs asked for: redcap, cat1)"
    ]


_CASE_KEYS = {
    "id", "test", "description", "modules", "rats", "repeat", "params", "conditions", "sweep", "limits"
}  # fmt: skip


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(lambda k: k not in _CASE_KEYS))
def test_an_unknown_case_key_is_always_reported(write_toml: WriteToml, key: str) -> None:
    path = write_toml(SMOKE + f'{key} = "x"\n')
    with pytest.raises(InputError) as caught:
        load_plan(path)
    assert [p.field for p in caught.value.problems] == [f"case[1].{key}"]


SWEPT = """
[plan]
name = "swept"

[[case]]
id = "echo"
test = "test_udp_echo"
params = { probes = 5 }
conditions = { rsrp = -100 }
sweep = { payload_bytes = [64, 512], "conditions.ce" = [0, 2] }
limits.loss_pct = { high = 1 }

[[case]]
id = "attach"
test = "test_attach"
"""


def test_a_sweep_is_one_case_per_combination_in_written_order(write_toml: WriteToml) -> None:
    plan = load_plan(write_toml(SWEPT))
    swept = plan.cases[:4]
    assert [case.id for case in plan.cases] == [
        "echo.payload_bytes-64.ce-0",
        "echo.payload_bytes-64.ce-2",
        "echo.payload_bytes-512.ce-0",
        "echo.payload_bytes-512.ce-2",
        "attach",
    ]
    assert [case.params["payload_bytes"] for case in swept] == [64, 64, 512, 512]
    assert [dict(case.conditions) for case in swept] == [
        {"rsrp": -100, "ce": 0},
        {"rsrp": -100, "ce": 2},
        {"rsrp": -100, "ce": 0},
        {"rsrp": -100, "ce": 2},
    ]
    assert all(case.params["probes"] == 5 and not case.sweep for case in swept)
    assert all(case.limits == plan.cases[0].limits for case in swept)


def test_swept_cases_are_named_by_the_case_of_the_file(write_toml: WriteToml) -> None:
    plan = load_plan(write_toml(SWEPT.replace("probes = 5", "probes = 0")))
    with pytest.raises(InputError) as caught:
        plan.build_params(plan.cases[3], EchoSpec)
    assert [p.field for p in caught.value.problems] == ["case[0].params.probes"]
    assert plan.field_of(plan.cases[4]) == "case[1]"


def test_sweep_problems_name_the_key(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(
        SWEPT.replace(
            'sweep = { payload_bytes = [64, 512], "conditions.ce" = [0, 2] }',
            'sweep = { probes = [1], "conditions.rsrp" = [-90], "conditions.warp" = [1], '
            '"conditions.ce" = ["two"], payload_bytes = [], label = ["a b"] }',
        )
    )
    assert problems_of(load_plan, path) == [
        f"{path}: case[0].sweep.probes: params.probes is also set: sweep it or set it, not both",
        f'{path}: case[0].sweep."conditions.rsrp": conditions.rsrp is also set: sweep it or set it, not both',
        f"{path}: case[0].sweep.\"conditions.warp\": unknown radio condition 'warp' "
        "(known: ce, rsrp, rsrq_db, sinr_db, delay_ms, jitter_ms, ul_kbps, dl_kbps, loss_pct, rrc_setup_ms, "
        "inactivity_s)",
        f'{path}: case[0].sweep."conditions.ce": radio conditions are numbers',
        f"{path}: case[0].sweep.payload_bytes: give at least one value to sweep",
        f"{path}: case[0].sweep.label[0]: 'a b' cannot be part of a case id ([a-z0-9][a-z0-9_.-]*)",
    ]


def test_a_swept_id_that_clashes_with_another_case_is_a_problem(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    path = write_toml(SWEPT.replace('id = "attach"', 'id = "echo.payload_bytes-512.ce-2"'))
    assert problems_of(load_plan, path) == [
        f"{path}: case[1]: case id 'echo.payload_bytes-512.ce-2' is also case[0]'s"
    ]


def test_an_unknown_condition_names_the_key(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(SWEPT.replace("conditions = { rsrp = -100 }", "conditions = { rsrp = -100, snr = 3 }"))
    assert fields_of(problems_of(load_plan, path)) == ["case[0].conditions.snr"]


def test_a_plan_names_its_rig_relative_to_itself(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    rig = write_toml(RIG, name="rig.toml")
    path = write_toml(SMOKE.replace('name = "smoke"', 'name = "smoke"\nrig = "rig.toml"'))
    assert load_plan(path).rig == rig
    assert load_plan(write_toml(SMOKE)).rig is None

    missing = write_toml(SMOKE.replace('name = "smoke"', 'name = "smoke"\nrig = "../rigs/none.toml"'))
    assert problems_of(load_plan, missing) == [
        f"{missing}: plan.rig: no rig file {missing.parent / '../rigs/none.toml'}"
    ]
