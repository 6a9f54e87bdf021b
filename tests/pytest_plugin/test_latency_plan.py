"""The latency procedures (testplans/test_latency.py) run as a plan, in pytester: each case writes its
samples-<engine>.parquet and its KPIs, judged against the plan's limits, on virtual modules whose link
figures are pinned so the measured latencies are known."""

from __future__ import annotations

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.results import read_samples

from .plan_tester import PlanTester

DELAY_MS = 50
RRC_SETUP_MS = 500
LINK = (
    f"attach_s=0.2&delay_ms={DELAY_MS}&jitter_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
    f"&rrc_setup_ms={RRC_SETUP_MS}&inactivity_s=0.3&timer_scale=0.05"
)
SLACK_MS = 250
# the first packet from idle or PSM: the connected round trip plus the RRC set-up, and the AT exchanges' slack
FIRST_LOW_MS = 2 * DELAY_MS + RRC_SETUP_MS
FIRST_HIGH_MS = FIRST_LOW_MS + SLACK_MS
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
    id = "echo-256"
    test = "test_udp_echo"
    modules = ["nb-a"]
    params = {{ probes = 3, payload_bytes = 256, interval_s = 0.1, timeout_s = 5.0, warmup_probes = 1 }}
    limits.rtt_p50_ms = {{ high = {2 * DELAY_MS + SLACK_MS} }}
    limits.jitter_ms = {{ high = {SLACK_MS} }}

    [[case]]
    id = "idle"
    test = "test_first_packet"
    params = {{ start = "idle", attempts = 2, settle_timeout_s = 10.0, timeout_s = 5.0 }}
    limits.rtt_idle_p50_ms = {{ low = {FIRST_LOW_MS}, high = {FIRST_HIGH_MS} }}
    limits.first_packet_loss_pct = {{ high = 0 }}

    [[case]]
    id = "psm"
    test = "test_first_packet"
    params = {{ start = "psm", attempts = 1, active_time_s = 20, settle_timeout_s = 10.0, off_s = 0.05 }}
    limits.rtt_psm_max_ms = {{ low = {FIRST_LOW_MS}, high = {FIRST_HIGH_MS} }}

    [[case]]
    id = "ping"
    test = "test_ping"
    params = {{ requests = 2, interval_s = 0.1, timeout_s = 2, warmup_requests = 1 }}
    limits.ping_rtt_p50_ms = {{ high = {2 * DELAY_MS + SLACK_MS} }}
    limits.ping_loss_pct = {{ high = 0 }}
"""


def test_the_latency_plan_writes_samples_and_kpis(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("latency")

    result = plan_tester.run("-rs")

    # PSM on the ML307R skips: its dialect reports no PSM entry, and PSM is not assumed from the timers
    result.assert_outcomes(passed=6, skipped=1)
    result.stdout.fnmatch_lines(["*module cat-a does not report PSM entry*"])
    tests_dir = plan_tester.run_dir.path / "tests"
    idle = read_samples(tests_dir / "idle@nb-a" / "samples-first_packet.parquet")
    assert idle["state"].tolist() == ["idle", "idle"]
    psm = read_samples(tests_dir / "psm@nb-a" / "samples-first_packet.parquet")
    assert psm["state"].tolist() == ["psm"]
    ping = read_samples(tests_dir / "ping@cat-a" / "samples-ping.parquet")
    assert ping["rtt_ms"].notna().all()
    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    for test_id, metric in [
        ("echo-256@nb-a", "rtt_p50_ms"),
        ("echo-256@nb-a", "jitter_ms"),
        ("idle@nb-a", "rtt_idle_p50_ms"),
        ("idle@cat-a", "rtt_idle_p50_ms"),
        ("psm@nb-a", "rtt_psm_max_ms"),
        ("ping@nb-a", "ping_rtt_p50_ms"),
        ("ping@cat-a", "ping_loss_pct"),
    ]:
        assert rows.loc[(test_id, metric), "outcome"] == "pass", (test_id, metric)
    assert rows.loc[("idle@nb-a", "wakeup_delay_p50_ms"), "value"] >= RRC_SETUP_MS - SLACK_MS
