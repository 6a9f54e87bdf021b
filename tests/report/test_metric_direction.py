"""Which way a metric gets worse (harness/report/metric_direction.py): the quantity table, then limits."""

from __future__ import annotations

import pytest

from harness.metrics import Limit
from harness.report.metric_direction import Better, better_direction


@pytest.mark.parametrize(
    ("metric", "better"),
    [
        ("rtt_p95_ms", Better.LOWER),
        ("ul_report_latency_p99_ms", Better.LOWER),
        ("attach_time_s", Better.LOWER),
        ("loss_pct", Better.LOWER),
        ("first_packet_loss_pct", Better.LOWER),
        ("sleep_current_ua", Better.LOWER),
        ("charge_per_report_uc", Better.LOWER),
        ("ul_goodput_mean_kbps", Better.HIGHER),
        ("connect_success_pct", Better.HIGHER),
        ("delivery_ratio_pct", Better.HIGHER),
        ("battery_life_estimate_years", Better.HIGHER),
    ],
)
def test_the_quantity_decides(metric: str, better: Better) -> None:
    assert better_direction(metric) is better
    # a limit pointing the other way does not overrule the table
    assert better_direction(metric, Limit(low=1.0) if better is Better.LOWER else Limit(high=1.0)) is better


def test_limits_decide_a_quantity_the_table_does_not_know() -> None:
    assert better_direction("psm_granted_pct", Limit(low=99.0)) is Better.HIGHER
    assert better_direction("connected_after_ms", Limit(high=500.0, marginal_high=300.0)) is Better.LOWER
    assert better_direction("rsrp_p50_dbm", Limit(low=-120.0, high=-40.0)) is None
    assert better_direction("rsrp_p50_dbm") is None


def test_battery_alone_is_not_battery_life() -> None:
    assert better_direction("battery_voltage_mj") is None
