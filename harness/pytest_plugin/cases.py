"""glue layer: plan cases become test items.

`pytest_generate_tests` parametrises every test function that takes a `case` with the plan's `[[case]]`
entries naming it, once per selected module and iteration. A test declares its parameter spec with
`@pytest.mark.procedure(spec=SpecClass)`; each case's `params` are built into that spec at collection, so a
mistyped parameter stops the run before anything starts. Items get a marker per RAT (`-m nbiot`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.errors import InputError, Problem
from harness.plan import Case, Plan
from harness.rat import Rat
from harness.rig import Module

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

    @property
    def id(self) -> str:
        return self.case.id


def test_id_of(case: Case, module: Module, iteration: int) -> str:
    """`echo-ce0@nb-ce0`, with `+2`, `+3`... for the iterations after the first of a repeated case."""
    base = f"{case.id}@{module.id}"
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
            problems.extend(error.problems)
            continue
        for module in case.select(modules):
            for iteration in range(1, case.repeat + 1):
                test_id = test_id_of(case, module, iteration)
                run = CaseRun(case=case, module=module, iteration=iteration, spec=spec, test_id=test_id)
                params.append(pytest.param(run, id=test_id, marks=getattr(pytest.mark, module.rat.value)))
    if problems:
        raise InputError(problems)
    return params or [pytest.param(None, id=NO_CASE_ID)]


def is_placeholder(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and CASE_ARG in callspec.params and callspec.params[CASE_ARG] is None


def uncollected_case_problems(plan: Plan, items: list[pytest.Item]) -> list[Problem]:
    """Cases naming a test function that was not collected: a typo would otherwise silently skip them."""
    collected = {getattr(item, "originalname", item.name) for item in items}
    return [
        Problem(
            str(plan.path), f"{plan.field_of(case)}.test", f"no test function {case.test!r} was collected"
        )
        for case in plan.cases
        if case.test not in collected
    ]
