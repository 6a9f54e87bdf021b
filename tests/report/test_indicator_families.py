from pathlib import Path

import pytest

from harness.plan import load_plan
from harness.report.indicator_families import FAMILIES, family_of

PLANS = sorted(Path(__file__).parents[2].joinpath("testplans").glob("*.toml"))


@pytest.mark.parametrize(
    ("metric", "family"),
    [
        ("attach_time_p50_s", "access"),
        ("reboot_attach_success_pct", "access"),
        ("tcp_connect_time_p50_ms", "access"),
        ("rtt_p95_ms", "latency"),
        ("rtt_idle_max_ms", "latency"),
        ("ping_loss_pct", "latency"),
        ("loss_pct", "latency"),
        ("jitter_ms", "latency"),
        ("first_packet_loss_pct", "latency"),
        ("ul_goodput_mean_kbps", "throughput"),
        ("dl_loss_pct", "throughput"),
        ("ul_jitter_ms", "throughput"),
        ("tcp_retrans_pct", "throughput"),
        ("delivery_ratio_pct", "uplink"),
        ("ul_report_latency_p99_ms", "uplink"),
        ("rrc_connections_per_report_mean_count", "friendliness"),
        ("attach_attempts_per_hour_count", "friendliness"),
        ("attach_time_p95_s", "access"),
        ("report_offset_spread_pct", "friendliness"),
        ("retry_backoff_violation_count", "friendliness"),
        ("sleep_current_ua", "power_save"),
        ("psm_granted_pct", "power_save"),
        ("dl_reachability_in_ptw_pct", "power_save"),
        ("battery_life_estimate_years", "power_save"),
        ("rsrp_p50_dbm", "coverage"),
        ("class_very_poor_pct", "coverage"),
        ("ce_level_p50_count", "coverage"),
        ("session_drop_count", "stability"),
        ("uptime_pct", "stability"),
        ("bogus_count", "other"),
    ],
)
def test_metric_family(metric: str, family: str) -> None:
    assert family_of(metric) == family


def test_every_limit_of_the_shipped_plans_has_a_family() -> None:
    assert PLANS
    metrics = {metric for plan in PLANS for case in load_plan(plan).cases for metric in case.limits}
    assert {m for m in metrics if family_of(m) == "other"} == set()
    assert FAMILIES[-1] == "other"
