"""Tests of harness.kpi: evaluate's branches and boundaries, KpiRecorder, outcome ordering."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.kpi import (
    NOT_RECORDED,
    KpiRecorder,
    Measurement,
    Outcome,
    case_outcome,
    describe_violations,
    evaluate,
    format_value,
    overall_outcome,
    violations,
)
from harness.metrics import Limit, MetricValue

RTT_LIMIT = Limit(high=4000, marginal_high=3000)
GOODPUT_LIMIT = Limit(low=2000, marginal_low=2500)
BAND = Limit(low=10, marginal_low=20, marginal_high=80, high=90)


def judge(
    value: float | None, limit: Limit | None, metric: str = "rtt_mean_ms", n: int | None = None
) -> Outcome:
    return evaluate(metric, MetricValue(value=value, n_samples=n), limit).outcome


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (9.999, Outcome.FAIL),
        (10, Outcome.MARGINAL),  # low itself is inside the limits
        (19.99, Outcome.MARGINAL),
        (20, Outcome.PASS),  # marginal_low itself passes
        (50, Outcome.PASS),
        (80, Outcome.PASS),
        (80.01, Outcome.MARGINAL),
        (90, Outcome.MARGINAL),  # high itself is inside the limits
        (90.001, Outcome.FAIL),
        (math.inf, Outcome.FAIL),
        (-math.inf, Outcome.FAIL),
    ],
)
def test_evaluate_bands_and_inclusive_boundaries(value: float, expected: Outcome) -> None:
    assert judge(value, BAND) == expected


def test_evaluate_reason_names_the_bound_and_unit() -> None:
    assert evaluate("rtt_mean_ms", MetricValue(value=4500), RTT_LIMIT).reason == "above high 4000 ms"
    assert evaluate("rtt_mean_ms", MetricValue(value=3500), RTT_LIMIT).reason == "above marginal_high 3000 ms"
    assert evaluate("ul_goodput_mean_kbps", MetricValue(value=1999.5), GOODPUT_LIMIT).reason == (
        "below low 2000 kbit/s"
    )
    assert evaluate("ul_goodput_mean_kbps", MetricValue(value=2400), GOODPUT_LIMIT).reason == (
        "below marginal_low 2500 kbit/s"
    )
    assert evaluate("rtt_mean_ms", MetricValue(value=10), RTT_LIMIT).reason == "within limits"
    reason = evaluate("attach_attempts_per_hour_count", MetricValue(value=30), Limit(high=24)).reason
    assert reason == "above high 24"


def test_evaluate_keeps_metric_unit_and_samples() -> None:
    m = evaluate("rtt_p95_ms", MetricValue(value=120.5, n_samples=50), RTT_LIMIT)
    assert (m.metric, m.value, m.unit, m.n_samples, m.limit) == ("rtt_p95_ms", 120.5, "ms", 50, RTT_LIMIT)
    assert m.outcome == Outcome.PASS


def test_marginal_only_limit_never_fails() -> None:
    limit = Limit(marginal_high=100)
    assert judge(1e9, limit) == Outcome.MARGINAL
    assert judge(100, limit) == Outcome.PASS


def test_no_limit_is_unchecked_but_value_kept() -> None:
    m = evaluate("rtt_mean_ms", MetricValue(value=12.0), None)
    assert (m.outcome, m.value, m.reason) == (Outcome.UNCHECKED, 12.0, "no limit set")


@pytest.mark.parametrize("value", [None, math.nan])
def test_no_value_with_limit_is_missing(value: float | None) -> None:
    m = evaluate("rtt_mean_ms", MetricValue(value=value), RTT_LIMIT)
    assert (m.outcome, m.value) == (Outcome.MISSING, None)


@pytest.mark.parametrize("value", [None, math.nan])
def test_no_value_without_limit_is_unchecked(value: float | None) -> None:
    m = evaluate("rtt_mean_ms", MetricValue(value=value), None)
    assert (m.outcome, m.value) == (Outcome.UNCHECKED, None)


def test_percentile_with_too_few_samples_is_unchecked_with_value_recorded() -> None:
    m = evaluate("rtt_p95_ms", MetricValue(value=99999, n_samples=12), RTT_LIMIT)
    assert (m.outcome, m.value) == (Outcome.UNCHECKED, 99999)
    assert m.reason == "p95 needs ≥ 20 samples, got 12"


@pytest.mark.parametrize(
    ("metric", "n_samples", "expected"),
    [
        ("rtt_p95_ms", 19, Outcome.UNCHECKED),
        ("rtt_p95_ms", 20, Outcome.FAIL),
        ("rtt_p99_ms", 99, Outcome.UNCHECKED),
        ("rtt_p99_ms", 100, Outcome.FAIL),
        ("rtt_p50_ms", 1, Outcome.UNCHECKED),
        ("rtt_p50_ms", 2, Outcome.FAIL),
        ("rtt_p95_ms", None, Outcome.UNCHECKED),  # a percentile of an unknown count is not trusted
        ("rtt_mean_ms", None, Outcome.FAIL),
        ("rtt_mean_ms", 0, Outcome.UNCHECKED),
    ],
)
def test_sample_count_threshold(metric: str, n_samples: int | None, expected: Outcome) -> None:
    assert judge(5000, RTT_LIMIT, metric=metric, n=n_samples) == expected


def test_evaluate_rejects_bad_metric_name() -> None:
    with pytest.raises(ValueError, match="unit"):
        evaluate("rtt_p95_fortnights", MetricValue(value=1), None)


@given(
    a=st.floats(min_value=-1e6, max_value=1e6),
    b=st.floats(min_value=-1e6, max_value=1e6),
)
def test_evaluate_is_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    order = {Outcome.PASS: 0, Outcome.MARGINAL: 1, Outcome.FAIL: 2}
    assert order[judge(low, RTT_LIMIT)] <= order[judge(high, RTT_LIMIT)]
    assert (
        order[judge(low, GOODPUT_LIMIT, "ul_goodput_mean_kbps")]
        >= order[judge(high, GOODPUT_LIMIT, "ul_goodput_mean_kbps")]
    )


@given(value=st.floats(allow_nan=False, min_value=-1e12, max_value=1e12))
def test_evaluate_band_matches_the_definition(value: float) -> None:
    if value < 10 or value > 90:
        expected = Outcome.FAIL
    elif value < 20 or value > 80:
        expected = Outcome.MARGINAL
    else:
        expected = Outcome.PASS
    assert judge(value, BAND) == expected


def test_recorder_evaluates_recorded_then_missing_in_order() -> None:
    limits = {"loss_pct": Limit(high=1), "rtt_p95_ms": RTT_LIMIT, "jitter_ms": Limit(high=50)}
    kpis = KpiRecorder(limits)
    kpis.record("rtt_mean_ms", 900.0)
    kpis.record_all({"rtt_p95_ms": MetricValue(value=4500, n_samples=40)})
    results = kpis.evaluate_all()
    assert [m.metric for m in results] == ["rtt_mean_ms", "rtt_p95_ms", "loss_pct", "jitter_ms"]
    assert [m.outcome for m in results] == [Outcome.UNCHECKED, Outcome.FAIL, Outcome.MISSING, Outcome.MISSING]
    assert results[2].reason == NOT_RECORDED
    assert results[2].limit == limits["loss_pct"]


def test_recorder_rejects_duplicates() -> None:
    kpis = KpiRecorder({})
    kpis.record("loss_pct", 0.0)
    with pytest.raises(ValueError, match="already recorded"):
        kpis.record("loss_pct", 1.0)
    assert [m.value for m in kpis.evaluate_all()] == [0.0]


def test_recorder_rejects_bad_names_and_records_nothing_of_a_bad_summary() -> None:
    kpis = KpiRecorder({})
    with pytest.raises(ValueError, match="rtt_fast") as error:
        kpis.record_all(
            {"loss_pct": MetricValue(value=1), "rtt_fast": MetricValue(value=2), "Bad": MetricValue(value=3)}
        )
    assert "'Bad'" in str(error.value)  # every bad name at once
    assert kpis.evaluate_all() == ()


def test_recorder_rejects_bad_limits() -> None:
    with pytest.raises(ValueError, match="rtt_ms: low"):
        KpiRecorder({"rtt_ms": Limit(low=10, high=5)})
    with pytest.raises(ValueError, match="unit"):
        KpiRecorder({"rtt": Limit(high=5)})


def test_overall_outcome_ordering() -> None:
    ladder = [Outcome.PASS, Outcome.UNCHECKED, Outcome.MARGINAL, Outcome.MISSING, Outcome.FAIL]
    for i, worst in enumerate(ladder):
        assert overall_outcome(ladder[: i + 1]) == worst
        assert overall_outcome(reversed(ladder[: i + 1])) == worst
    assert overall_outcome([]) == Outcome.UNCHECKED
    assert overall_outcome([Outcome.PASS, Outcome.PASS]) == Outcome.PASS


def test_violations_and_their_description_list_every_one() -> None:
    kpis = KpiRecorder({"loss_pct": Limit(high=1), "rtt_mean_ms": RTT_LIMIT, "jitter_ms": Limit(high=50)})
    kpis.record("rtt_mean_ms", 5000.0)
    kpis.record("jitter_ms", 55.0)
    kpis.record("sinr_mean_db", 3.0)
    found = violations(kpis.evaluate_all())
    assert [m.metric for m in found] == ["rtt_mean_ms", "jitter_ms", "loss_pct"]
    text = describe_violations(kpis.evaluate_all())
    assert text.splitlines() == [
        "rtt_mean_ms = 5000 ms: fail (above high 4000 ms)",
        "jitter_ms = 55 ms: fail (above high 50 ms)",
        f"loss_pct = —: missing ({NOT_RECORDED})",
    ]


def test_marginal_is_not_a_violation() -> None:
    m = evaluate("rtt_mean_ms", MetricValue(value=3500), RTT_LIMIT)
    assert isinstance(m, Measurement)
    assert violations([m]) == ()
    assert describe_violations([m]) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0.1 + 0.2, "0.3"),
        (4000.0, "4000"),
        (1234.56789, "1234.57"),
        (0.0123456789, "0.0123457"),
        (-2.5, "-2.5"),
        (1.1e6, "1100000"),
        (1e-9, "1e-09"),
        (0.0, "0"),
        (math.inf, "inf"),
    ],
)
def test_format_value(value: float | None, text: str) -> None:
    assert format_value(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_value_is_short_and_close(value: float) -> None:
    text = format_value(value)
    assert len(text) <= 13
    assert math.isclose(float(text), value, rel_tol=1e-5, abs_tol=0)


def test_case_outcome_judges_only_metrics_with_limits() -> None:
    judged = evaluate("rtt_p95_ms", MetricValue(value=100.0, n_samples=50), Limit(high=200.0))
    report_only = evaluate("rtt_min_ms", MetricValue(value=50.0, n_samples=50), None)
    assert case_outcome([judged, report_only]) is Outcome.PASS
    assert case_outcome([report_only]) is Outcome.UNCHECKED
    too_few = evaluate("rtt_p95_ms", MetricValue(value=100.0, n_samples=5), Limit(high=200.0))
    assert case_outcome([judged, too_few]) is Outcome.UNCHECKED
    failing = evaluate("loss_pct", MetricValue(value=5.0, n_samples=50), Limit(high=1.0))
    assert case_outcome([judged, report_only, failing]) is Outcome.FAIL
