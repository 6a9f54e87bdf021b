"""The statistics of `miot compare` (harness/report/statistics.py) against textbook values and properties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.report.statistics import (
    average_ranks,
    bootstrap_difference_ci,
    fisher_exact_p,
    mann_whitney_u,
    normal_two_sided_p,
    smallest_mann_whitney_p,
    two_proportion_test,
    u_counts,
)


def with_u(u_parts: list[int], n: int) -> tuple[list[float], list[float]]:
    """A baseline whose j-th value lies above exactly u_parts[j] of the current values 1..n (no ties), so
    U of the baseline is sum(u_parts)."""
    baseline = [k + 0.5 + j * 1e-3 for j, k in enumerate(u_parts)]
    return baseline, [float(v) for v in range(1, n + 1)]


# Two-tailed critical values of U at alpha = 0.05 (the table in any statistics textbook, e.g. Siegel &
# Castellan, Nonparametric Statistics, Table J): U at or below is significant, one above is not.
@pytest.mark.parametrize(("n", "critical_u"), [(5, 2), (8, 13), (10, 23), (20, 127)])
def test_critical_values_of_the_u_table(n: int, critical_u: int) -> None:
    def p_of(u: int) -> float:
        parts = [min(n, u - n * j) if u - n * j > 0 else 0 for j in range(n)]
        baseline, current = with_u(parts, n)
        result = mann_whitney_u(baseline, current)
        assert result.statistic == u
        return result.p_value

    assert p_of(critical_u) <= 0.05 < p_of(critical_u + 1)


def test_exact_and_normal_p_of_a_worked_example() -> None:
    # Conover's example as scipy.stats.mannwhitneyu's documentation gives it: U = 17, exact p = 1/9,
    # normal approximation with continuity correction 0.11134688653314041.
    males, females = [19, 22, 16, 29, 24], [20, 11, 17, 12]

    exact = mann_whitney_u(males, females)
    normal = mann_whitney_u(males, females, method="normal")

    assert (exact.statistic, exact.name) == (17.0, "Mann-Whitney U (exact)")
    assert exact.p_value == pytest.approx(1 / 9)
    assert normal.p_value == pytest.approx(0.11134688653314041, rel=1e-9)


def test_u_counts_are_the_gaussian_binomial() -> None:
    assert u_counts(3, 4) == [1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]
    assert sum(u_counts(10, 12)) == math.comb(22, 10)


@given(st.integers(1, 5), st.integers(1, 5))
def test_u_counts_match_counting_every_arrangement(m: int, n: int) -> None:
    counts = [0] * (m * n + 1)
    for positions in itertools.combinations(range(m + n), m):
        # U of the first sample: for each of its values, the values of the other sample below it
        counts[sum(p - i for i, p in enumerate(positions))] += 1
    assert u_counts(m, n) == counts


def test_fisher_exact_of_the_tea_tasting_lady() -> None:
    # Fisher (1935): 3 of 4 cups right; two-sided p = 34/70
    assert fisher_exact_p(events_a=3, n_a=4, events_b=1, n_b=4) == pytest.approx(34 / 70)


def test_two_proportion_z_is_the_pearson_chi_square() -> None:
    result = two_proportion_test(events_a=30, n_a=100, events_b=50, n_b=100)
    table = np.array([[30, 70], [50, 50]], dtype=float)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    chi_square = float(((table - expected) ** 2 / expected).sum())

    assert result.name == "two-proportion z"
    assert result.statistic**2 == pytest.approx(chi_square)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(chi_square / 2)))


def test_small_counts_take_fishers_test() -> None:
    result = two_proportion_test(events_a=0, n_a=20, events_b=3, n_b=20)
    assert result.name == "Fisher exact"
    assert result.p_value == pytest.approx(fisher_exact_p(events_a=0, n_a=20, events_b=3, n_b=20))


def test_normal_tail_and_smallest_exact_p() -> None:
    assert normal_two_sided_p(1.959963984540054) == pytest.approx(0.05)
    assert smallest_mann_whitney_p(3, 3) == pytest.approx(0.1)
    assert smallest_mann_whitney_p(4, 4) == pytest.approx(2 / 70)


def test_ties_share_their_mean_rank_and_all_ties_say_nothing() -> None:
    assert average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]
    same = mann_whitney_u([5.0] * 6, [5.0] * 7)
    assert (same.statistic, same.p_value) == (21.0, 1.0)


samples = st.lists(st.integers(-50, 50), min_size=1, max_size=25)


@given(samples, samples)
def test_swapping_the_samples_keeps_p_and_mirrors_u(a: list[int], b: list[int]) -> None:
    forward, backward = mann_whitney_u(a, b), mann_whitney_u(b, a)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.statistic + backward.statistic == len(a) * len(b)
    assert 0 <= forward.p_value <= 1


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=30, unique=True), st.integers(0, 400))
def test_a_larger_shift_never_raises_p(a: list[int], shift: int) -> None:
    # half-integer shifts: no ties within or across the samples, so every p is exact
    nearer = mann_whitney_u(a, [v + shift + 0.5 for v in a])
    farther = mann_whitney_u(a, [v + shift + 10.5 for v in a])
    assert farther.p_value <= nearer.p_value


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=2, max_size=40), st.floats(-20, 20))
def test_bootstrap_is_reproducible_and_holds_a_plain_shift(values: list[float], shift: float) -> None:
    a = np.asarray(values)
    b = a + shift

    def mean(rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows.mean(axis=-1))

    first = bootstrap_difference_ci(a, b, mean, resamples=300, seed=7)
    unshifted = bootstrap_difference_ci(a, a, mean, resamples=300, seed=7)

    assert first == bootstrap_difference_ci(a, b, mean, resamples=300, seed=7)
    assert first[0] <= first[1]
    # one seed draws the same resamples: shifting the current sample shifts the interval by as much
    assert first == pytest.approx((unshifted[0] + shift, unshifted[1] + shift), abs=1e-9)


def test_bootstrap_of_a_clear_rtt_shift_excludes_zero() -> None:
    generator = np.random.default_rng(1)
    a = generator.normal(100, 5, size=200)
    b = generator.normal(130, 5, size=200)

    low, high = bootstrap_difference_ci(
        a, b, lambda rows: np.percentile(rows, 95, axis=-1), resamples=1000, seed=3
    )

    assert 20 < low < high < 40
