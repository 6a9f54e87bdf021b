"""Latency under load (testplans/test_latency.py::test_latency_under_load) run as a plan on a virtual NB-IoT
module whose link is pinned: no jitter, 40 kbit/s each way, so an 80 kbit/s load queues on the module's air
schedule (harness/virtual/link.py) and the loaded probes wait behind it."""

from __future__ import annotations

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pytest

from harness import netns
from harness.results import read_samples
from harness.server.iperf import iperf3_problem
from harness.virtual.data_interface import DataInterfaceOptions

from .plan_tester import PlanTester

DELAY_MS = 50
RATE_KBPS = 40
LOAD_KBPS = 80
SETTLE_S = 1.5
SLACK_MS = 30  # a loaded 2-core machine's scheduling on top of the shaper's queue
LINK = (
    f"attach_s=0.2&delay_ms={DELAY_MS}&jitter_ms=0&loss_pct=0&ul_kbps={RATE_KBPS}&dl_kbps={RATE_KBPS}"
    "&rrc_setup_ms=100&inactivity_s=30"
)
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?{LINK}"
    rat = "nbiot"
"""
PLAN = f"""
    [[case]]
    id = "rrul"
    test = "test_latency_under_load"
    limits.rtt_unloaded_p50_ms = {{ high = 1000 }}
    limits.rtt_ul_increase_p50_ms = {{ low = 0 }}
    [case.params]
    probes = 4
    interval_s = 0.25
    timeout_s = 20
    ul_load_rate_kbps = {LOAD_KBPS}
    dl_load_rate_kbps = {LOAD_KBPS}
    load_payload_bytes = 200
    settle_s = {SETTLE_S}
"""


def test_loaded_probes_wait_behind_the_load(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("latency")

    result = plan_tester.run("-rs")

    result.assert_outcomes(passed=1)
    samples = read_samples(
        plan_tester.run_dir.path / "tests" / "rrul@nb-a" / "samples-latency_under_load.parquet"
    )
    assert samples.columns[0] == "t_s"
    assert samples["phase"].unique().tolist() == ["unloaded", "ul_loaded", "dl_loaded"]
    assert samples["t_s"].is_monotonic_increasing  # one clock across the phases
    values = plan_tester.measurements().set_index("metric")["value"]
    # what the offer beyond the rate has queued by the time the first probe is sent, in air time; half of it
    # as the bound leaves room for an AT interface that offered less than asked
    least_wait_ms = 1000 * (LOAD_KBPS - RATE_KBPS) * SETTLE_S / RATE_KBPS
    assert values["rtt_ul_loaded_p50_ms"] > values["rtt_unloaded_p50_ms"] + least_wait_ms / 2
    assert values["rtt_dl_loaded_p50_ms"] > values["rtt_unloaded_p50_ms"] + least_wait_ms / 2
    assert values["rtt_ul_increase_p50_ms"] == values["rtt_ul_loaded_p50_ms"] - values["rtt_unloaded_p50_ms"]
    assert 0 < values["ul_load_goodput_kbps"] <= RATE_KBPS


HOST_PATH_REASON = iperf3_problem() or netns.missing_net_admin()
HOST_RATE_KBPS = 2000
HOST_LOAD_KBPS = 3000  # 1.5 times the rate: the queue stays full, a third of what arrives is dropped
HOST_LINK = (
    f"rx=1&attach_s=0.2&delay_ms=10&jitter_ms=0&loss_pct=0&ul_kbps={HOST_RATE_KBPS}&dl_kbps={HOST_RATE_KBPS}"
    "&datapath=netns"
)
HOST_RIG = f"""
    [[module]]
    id = "rc-a"
    port = "virtual://rg255c?{HOST_LINK}"
    rat = "redcap"
"""
HOST_PLAN = f"""
    [[case]]
    id = "host-rrul"
    test = "test_host_latency_under_load"
    [case.params]
    probes = 10
    interval_s = 0.1
    timeout_s = 5
    ul_load_rate_kbps = {HOST_LOAD_KBPS}
    dl_load_rate_kbps = {HOST_LOAD_KBPS}
    load_payload_bytes = 1200
    settle_s = 1.0
"""


@pytest.mark.skipif(HOST_PATH_REASON is not None, reason=f"host data path: {HOST_PATH_REASON}")
def test_host_probes_wait_in_the_shapers_queue_and_no_longer(
    plan_tester: PlanTester, rate_measurement_slot: None
) -> None:
    """Over the host data interface the queue is tbf's, bounded at the relay's queue_ms: a load at twice
    the rate keeps it full, so the loaded round trip grows by about queue_ms and not beyond (the rest is
    dropped)."""
    plan_tester.write_rig(HOST_RIG)
    plan_tester.write_plan(HOST_PLAN)
    plan_tester.write_family("latency")

    plan_tester.run("-rs").assert_outcomes(passed=1)

    values = plan_tester.measurements().set_index("metric")["value"]
    queue_ms = DataInterfaceOptions().queue_ms
    for direction in ("ul", "dl"):
        assert queue_ms / 2 < values[f"rtt_{direction}_increase_p50_ms"] < queue_ms + SLACK_MS, direction
        assert values[f"{direction}_load_goodput_kbps"] == pytest.approx(HOST_RATE_KBPS, rel=0.15)
