"""kpi layer: a value and its limit become an Outcome (DESIGN "kpi"; STYLE 7).

Every number a procedure reports gets a name (with its unit, harness.metrics), the limits the plan declared
for it in advance, and an outcome: pass, marginal, fail, unchecked (recorded but not checked: no limit, or
too few samples behind a percentile) or missing (a limit was declared, but no value came). A missing
number is visible, never silently absent (OpenHTF `core/measurements.py` is the model).

Sample-count rule for percentiles: ../shared/reference/indicators.md §5 (J), through
harness.metrics.min_samples_for.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from harness.metrics import UNITS, Limit, MetricName, MetricValue, min_samples_for, parse_metric_name


class Outcome(StrEnum):
    PASS = "pass"
    MARGINAL = "marginal"
    FAIL = "fail"
    UNCHECKED = "unchecked"
    MISSING = "missing"


# Worst last: a run with one missing KPI is worse than one with a marginal one, and only fail is worse.
OUTCOME_SEVERITY: tuple[Outcome, ...] = (
    Outcome.PASS,
    Outcome.UNCHECKED,
    Outcome.MARGINAL,
    Outcome.MISSING,
    Outcome.FAIL,
)
VIOLATIONS: frozenset[Outcome] = frozenset({Outcome.FAIL, Outcome.MISSING})
NOT_RECORDED = "declared in the plan but not recorded"


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """One evaluated metric. `unit` is the unit suffix of the metric name (`ms`, `pct`, `kbps`); the label
    shown to people is harness.metrics.UNITS[unit]."""

    metric: str
    value: float | None
    unit: str
    n_samples: int | None
    limit: Limit | None
    outcome: Outcome
    reason: str

    def describe(self) -> str:
        """`rtt_p95_ms = 4500 ms: fail (above high 4000 ms)`."""
        shown = with_unit(self.value, self.unit)
        return f"{self.metric} = {shown}: {self.outcome} ({self.reason})"


def format_value(value: float | None) -> str:
    """A number for people: up to 6 significant digits, no exponent between 1e-3 and 1e9, no trailing
    zeros; "—" for no value."""
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if not 1e-3 <= magnitude < 1e9:
        return f"{value:.6g}"
    decimals = max(0, 6 - (math.floor(math.log10(magnitude)) + 1))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(value: float | None, unit: str) -> str:
    """`4000 ms`, `99.5 %`, `3` (count has no label)."""
    label = UNITS[unit]
    text = format_value(value)
    return f"{text} {label}" if label and value is not None else text


def evaluate(metric: str, value: MetricValue, limit: Limit | None) -> Measurement:
    """Check one value against its limit. Boundaries belong to the better side: a value equal to `high`
    is not a fail, one equal to `marginal_high` is a pass."""
    name = parse_metric_name(metric)
    number = _number_or_none(value.value)
    outcome, reason = _judge(name, number, value.n_samples, limit)
    return Measurement(
        metric=metric,
        value=number,
        unit=name.unit,
        n_samples=value.n_samples,
        limit=limit,
        outcome=outcome,
        reason=reason,
    )


def _number_or_none(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(value)


def _judge(
    name: MetricName, value: float | None, n_samples: int | None, limit: Limit | None
) -> tuple[Outcome, str]:
    if value is None:
        if limit is None:
            return Outcome.UNCHECKED, "no value, no limit set"
        return Outcome.MISSING, "no value recorded"
    if limit is None:
        return Outcome.UNCHECKED, "no limit set"
    too_few = _too_few_samples(name, n_samples)
    if too_few is not None:
        return Outcome.UNCHECKED, too_few
    return _compare(value, limit, name.unit)


def _too_few_samples(name: MetricName, n_samples: int | None) -> str | None:
    needed = min_samples_for(name)
    what = name.statistic if name.percentile is not None else "a value"
    if n_samples is None:
        # a percentile of an unknown number of samples cannot be trusted; a plain value is one sample
        return f"{what} needs ≥ {needed} samples, count not given" if name.percentile is not None else None
    if n_samples < needed:
        return f"{what} needs ≥ {needed} samples, got {n_samples}"
    return None


def _compare(value: float, limit: Limit, unit: str) -> tuple[Outcome, str]:
    checks = (
        ("below low", limit.low, operator.lt, Outcome.FAIL),
        ("above high", limit.high, operator.gt, Outcome.FAIL),
        ("below marginal_low", limit.marginal_low, operator.lt, Outcome.MARGINAL),
        ("above marginal_high", limit.marginal_high, operator.gt, Outcome.MARGINAL),
    )
    for words, bound, is_beyond, outcome in checks:
        if bound is not None and is_beyond(value, bound):
            return outcome, f"{words} {with_unit(bound, unit)}"
    return Outcome.PASS, "within limits"


def missing(metric: str, limit: Limit) -> Measurement:
    """The measurement of a metric the plan set a limit on but the test never recorded."""
    name = parse_metric_name(metric)
    return Measurement(
        metric=metric,
        value=None,
        unit=name.unit,
        n_samples=None,
        limit=limit,
        outcome=Outcome.MISSING,
        reason=NOT_RECORDED,
    )


class KpiRecorder:
    """Collects the values one test reports, then evaluates all of them against the plan's limits, plus a
    `missing` measurement for every limit nothing was recorded for."""

    def __init__(self, limits: Mapping[str, Limit]) -> None:
        problems = _limit_problems(limits)
        if problems:
            raise ValueError("bad limits: " + "; ".join(problems))
        self._limits = dict(limits)
        self._values: dict[str, MetricValue] = {}

    @property
    def limits(self) -> Mapping[str, Limit]:
        return dict(self._limits)

    @property
    def recorded(self) -> frozenset[str]:
        """The metrics recorded so far."""
        return frozenset(self._values)

    def record(self, metric: str, value: float | None, *, n_samples: int | None = None) -> None:
        self.record_all({metric: MetricValue(value=value, n_samples=n_samples)})

    def record_all(self, summary: Mapping[str, MetricValue]) -> None:
        """Record every value of a summary, or none of them when any name is bad or already recorded."""
        problems: list[str] = []
        for metric in summary:
            try:
                parse_metric_name(metric)
            except ValueError as error:
                problems.append(str(error))
                continue
            if metric in self._values:
                problems.append(f"metric {metric!r} was already recorded in this test")
        if problems:
            raise ValueError("; ".join(problems))
        self._values.update(summary)

    def evaluate_all(self) -> tuple[Measurement, ...]:
        recorded = [evaluate(m, v, self._limits.get(m)) for m, v in self._values.items()]
        absent = [missing(m, limit) for m, limit in self._limits.items() if m not in self._values]
        return (*recorded, *absent)


def _limit_problems(limits: Mapping[str, Limit]) -> list[str]:
    problems: list[str] = []
    for metric, limit in limits.items():
        try:
            parse_metric_name(metric)
        except ValueError as error:
            problems.append(str(error))
        problems.extend(f"{metric}: {problem}" for problem in limit.problems())
    return problems


def overall_outcome(outcomes: Iterable[Outcome]) -> Outcome:
    """The worst outcome (pass < unchecked < marginal < missing < fail); nothing at all is unchecked."""
    worst = max((OUTCOME_SEVERITY.index(o) for o in outcomes), default=None)
    return Outcome.UNCHECKED if worst is None else OUTCOME_SEVERITY[worst]


def case_outcome(measurements: Iterable[Measurement]) -> Outcome:
    """A case's outcome: the worst over the metrics the plan set limits on. Metrics recorded without a
    limit are reported, not judged, so they do not make a case `unchecked`; a case with no limit at all is."""
    return overall_outcome(m.outcome for m in measurements if m.limit is not None)


def violations(measurements: Iterable[Measurement]) -> tuple[Measurement, ...]:
    """The measurements that fail a test: failing or missing ones."""
    return tuple(m for m in measurements if m.outcome in VIOLATIONS)


def describe_violations(measurements: Iterable[Measurement]) -> str:
    """Every violation, one line each, for a test failure message; empty when there is none."""
    return "\n".join(m.describe() for m in violations(measurements))
