"""The TCP connect procedure (testplans/test_latency.py::test_tcp_connect) runs as a plan, in pytester, on
a virtual BC660K and a virtual ML307R whose link figures are pinned: each case writes
samples-tcp_connect.parquet and its KPIs, judged against the plan's limits; a module without AT TCP sockets
skips with the reason."""

from __future__ import annotations

# Imported before any in-process run, as in test_latency_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.results import read_samples

from .plan_tester import PlanTester

DELAY_MS = 50
SLACK_MS = 250
LINK = (
    f"attach_s=0.2&delay_ms={DELAY_MS}&jitter_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
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

    [[module]]
    id = "plain"
    port = "virtual://generic?{LINK}"
    rat = "cat1"
"""
PLAN = f"""
    [[case]]
    id = "connect"
    test = "test_tcp_connect"
    params = {{ connects = 3, interval_s = 0.05, timeout_s = 5 }}
    limits.tcp_connect_time_p50_ms = {{ low = {2 * DELAY_MS}, high = {2 * DELAY_MS + SLACK_MS} }}
    limits.connect_success_pct = {{ low = 100 }}
"""


def test_the_tcp_connect_case_runs_on_bc660k_and_ml307r(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("latency")

    result = plan_tester.run("-rs", "-k", "test_tcp_connect")

    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*module plain has no AT TCP socket*"])
    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    for module in ("nb-a", "cat-a"):
        test_dir = plan_tester.run_dir.path / "tests" / f"connect@{module}"
        samples = read_samples(test_dir / "samples-tcp_connect.parquet")
        assert samples["is_connected"].tolist() == [True, True, True]
        for metric in ("tcp_connect_time_p50_ms", "connect_success_pct"):
            assert rows.loc[(f"connect@{module}", metric), "outcome"] == "pass", (module, metric)
