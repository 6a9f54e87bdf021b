"""test_host_echo (testplans/test_latency.py) as a plan on a virtual RG255C with a host data interface: UDP
echo from the host over the module's interface (via="host"), the RedCap latency path, whose median round
trip is the virtual link's (harness.virtual.link.expected_rtt_median_ms, never typed), by payload size.

Tolerance: 10 ms on a 40 ms median (delay_ms=20 each way), as tests/virtual/test_host_data_path.py: a relay
adding no delay, or twice it, fails; a loaded 2-core machine's scheduling (a few ms) passes. Needs root and
iperf3 (the host data path fixture's conditions); skipped with that reason otherwise.
"""

from __future__ import annotations

import dataclasses

# Imported before any in-process run, as in test_throughput_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pytest

from harness import netns
from harness.results import read_samples
from harness.server.iperf import iperf3_problem
from harness.virtual.link import expected_rtt_median_ms
from harness.virtual.profiles import REDCAP_1RX

from .plan_tester import PlanTester

HOST_PATH_REASON = iperf3_problem() or netns.missing_net_admin()
DELAY_MS = 20.0
TOLERANCE_MS = 10.0
LINK = dataclasses.replace(REDCAP_1RX.links[0], delay_ms=DELAY_MS, jitter_ms=0.0, loss_pct=0.0)
PAYLOADS = (64, 1024)

RIG = f"""
    [[module]]
    id = "rc-a"
    port = "virtual://rg255c?rx=1&attach_s=0.2&delay_ms={DELAY_MS:g}&jitter_ms=0&loss_pct=0&datapath=netns"
    rat = "redcap"
"""
PLAN = """
    [[case]]
    id = "host-echo"
    test = "test_host_echo"
    params = { probes = 10, interval_s = 0.1, timeout_s = 5, warmup_probes = 1 }
    sweep = { payload_bytes = [64, 1024] }
    limits.loss_pct = { high = 0 }
"""


@pytest.mark.skipif(HOST_PATH_REASON is not None, reason=f"host data path: {HOST_PATH_REASON}")
def test_host_echo_has_the_links_round_trip_by_payload_size(
    plan_tester: PlanTester, rate_measurement_slot: None
) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("latency")

    plan_tester.run("-rs").assert_outcomes(passed=len(PAYLOADS))

    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    for payload_bytes in PAYLOADS:
        test_id = f"host-echo.payload_bytes-{payload_bytes}@rc-a"
        assert rows.loc[(test_id, "loss_pct"), "outcome"] == "pass"
        median_ms = rows.loc[(test_id, "rtt_p50_ms"), "value"]
        assert median_ms == pytest.approx(expected_rtt_median_ms(LINK, payload_bytes), abs=TOLERANCE_MS)
        samples = read_samples(plan_tester.run_dir.path / "tests" / test_id / "samples-host_echo.parquet")
        assert len(samples) == 11  # the warm-up probe and ten more, every one answered
