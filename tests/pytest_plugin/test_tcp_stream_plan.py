"""The TCP stream procedure (testplans/test_throughput.py::test_tcp_stream) runs as a plan, in pytester, on
a virtual BC660K and a virtual ML307R: both directions write samples-tcp_stream.parquet and KPIs judged
against limits around the link's TCP payload rate (tests/traffic/test_tcp_stream.py states it)."""

from __future__ import annotations

# Imported before any in-process run, as in test_latency_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.results import read_samples

from .plan_tester import PlanTester

LINK_KBPS = 120
PAYLOAD_KBPS = LINK_KBPS * 1460 / 1500  # full segments, 40 bytes of IPv4 + TCP header each on the air
LINK = (
    f"attach_s=0.2&delay_ms=20&jitter_ms=0&loss_pct=0&ul_kbps={LINK_KBPS}&dl_kbps={LINK_KBPS}"
    "&rrc_setup_ms=0&inactivity_s=30"
)
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?{LINK}"
    rat = "nbiot"

    [[module]]
    id = "cat-a"
    port = "virtual://ml307r?{LINK}"
    rat = "cat1"
"""
PLAN = f"""
    [[case]]
    id = "tcp-ul"
    test = "test_tcp_stream"
    modules = ["nb-a"]
    params = {{ direction = "ul", total_bytes = 14600, interval_s = 0.5, drain_s = 2.0, timeout_s = 20.0 }}
    limits.ul_goodput_kbps = {{ low = {0.9 * PAYLOAD_KBPS:.1f}, high = {1.1 * PAYLOAD_KBPS:.1f} }}

    [[case]]
    id = "tcp-dl"
    test = "test_tcp_stream"
    modules = ["cat-a"]
    params = {{ direction = "dl", rate_kbps = {1.5 * LINK_KBPS}, payload_bytes = 1000, duration_s = 1.0 }}
    limits.dl_goodput_kbps = {{ low = {0.9 * PAYLOAD_KBPS:.1f}, high = {1.1 * PAYLOAD_KBPS:.1f} }}
"""


def test_tcp_stream_cases_run_both_ways(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("throughput")

    result = plan_tester.run("-k", "test_tcp_stream")

    result.assert_outcomes(passed=2)
    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    assert rows.loc[("tcp-ul@nb-a", "ul_goodput_kbps"), "outcome"] == "pass"
    assert rows.loc[("tcp-dl@cat-a", "dl_goodput_kbps"), "outcome"] == "pass"
    series = read_samples(plan_tester.run_dir.path / "tests" / "tcp-ul@nb-a" / "samples-tcp_stream.parquet")
    assert series["goodput_kbps"].notna().all()
