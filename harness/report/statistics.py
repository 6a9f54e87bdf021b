"""report layer: the statistics `miot compare` uses, written out here (numpy only; no scipy at run time).

- Mann-Whitney U (Wilcoxon rank-sum), two-sided. Exact null distribution when neither sample holds a tie
  and m·n ≤ EXACT_MAX_CELLS: the counts of U are the coefficients of the Gaussian binomial [m+n choose m]_q
  (Mann & Whitney 1947). Otherwise the normal approximation, with the tie correction of the variance and a
  continuity correction of 0.5 (Lehmann, *Nonparametrics*, 1975, §1.4).
- Two proportions: Fisher's exact test (two-sided: the tables no more likely than the one seen) when an
  expected count is below 5, the pooled two-proportion z-test otherwise (the usual rule of thumb for the
  normal approximation of a 2x2 table).
- A percentile bootstrap confidence interval of the difference of a statistic (current - baseline), from
  a seeded generator so a comparison prints the same interval every time (Efron & Tibshirani 1993, §13.3).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

EXACT_MAX_CELLS = 2500  # m·n up to 50 x 50: the polynomial has 2501 integer coefficients
MIN_EXPECTED_COUNT = 5.0
_RESAMPLE_CELLS_PER_CHUNK = 2_000_000  # bounds the bootstrap's index array (16 MB) whatever the sample size

# a statistic over the last axis of a 2-D array: one value per row (resample)
RowStatistic = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True, kw_only=True)
class TestResult:
    name: str  # e.g. "Mann-Whitney U (exact)"
    statistic: float
    p_value: float


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def mann_whitney_u(
    baseline: Sequence[float] | np.ndarray,
    current: Sequence[float] | np.ndarray,
    *,
    method: Literal["auto", "normal"] = "auto",
) -> TestResult:
    """Two-sided Mann-Whitney U test; the statistic is U of `baseline` (the number of pairs where its value
    is the larger, ties counting one half). `auto` is exact where it can be (see the module docstring);
    `normal` always approximates. ValueError for an empty sample."""
    a, b = np.asarray(baseline, dtype=float), np.asarray(current, dtype=float)
    m, n = len(a), len(b)
    if m == 0 or n == 0:
        raise ValueError(f"Mann-Whitney U needs values on both sides, got {m} and {n}")
    both = np.concatenate([a, b])
    ranks = average_ranks(both)
    u = float(ranks[:m].sum() - m * (m + 1) / 2)
    _, tie_sizes = np.unique(both, return_counts=True)
    if method == "auto" and m * n <= EXACT_MAX_CELLS and bool(np.all(tie_sizes == 1)):
        counts = u_counts(m, n)
        tail = sum(counts[: int(min(u, m * n - u)) + 1])
        return TestResult(
            name="Mann-Whitney U (exact)", statistic=u, p_value=min(1.0, 2 * tail / sum(counts))
        )
    total = m + n
    tie_term = float(np.sum(tie_sizes.astype(float) ** 3 - tie_sizes)) / (total * (total - 1))
    variance = m * n / 12 * ((total + 1) - tie_term)
    if variance <= 0:  # every value the same: nothing tells the samples apart
        return TestResult(name="Mann-Whitney U (normal)", statistic=u, p_value=1.0)
    z = max(0.0, abs(u - m * n / 2) - 0.5) / math.sqrt(variance)
    return TestResult(name="Mann-Whitney U (normal)", statistic=u, p_value=normal_two_sided_p(z))


def u_counts(m: int, n: int) -> list[int]:
    """How many of the C(m+n, m) arrangements give U = 0, 1, ..., m·n: the coefficients of
    prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), in exact integers."""
    coefficients = [1] + [0] * (m * n)
    for i in range(1, m + 1):
        for k in range(len(coefficients) - 1, n + i - 1, -1):  # times (1 - q^(n+i))
            coefficients[k] -= coefficients[k - n - i]
        for k in range(i, len(coefficients)):  # divided by (1 - q^i): a running sum with stride i
            coefficients[k] += coefficients[k - i]
    return coefficients


def smallest_mann_whitney_p(m: int, n: int) -> float:
    """The smallest two-sided p the exact test can give for these sizes (all of one sample below the other):
    2 / C(m+n, m). Above the significance level, the test cannot find anything."""
    return min(1.0, 2 / math.comb(m + n, m)) if m and n else 1.0


def two_proportion_test(*, events_a: int, n_a: int, events_b: int, n_b: int) -> TestResult:
    """Are the event shares events_a/n_a and events_b/n_b different? Fisher's exact test when an expected
    count of the 2x2 table is below MIN_EXPECTED_COUNT, the pooled z-test otherwise."""
    if n_a <= 0 or n_b <= 0:
        raise ValueError(f"a two-proportion test needs n on both sides, got {n_a} and {n_b}")
    events = events_a + events_b
    total = n_a + n_b
    expected = [n * share for n in (n_a, n_b) for share in (events / total, 1 - events / total)]
    if min(expected) < MIN_EXPECTED_COUNT:
        return TestResult(
            name="Fisher exact",
            statistic=float(events_a),
            p_value=fisher_exact_p(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b),
        )
    pooled = events / total
    z = (events_a / n_a - events_b / n_b) / math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return TestResult(name="two-proportion z", statistic=z, p_value=normal_two_sided_p(z))


def fisher_exact_p(*, events_a: int, n_a: int, events_b: int, n_b: int) -> float:
    """Two-sided p of Fisher's exact test: the probability, with the margins fixed, of every table no more
    likely than the one seen (a relative slack of 1e-7 keeps equally likely tables in despite rounding)."""
    events = events_a + events_b
    denominator = math.comb(n_a + n_b, events)

    def probability(k: int) -> float:
        return math.comb(n_a, k) * math.comb(n_b, events - k) / denominator

    seen = probability(events_a)
    possible = range(max(0, events - n_b), min(events, n_a) + 1)
    return min(1.0, sum(p for k in possible if (p := probability(k)) <= seen * (1 + 1e-7)))


def bootstrap_difference_ci(
    baseline: np.ndarray,
    current: np.ndarray,
    statistic: RowStatistic,
    *,
    resamples: int,
    seed: int | Sequence[int],
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of statistic(current*) - statistic(baseline*) over `resamples` resamples drawn
    with replacement from each sample."""
    if len(baseline) == 0 or len(current) == 0:
        raise ValueError("a bootstrap needs values on both sides")
    generator = np.random.default_rng(seed)
    differences = _resampled(current, statistic, resamples, generator) - _resampled(
        baseline, statistic, resamples, generator
    )
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return float(low), float(high)


def _resampled(
    values: np.ndarray, statistic: RowStatistic, resamples: int, generator: np.random.Generator
) -> np.ndarray:
    rows_per_chunk = max(1, _RESAMPLE_CELLS_PER_CHUNK // len(values))
    chunks: list[np.ndarray] = []
    for start in range(0, resamples, rows_per_chunk):
        rows = min(rows_per_chunk, resamples - start)
        chunks.append(statistic(values[generator.integers(0, len(values), size=(rows, len(values)))]))
    return np.concatenate(chunks)
