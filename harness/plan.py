"""inputs layer: the plan file, *what* runs and *which limits* it must meet (DESIGN "Inputs").

A plan (testplans/*.toml) is a list of cases. Each `[[case]]` names the test function that runs it,
filters the rig's modules (by id and RAT), sets the number of iterations, keeps its procedure parameters raw
(the procedure checks them against its own spec with `Plan.build_params`, harness.table_builder) and
declares `limits.<metric> = {low, high, marginal_low, marginal_high, source}` on metric names that carry
their unit (harness.metrics; the numbers' origin, e.g. ../shared/reference/indicators.md §5.2, goes in
`source`).
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from harness.errors import Problem
from harness.metrics import Limit, parse_metric_name
from harness.rat import Rat
from harness.rig import ID_PATTERN, Heading, Module, Rig
from harness.table_builder import build, join
from harness.toml_reader import read_toml

T = TypeVar("T")

TEST_PATTERN = r"test_[a-z0-9_]+"


def metric_name_problem(name: str) -> str | None:
    """Why `name` is not a metric name (harness.metrics.parse_metric_name's words), or None."""
    try:
        parse_metric_name(name)
    except ValueError as exc:
        return str(exc)
    return None


def _no_entries() -> Mapping[str, Any]:
    return types.MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One `[[case]]`: `modules`/`rats` None means every module/RAT of the rig; `repeat` is iterations."""

    id: str = field(metadata={"pattern": ID_PATTERN})
    test: str = field(metadata={"pattern": TEST_PATTERN})
    description: str = ""
    modules: tuple[str, ...] | None = field(default=None, metadata={"pattern": ID_PATTERN, "min_items": 1})
    rats: tuple[Rat, ...] | None = field(default=None, metadata={"min_items": 1})
    repeat: int = field(default=1, metadata={"min": 1})
    params: Mapping[str, object] = field(default_factory=_no_entries)
    limits: Mapping[str, Limit] = field(
        default_factory=_no_entries, metadata={"key_check": metric_name_problem}
    )

    def select(self, modules: Iterable[Module]) -> tuple[Module, ...]:
        """The modules this case runs on, in the order given."""
        return tuple(
            module
            for module in modules
            if (self.modules is None or module.id in self.modules)
            and (self.rats is None or module.rat in self.rats)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A loaded plan, with the file's path (as given) and sha256 for provenance."""

    name: str
    description: str
    cases: tuple[Case, ...]
    path: Path
    sha256: str

    def cases_for(self, test_name: str) -> tuple[Case, ...]:
        """The cases run by the test function `test_name`, in file order."""
        return tuple(case for case in self.cases if case.test == test_name)

    def build_params(self, case: Case, spec: type[T]) -> T:
        """The case's `params` as the procedure's spec dataclass; InputError naming `case[i].params.<key>`."""
        return build(spec, case.params, file=str(self.path), field=join(self.field_of(case), "params"))

    def field_of(self, case: Case) -> str:
        """Where a case sits in the file, for messages: `case[2]`."""
        for i, known in enumerate(self.cases):
            if known.id == case.id:
                return join("case", i)
        raise ValueError(f"case {case.id!r} is not in plan {self.path}")


@dataclass(frozen=True, slots=True, kw_only=True)
class _PlanFile:
    plan: Heading
    case: tuple[Case, ...] = field(
        metadata={"min_items": 1, "unique": "id", "doc": "one or more [[case]] tables"}
    )


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and check a plan file; every problem in it is reported in one InputError."""
    document = read_toml(path)
    parsed = build(_PlanFile, document.data, file=str(document.path))
    return Plan(
        name=parsed.plan.name,
        description=parsed.plan.description,
        cases=parsed.case,
        path=document.path,
        sha256=document.sha256,
    )


def plan_rig_problems(plan: Plan, rig: Rig) -> list[Problem]:
    """What in the plan does not fit the rig: module ids it lacks, cases that select no module at all."""
    file = str(plan.path)
    found: list[Problem] = []
    for i, case in enumerate(plan.cases):
        where = join("case", i)
        has = ", ".join(rig.module_ids)
        unknown = [
            Problem(
                file, join(join(where, "modules"), j), f"rig {rig.path} has no module {module_id!r} ({has})"
            )
            for j, module_id in enumerate(case.modules or ())
            if module_id not in rig.module_ids
        ]
        found += unknown
        if not unknown and not case.select(rig.modules):
            rats = ", ".join(case.rats or ()) or "any"
            found.append(
                Problem(file, where, f"selects no module of rig {rig.path} (RATs asked for: {rats})")
            )
    return found
