"""inputs layer: the plan file, *what* runs and *which limits* it must meet (DESIGN "Inputs").

A plan (testplans/*.toml) is a list of cases. Each `[[case]]` names the test function that runs it,
filters the rig's modules (by id and RAT), sets the number of iterations, keeps its procedure parameters raw
(the procedure checks them against its own spec with `Plan.build_params`, harness.table_builder) and
declares `limits.<metric> = {low, high, marginal_low, marginal_high, source}` on metric names that carry
their unit (harness.metrics; the numbers' origin, e.g. ../shared/reference/indicators.md §5.2, goes in
`source`).

A case may hold radio `conditions` while it runs (`conditions = { ce = 2 }`, names in
harness.radio_conditions) and may `sweep` parameters or conditions: `sweep = { payload_bytes = [64, 512] }`
or `sweep = { "conditions.ce" = [0, 1, 2] }`. A sweep becomes one case per value (per combination, for
several keys, in the order written), with the value in its id: `echo.payload_bytes-512`, `ul.ce-2`. Each
swept case is an ordinary case from then on: its own test id, samples and KPI rows, the same limits.

`[plan] rig = "<path>"` (relative to the plan file) names the rig a plan is written for, used when the
command line, environment and ini name none (STYLE 9: it sits just above the default): a scenario plan for
Cat-1 and RedCap modules runs with `miot run --plan <it>` alone.

A plan may sweep operators: `operators = ["46000", "46011"]` in `[plan]` runs every case once per operator, on
the modules whose rig SIMs (`[[module.sims]]`) include one of that operator; the harness switches each
module to that SIM before the operator's cases (harness.sim_card.rotation) and the operator is in the test
id (`attach.operator-46000@redcap`) and in each measurements.csv row. Operators are written as the rig
writes them, in letters, digits, `_`, `.` and `-` so that they fit a test id (a PLMN is digits).
"""

from __future__ import annotations

import itertools
import os
import re
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from harness.errors import InputError, Problem
from harness.metrics import Limit, parse_metric_name
from harness.radio_conditions import condition_name_problem
from harness.rat import Rat
from harness.rig import ID_PATTERN, NAME_PATTERN, Module, Rig
from harness.table_builder import FieldPath, build, join
from harness.toml_reader import read_toml

T = TypeVar("T")

TEST_PATTERN = r"test_[a-z0-9_]+"
CONDITIONS_PREFIX = "conditions."
OPERATOR_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
SweepValue = int | float | str | bool


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
    # attempts after a failed one, for radio-flaky cases (harness.pytest_plugin.attempts)
    retries: int = field(default=0, metadata={"min": 0, "max": 10})
    params: Mapping[str, object] = field(default_factory=_no_entries)
    conditions: Mapping[str, float] = field(
        default_factory=_no_entries, metadata={"key_check": condition_name_problem}
    )
    sweep: Mapping[str, tuple[object, ...]] = field(default_factory=_no_entries)
    limits: Mapping[str, Limit] = field(
        default_factory=_no_entries, metadata={"key_check": metric_name_problem}
    )

    def problems(self) -> Iterator[tuple[FieldPath, str]]:
        for key, values in self.sweep.items():
            where: FieldPath = ("sweep", key)
            if not values:
                yield where, "give at least one value to sweep"
            if key.startswith(CONDITIONS_PREFIX):
                name = key.removeprefix(CONDITIONS_PREFIX)
                problem = condition_name_problem(name)
                if problem is not None:
                    yield where, problem
                if any(isinstance(v, str | bool) for v in values):
                    yield where, "radio conditions are numbers"
                if name in self.conditions:
                    yield where, f"conditions.{name} is also set: sweep it or set it, not both"
            elif key in self.params:
                yield where, f"params.{key} is also set: sweep it or set it, not both"
            for j, value in enumerate(values):
                if not isinstance(value, SweepValue):
                    yield (*where, j), "a swept value is a number, a string or a boolean"
                    continue
                suffix = _sweep_suffix(key, value)
                if not re.fullmatch(ID_PATTERN, f"{self.id}.{suffix}"):
                    yield (*where, j), f"{value!r} cannot be part of a case id ({ID_PATTERN})"

    def expanded(self) -> tuple[Case, ...]:
        """The cases a sweep stands for (the case itself when it sweeps nothing)."""
        if not self.sweep:
            return (self,)
        keys = tuple(self.sweep)
        cases = []
        for values in itertools.product(*(self.sweep[key] for key in keys)):
            params, conditions = dict(self.params), dict(self.conditions)
            for key, value in zip(keys, values, strict=True):
                if key.startswith(CONDITIONS_PREFIX):
                    conditions[key.removeprefix(CONDITIONS_PREFIX)] = cast(float, value)
                else:
                    params[key] = value
            suffix = ".".join(
                _sweep_suffix(k, cast(SweepValue, v)) for k, v in zip(keys, values, strict=True)
            )
            cases.append(
                replace(
                    self,
                    id=f"{self.id}.{suffix}",
                    params=types.MappingProxyType(params),
                    conditions=types.MappingProxyType(conditions),
                    sweep=_no_entries(),
                )
            )
        return tuple(cases)

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
    """A loaded plan, with the file's path (as given) and sha256 for provenance. `cases` are the swept
    ones; `file_positions` tells, by case id, which `[[case]]` of the file each came from."""

    name: str
    description: str
    cases: tuple[Case, ...]
    path: Path
    sha256: str
    rig: Path | None = None  # the rig the plan is written for, resolved against the plan's directory
    file_positions: Mapping[str, int] = field(default_factory=_no_entries)
    operators: tuple[str, ...] = ()  # the operators every case runs for; () : the module's one SIM

    def cases_for(self, test_name: str) -> tuple[Case, ...]:
        """The cases run by the test function `test_name`, in file order."""
        return tuple(case for case in self.cases if case.test == test_name)

    def build_params(self, case: Case, spec: type[T]) -> T:
        """The case's `params` as the procedure's spec dataclass; InputError naming `case[i].params.<key>`."""
        return build(spec, case.params, file=str(self.path), field=join(self.field_of(case), "params"))

    def field_of(self, case: Case) -> str:
        """Where a case sits in the file, for messages: `case[2]`."""
        if case.id in self.file_positions:
            return join("case", self.file_positions[case.id])
        for i, known in enumerate(self.cases):
            if known.id == case.id:
                return join("case", i)
        raise ValueError(f"case {case.id!r} is not in plan {self.path}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanHeading:
    """The `[plan]` table: the plan's name, the rig it is written for when not the default one, and the
    operators it sweeps."""

    name: str = field(metadata={"pattern": NAME_PATTERN})
    description: str = ""
    rig: str | None = field(default=None, metadata={"pattern": r"\S+\.toml"})
    operators: tuple[str, ...] = field(
        default=(),
        metadata={
            "pattern": OPERATOR_PATTERN,
            "min_items": 1,
            "doc": "an operator as the rig's [[module.sims]] name it, in letters, digits, _ . - (46000)",
        },
    )

    def problems(self) -> Iterator[tuple[FieldPath, str]]:
        for j, operator in enumerate(self.operators):
            if operator in self.operators[:j]:
                yield ("operators", j), f"{operator!r} is listed twice"


@dataclass(frozen=True, slots=True, kw_only=True)
class _PlanFile:
    plan: PlanHeading
    case: tuple[Case, ...] = field(
        metadata={"min_items": 1, "unique": "id", "doc": "one or more [[case]] tables"}
    )


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and check a plan file; every problem in it is reported in one InputError."""
    document = read_toml(path)
    parsed = build(_PlanFile, document.data, file=str(document.path))
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for i, written in enumerate(parsed.case):
        for case in written.expanded():
            if case.id in positions:
                other = join("case", positions[case.id])
                problems.append(
                    Problem(str(document.path), join("case", i), f"case id {case.id!r} is also {other}'s")
                )
            positions[case.id] = i
    rig = None if parsed.plan.rig is None else document.path.parent / parsed.plan.rig
    if rig is not None and not rig.is_file():
        problems.append(Problem(str(document.path), "plan.rig", f"no rig file {rig}"))
    if problems:
        raise InputError(problems)
    return Plan(
        name=parsed.plan.name,
        description=parsed.plan.description,
        cases=tuple(case for written in parsed.case for case in written.expanded()),
        path=document.path,
        sha256=document.sha256,
        file_positions=types.MappingProxyType(positions),
        rig=rig,
        operators=parsed.plan.operators,
    )


def _sweep_suffix(key: str, value: SweepValue) -> str:
    """`payload_bytes-512`, `ce-2`: what a swept value adds to its case's id."""
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return f"{key.removeprefix(CONDITIONS_PREFIX)}-{shown}"


def plan_rig_problems(plan: Plan, rig: Rig) -> list[Problem]:
    """What in the plan does not fit the rig: module ids it lacks, cases that select no module at all,
    operators no module has a SIM of."""
    file = str(plan.path)
    found: list[Problem] = [
        Problem(
            file, join("plan.operators", j), f"no module of rig {rig.path} has a SIM of operator {operator!r}"
        )
        for j, operator in enumerate(plan.operators)
        if not any(module.sim_for(operator) for module in rig.modules)
    ]
    for case in plan.cases:
        where = plan.field_of(case)
        has = ", ".join(rig.module_ids)
        unknown = [
            Problem(
                file, join(join(where, "modules"), j), f"rig {rig.path} has no module {module_id!r} ({has})"
            )
            for j, module_id in enumerate(case.modules or ())
            if module_id not in rig.module_ids
        ]
        found += unknown
        selected = case.select(rig.modules)
        if not unknown and not selected:
            rats = ", ".join(case.rats or ()) or "any"
            found.append(
                Problem(file, where, f"selects no module of rig {rig.path} (RATs asked for: {rats})")
            )
        elif plan.operators and not any(m.sim_for(o) for m in selected for o in plan.operators):
            found.append(
                Problem(
                    file, where, "selects no module with a SIM of the plan's operators: it would never run"
                )
            )
        found += _sim_write_problems(case, rig, file, where)
    return found


def _sim_write_problems(case: Case, rig: Rig, file: str, where: str) -> list[Problem]:
    """A case that prepares the SIM cold writes it (harness.sim_card): only SIMs the rig marks writable."""
    if case.params.get("prepare") != "cold":
        return []
    return [
        Problem(
            file,
            join(join(where, "params"), "prepare"),
            f'"cold" writes the SIM, but module {module.id!r} of rig {rig.path} is not marked as holding a '
            "test SIM the harness may write: set writable = true in its [module.sim], or use prepare = "
            '"warm"',
        )
        for module in case.select(rig.modules)
        if not module.all_sims or not all(sim.writable for sim in module.all_sims)
    ]
