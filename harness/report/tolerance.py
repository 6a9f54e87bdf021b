"""report layer: how much worse a metric may get before `miot compare` calls it a regression.

A tolerance is relative (`"5%"`: of the baseline's value) or absolute (a number, in the metric's own unit:
`rtt_p95_ms = 50` allows 50 ms). One precedence order (STYLE 9): `--tolerance METRIC=VALUE` on the command
line > the tolerance file's `[metric]` table > `--tolerance-default` > the file's `default` >
DEFAULT_TOLERANCE. A tolerance file:

    default = "5%"
    [metric]
    rtt_p95_ms = "10%"
    loss_pct = 1.0          # percentage points

Bad input is a UserError naming the file (or the command-line option) and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputError, Problem
from harness.metrics import parse_metric_name
from harness.toml_reader import read_toml

COMMAND_LINE = "command line"
_FILE_KEYS = frozenset({"default", "metric"})
_EXPECTED = 'expected a percentage like "5%" or a number in the metric\'s unit, got {raw!r}'


@dataclass(frozen=True, slots=True, kw_only=True)
class Tolerance:
    relative_pct: float | None = None
    absolute: float | None = None

    def allowed(self, baseline: float) -> float:
        """The change (in the metric's unit) this tolerance allows from `baseline`."""
        if self.absolute is not None:
            return self.absolute
        return abs(baseline) * (self.relative_pct or 0.0) / 100

    def __str__(self) -> str:
        return f"{self.relative_pct:g}%" if self.absolute is None else f"{self.absolute:g}"


DEFAULT_TOLERANCE = Tolerance(relative_pct=5.0)  # (J) our default; a lab sets its own per metric


@dataclass(frozen=True, slots=True, kw_only=True)
class Tolerances:
    default: Tolerance = DEFAULT_TOLERANCE
    by_metric: Mapping[str, Tolerance] = field(default_factory=dict)

    def of(self, metric: str) -> Tolerance:
        return self.by_metric.get(metric, self.default)


def parse_tolerance(raw: object) -> Tolerance:
    """`"5%"` (relative) or a number (absolute); ValueError saying what was expected."""
    if isinstance(raw, str) and raw.strip().endswith("%"):
        relative = _non_negative(raw.strip()[:-1])
        return Tolerance(relative_pct=relative)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError(f'expected a percentage like "5%" or a number in the metric\'s unit, got {raw!r}')
    return Tolerance(absolute=_non_negative(raw))


def _non_negative(raw: str | float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f'expected a percentage like "5%" or a number in the metric\'s unit, got {raw!r}'
        ) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a tolerance must be a finite number ≥ 0, got {raw!r}")
    return value


def load_tolerances(
    file: Path | None, overrides: Sequence[str] = (), default: str | None = None
) -> Tolerances:
    """Tolerances from the file (if any), `--tolerance-default` and `--tolerance METRIC=VALUE` overrides;
    InputError listing every problem, each naming the file and field or the option."""
    problems: list[Problem] = []
    chosen_default, by_metric = DEFAULT_TOLERANCE, dict[str, Tolerance]()
    if file is not None:
        chosen_default, by_metric = _from_file(file, problems)
    if default is not None:
        chosen_default = _checked(default, COMMAND_LINE, "--tolerance-default", problems) or chosen_default
    for word in overrides:
        metric, has_value, raw = word.partition("=")
        where = f"--tolerance {word}"
        if not has_value:
            problems.append(Problem(COMMAND_LINE, where, "expected METRIC=VALUE, e.g. rtt_p95_ms=10%"))
        elif _is_valid_metric(metric.strip(), COMMAND_LINE, where, problems):
            tolerance = _checked(raw, COMMAND_LINE, where, problems)
            if tolerance is not None:
                by_metric[metric.strip()] = tolerance
    if problems:
        raise InputError(problems)
    return Tolerances(default=chosen_default, by_metric=by_metric)


def _from_file(path: Path, problems: list[Problem]) -> tuple[Tolerance, dict[str, Tolerance]]:
    document = read_toml(path)
    file = str(path)
    data: Mapping[str, Any] = document.data
    problems.extend(
        Problem(file, key, "unknown key (expected default, [metric])")
        for key in data
        if key not in _FILE_KEYS
    )
    default = DEFAULT_TOLERANCE
    if "default" in data:
        default = _checked(data["default"], file, "default", problems) or default
    by_metric: dict[str, Tolerance] = {}
    table = data.get("metric", {})
    if not isinstance(table, dict):
        problems.append(Problem(file, "metric", "must be a table of METRIC = tolerance"))
        return default, by_metric
    for metric, raw in table.items():
        where = f"metric.{metric}"
        if _is_valid_metric(metric, file, where, problems):
            tolerance = _checked(raw, file, where, problems)
            if tolerance is not None:
                by_metric[metric] = tolerance
    return default, by_metric


def _checked(raw: object, file: str, where: str, problems: list[Problem]) -> Tolerance | None:
    try:
        return parse_tolerance(raw)
    except ValueError as error:
        problems.append(Problem(file, where, str(error)))
        return None


def _is_valid_metric(metric: str, file: str, where: str, problems: list[Problem]) -> bool:
    """True when `metric` is a valid metric name; else the problem is added."""
    try:
        parse_metric_name(metric)
    except ValueError as error:
        problems.append(Problem(file, where, str(error)))
        return False
    return True
