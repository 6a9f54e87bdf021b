"""glue layer: plan cases become test items.

`pytest_generate_tests` parametrises every test function that takes a `case` with the plan's `[[case]]`
entries naming it, once per selected module and iteration (and per operator of a plan that sweeps
operators, on the modules with a SIM of it). A test declares its parameter spec with
`@pytest.mark.procedure(spec=SpecClass)`; each case's `params` are built into that spec at collection, so a
mistyped parameter stops the run before anything starts. Items get a marker per RAT (`-m nbiot`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.errors import InputError, Problem
from harness.plan import Case, Plan
from harness.rat import Rat
from harness.rig import Module, Sim

CASE_ARG = "case"
NO_CASE_ID = "no-plan-case"
PROCEDURE_MARKER = "procedure"
MARKERS = (
    f"{PROCEDURE_MARKER}(spec=SpecClass): the dataclass a plan case's params are built into",
    *(f"{rat.value}: runs on a {rat.name} module" for rat in Rat),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRun:
    """What a plan-driven test receives as `case`: one plan case on one module, one iteration."""

    case: Case
    module: Module
    iteration: int
    spec: Any
    test_id: str
    operator: str | None = None  # the plan's operator this run is for; None: the module's one SIM

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def sim(self) -> Sim | None:
        """The rig SIM the case runs with: its operator's, else the module's first."""
        return self.module.first_sim if self.operator is None else self.module.sim_for(self.operator)

    @property
    def operator_of_rows(self) -> str | None:
        """The operator measurements.csv rows carry: the swept one, else the SIM's."""
        sim = self.sim
        return self.operator or (sim.operator if sim else None)


def test_id_of(case: Case, module: Module, iteration: int, operator: str | None) -> str:
    """`echo-ce0@nb-ce0`, with `+2`, `+3`... for the iterations after the first of a repeated case;
    `echo-ce0.operator-46000@nb-ce0` for an operator of a plan that sweeps them."""
    case_part = case.id if operator is None else f"{case.id}.operator-{operator}"
    base = f"{case_part}@{module.id}"
    return base if iteration == 1 else f"{base}+{iteration}"


def case_params(metafunc: pytest.Metafunc, plan: Plan, modules: tuple[Module, ...]) -> list[Any]:
    """pytest params for one test function; a function without cases gets a placeholder that is later
    deselected. Raises InputError listing every case whose params do not fit the procedure's spec."""
    marker = metafunc.definition.get_closest_marker(PROCEDURE_MARKER)
    spec_class = marker.kwargs.get("spec") if marker else None
    params: list[Any] = []
    problems: list[Problem] = []
    for case in plan.cases_for(metafunc.function.__name__):
        try:
            spec = plan.build_params(case, spec_class) if spec_class else case.params
        except InputError as error:
            problems.extend(p for p in error.problems if p not in problems)
            continue
        for operator, module in operator_runs(plan, case, modules):
            for iteration in range(1, case.repeat + 1):
                test_id = test_id_of(case, module, iteration, operator)
                run = CaseRun(
                    case=case,
                    module=module,
                    iteration=iteration,
                    spec=spec,
                    test_id=test_id,
                    operator=operator,
                )
                params.append(pytest.param(run, id=test_id, marks=getattr(pytest.mark, module.rat.value)))
    if problems:
        raise InputError(problems)
    return params or [pytest.param(None, id=NO_CASE_ID)]


def operator_runs(plan: Plan, case: Case, modules: tuple[Module, ...]) -> list[tuple[str | None, Module]]:
    """(operator, module) pairs a case runs on: per operator of the plan, the selected modules with a SIM of
    it; without operators, every selected module (operator None)."""
    selected = case.select(modules)
    if not plan.operators:
        return [(None, module) for module in selected]
    return [
        (operator, module)
        for operator in plan.operators
        for module in selected
        if module.sim_for(operator) is not None
    ]


def operator_order(items: list[pytest.Item], operators: tuple[str, ...]) -> list[pytest.Item]:
    """The items with each operator's cases together, in the plan's order of operators (then as collected),
    so that a module switches SIM once per operator rather than between every two test functions."""
    rank = {operator: i for i, operator in enumerate(operators)}

    def operator_rank(item: pytest.Item) -> int:
        callspec = getattr(item, "callspec", None)
        run = callspec.params.get(CASE_ARG) if callspec is not None else None
        operator = run.operator if isinstance(run, CaseRun) else None
        return rank.get(operator, -1) if operator is not None else -1

    return sorted(items, key=operator_rank)


def is_placeholder(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and CASE_ARG in callspec.params and callspec.params[CASE_ARG] is None


def uncollected_case_problems(plan: Plan, items: list[pytest.Item]) -> list[Problem]:
    """Cases naming a test function that was not collected: a typo would otherwise silently skip them."""
    collected = {getattr(item, "originalname", item.name) for item in items}
    return [_no_test_problem(plan, case) for case in plan.cases if case.test not in collected]


def procedures_in(directory: Path) -> dict[str, type | None]:
    """The test functions of `directory`/test_*.py by name, each with the spec class its procedure marker
    names (None without one). Lets `miot run` check a plan's cases before pytest starts."""
    found: dict[str, type | None] = {}
    for path in sorted(directory.glob("test_*.py")):
        for name, value in vars(_import_file(path)).items():
            if name.startswith("test_") and callable(value):
                found[name] = _spec_of(value)
    return found


def plan_problems(plan: Plan, procedures: Mapping[str, type | None]) -> list[Problem]:
    """Cases naming no known test function, and case params that do not fit their procedure's spec."""
    problems: list[Problem] = []
    for case in plan.cases:
        if case.test not in procedures:
            problem = _no_test_problem(plan, case)
            if problem not in problems:  # once for a swept case, not once per value
                problems.append(problem)
            continue
        spec_class = procedures[case.test]
        if spec_class is not None:
            try:
                plan.build_params(case, spec_class)
            except InputError as error:
                problems.extend(p for p in error.problems if p not in problems)
    return problems


def _no_test_problem(plan: Plan, case: Case) -> Problem:
    return Problem(str(plan.path), f"{plan.field_of(case)}.test", f"no test function {case.test} was found")


def _spec_of(function: Callable[..., Any]) -> type | None:
    for mark in getattr(function, "pytestmark", []):
        if mark.name == PROCEDURE_MARKER:
            spec: type | None = mark.kwargs.get("spec")
            return spec
    return None


def _import_file(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"_miot_procedures_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
