"""report layer: `miot compare`, baseline runs against current runs, metric by metric (issue 7 item 3).

For every (case, module, metric) both sides recorded, a ComparisonRow: the value on each side, the change
(current - baseline, absolute and relative), a bootstrap confidence interval of the change, a significance
test suited to the data, and a verdict. The data decide the test:
- raw samples behind every value on both sides (harness.report.metric_samples): pooled over iterations and
  runs; a distribution (RTT probes, per-second goodput) gets Mann-Whitney U, a proportion (loss from
  probe counts) the two-proportion test; the values shown are the metric's statistic over the pooled
  samples, so the change and its interval are one computation;
- otherwise the recorded values, one per iteration and run: Mann-Whitney U on them, and their means shown;
- too few values for the test ever to reach the significance level (harness.report.statistics
  .smallest_mann_whitney_p): "not testable (n=...)", no p and no interval, never a made-up one.
The bootstrap is seeded from the settings' seed and the row's key, so the same runs print the same table.

A regression is significant (p < alpha), in the metric's worse direction (harness.report.metric_direction),
and larger than the metric's tolerance (harness.report.tolerance) at the point estimate.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from harness.metrics import Limit
from harness.report.metric_direction import Better, better_direction
from harness.report.metric_samples import MetricSamples, statistic_for
from harness.report.run_metrics import MetricKey, RecordedMetric, read_side
from harness.report.statistics import (
    RowStatistic,
    TestResult,
    bootstrap_difference_ci,
    mann_whitney_u,
    smallest_mann_whitney_p,
    two_proportion_test,
)
from harness.report.tolerance import Tolerance, Tolerances

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20261126
DEFAULT_ALPHA = 0.05


class Verdict(StrEnum):
    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    WITHIN_TOLERANCE = "within tolerance"
    NO_CHANGE = "no significant change"
    UNDIRECTED = "changed (direction unknown)"
    NOT_TESTABLE = "not testable"
    MISSING = "missing"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareSettings:
    tolerances: Tolerances = field(default_factory=Tolerances)
    alpha: float = DEFAULT_ALPHA
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    confidence: float = 0.95


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparisonRow:
    key: MetricKey
    unit: str
    baseline: float | None
    current: float | None
    n_baseline: int
    n_current: int
    basis: str  # "samples-udp_echo" or "per-iteration values"
    ci: tuple[float, float] | None
    test: TestResult | None
    tolerance: Tolerance
    better: Better | None
    verdict: Verdict
    note: str = ""

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def change_pct(self) -> float | None:
        change = self.change
        if change is None or self.baseline is None or self.baseline == 0:
            return None
        return 100 * change / abs(self.baseline)


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    rows: tuple[ComparisonRow, ...]
    settings: CompareSettings
    only_in_baseline: tuple[MetricKey, ...] = ()
    only_in_current: tuple[MetricKey, ...] = ()

    @property
    def regressions(self) -> tuple[ComparisonRow, ...]:
        return tuple(row for row in self.rows if row.verdict is Verdict.REGRESSION)


def compare_runs(baseline: Sequence[Path], current: Sequence[Path], settings: CompareSettings) -> Comparison:
    """Compare the runs; UserError (harness.report.run_metrics) for a directory that is not a run."""
    before, after = read_side(baseline), read_side(current)
    rows = tuple(compare_metric(key, before[key], after[key], settings) for key in before if key in after)
    return Comparison(
        rows=rows,
        settings=settings,
        only_in_baseline=tuple(key for key in before if key not in after),
        only_in_current=tuple(key for key in after if key not in before),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Data:
    """What one row is tested on: the baseline's and the current values, and the statistic shown."""

    a: np.ndarray
    b: np.ndarray
    statistic: RowStatistic
    is_proportion: bool
    basis: str


def compare_metric(
    key: MetricKey, before: RecordedMetric, after: RecordedMetric, settings: CompareSettings
) -> ComparisonRow:
    if not before.numbers or not after.numbers:
        return _missing(key, before, after, settings)
    data = None
    if before.has_samples_for_every_value and after.has_samples_for_every_value:
        data = _pooled_samples(key.metric, before.samples, after.samples)
    if data is None:
        a, b = np.asarray(before.numbers, dtype=float), np.asarray(after.numbers, dtype=float)
        data = _Data(a=a, b=b, statistic=_row_mean, is_proportion=False, basis="per-iteration values")
    return _judged(key, after.limit or before.limit, after.unit, data, settings)


def _missing(
    key: MetricKey, before: RecordedMetric, after: RecordedMetric, settings: CompareSettings
) -> ComparisonRow:
    side = "baseline" if not before.numbers else "current"
    return ComparisonRow(
        key=key,
        unit=after.unit,
        baseline=_mean(before.numbers),
        current=_mean(after.numbers),
        n_baseline=len(before.numbers),
        n_current=len(after.numbers),
        basis="per-iteration values",
        ci=None,
        test=None,
        tolerance=settings.tolerances.of(key.metric),
        better=better_direction(key.metric, after.limit or before.limit),
        verdict=Verdict.MISSING,
        note=f"no value in the {side}",
    )


def _pooled_samples(
    metric: str, before: Sequence[MetricSamples], after: Sequence[MetricSamples]
) -> _Data | None:
    kinds = {s.is_proportion for s in (*before, *after)}
    statistic = statistic_for(metric, before[0])
    if len(kinds) != 1 or statistic is None:
        return None
    a = np.concatenate([s.values for s in before])
    b = np.concatenate([s.values for s in after])
    if len(a) == 0 or len(b) == 0:
        return None
    engines = "+".join(sorted({s.engine for s in (*before, *after)}))
    return _Data(a=a, b=b, statistic=statistic, is_proportion=kinds.pop(), basis=f"samples-{engines}")


def _judged(
    key: MetricKey, limit: Limit | None, unit: str, data: _Data, settings: CompareSettings
) -> ComparisonRow:
    a, b = data.a, data.b
    baseline, current = float(data.statistic(a[np.newaxis, :])[0]), float(data.statistic(b[np.newaxis, :])[0])
    test = _test(data, settings.alpha)
    tolerance = settings.tolerances.of(key.metric)
    better = better_direction(key.metric, limit)
    ci = None
    if test is not None:
        seed = [settings.seed, zlib.crc32(str(key).encode("utf-8"))]
        ci = bootstrap_difference_ci(
            a, b, data.statistic, resamples=settings.resamples, seed=seed, confidence=settings.confidence
        )
    verdict = Verdict.NOT_TESTABLE
    if test is not None:
        verdict = verdict_of(
            change=current - baseline,
            allowed=tolerance.allowed(baseline),
            better=better,
            is_significant=test.p_value < settings.alpha,
        )
    return ComparisonRow(
        key=key,
        unit=unit,
        baseline=baseline,
        current=current,
        n_baseline=len(a),
        n_current=len(b),
        basis=data.basis,
        ci=ci,
        test=test,
        tolerance=tolerance,
        better=better,
        verdict=verdict,
        note="" if test is not None else f"not testable (n={len(a)} vs {len(b)})",
    )


def _test(data: _Data, alpha: float) -> TestResult | None:
    """The test suited to the data; None when too few values could never reach `alpha`."""
    if data.is_proportion:
        return two_proportion_test(
            events_a=int(data.a.sum()), n_a=len(data.a), events_b=int(data.b.sum()), n_b=len(data.b)
        )
    if smallest_mann_whitney_p(len(data.a), len(data.b)) > alpha:
        return None
    return mann_whitney_u(data.a, data.b)


def verdict_of(*, change: float, allowed: float, better: Better | None, is_significant: bool) -> Verdict:
    """The verdict of a tested change: only a significant change beyond the tolerance counts either way."""
    if not is_significant:
        return Verdict.NO_CHANGE
    if better is None:
        return Verdict.UNDIRECTED
    if abs(change) <= allowed:
        return Verdict.WITHIN_TOLERANCE
    is_worse = change > 0 if better is Better.LOWER else change < 0
    return Verdict.REGRESSION if is_worse else Verdict.IMPROVEMENT


def _row_mean(rows: np.ndarray) -> np.ndarray:
    return np.asarray(rows.mean(axis=-1))


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None
