"""The uplink procedures (testplans/test_uplink.py) run as a plan, in pytester, on virtual modules whose link
figures are pinned: every report is delivered on the lossless link, each report's latency lies within the
slack of the link model's one-way figure from idle (RRC set-up, air time, network delay; computed from
harness.virtual.link, not typed in), reports leave from PSM or idle as asked, and the saturation goodput is
the link's payload rate, tagged with the module's CE level. The ML307R (no PSM report) skips the PSM case."""

from __future__ import annotations

import dataclasses

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.results import read_samples
from harness.virtual.link import CE_PROFILES, IPV4_UDP_HEADER_BYTES, airtime_ms

from .plan_tester import PlanTester

PAYLOAD_BYTES = 50
LINK = dataclasses.replace(
    CE_PROFILES[0], delay_ms=50.0, jitter_ms=0.0, ul_kbps=40.0, dl_kbps=40.0, loss_pct=0.0,
    rrc_setup_ms=400.0, inactivity_s=0.4,
)  # fmt: skip
LINK_FIELDS = ("delay_ms", "jitter_ms", "ul_kbps", "dl_kbps", "loss_pct", "rrc_setup_ms", "inactivity_s")
OPTIONS = (
    "&".join(f"{name}={getattr(LINK, name):g}" for name in LINK_FIELDS) + "&attach_s=0.1&timer_scale=0.05"
)
SLACK_MS = 250.0  # the AT exchange of the send and the server's receipt, on a loaded machine
ONE_WAY_MS = LINK.rrc_setup_ms + airtime_ms(PAYLOAD_BYTES, LINK.ul_kbps) + LINK.delay_ms
SAT_BYTES = 200
LINK_PAYLOAD_KBPS = LINK.ul_kbps * SAT_BYTES / (SAT_BYTES + IPV4_UDP_HEADER_BYTES)
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=1&{OPTIONS}"
    rat = "nbiot"

    [[module]]
    id = "cat-a"
    port = "virtual://ml307r?{OPTIONS}"
    rat = "cat1"
"""
REPORTS = (
    f"reports = 2, payload_bytes = {PAYLOAD_BYTES}, interval_s = 1.6, late_s = 2, settle_timeout_s = 5, "
    "drain_s = 3"
)
LATENCY = f"{{ low = {ONE_WAY_MS}, high = {ONE_WAY_MS + SLACK_MS} }}"
PLAN = f"""
    [[case]]
    id = "psm-rai"
    test = "test_periodic_reports"
    params = {{ {REPORTS}, sleep = "psm", release = "rai", active_time_s = 20, off_s = 0.05 }}
    limits.delivery_ratio_pct = {{ low = 100 }}
    limits.ul_report_latency_min_ms = {LATENCY}
    limits.ul_report_latency_max_ms = {LATENCY}
    limits.reports_from_psm_pct = {{ low = 100 }}

    [[case]]
    id = "idle"
    test = "test_periodic_reports"
    params = {{ {REPORTS}, sleep = "idle", release = "network" }}
    limits.delivery_ratio_pct = {{ low = 100 }}
    limits.ul_report_latency_max_ms = {LATENCY}
    limits.reports_from_idle_pct = {{ low = 100 }}

    [[case]]
    id = "sat"
    test = "test_uplink_saturation"
    modules = ["nb-a"]
    params = {{ payload_bytes = {SAT_BYTES}, rate_kbps = {3 * LINK.ul_kbps}, packets = 12, drain_s = 1 }}
    limits.ul_goodput_kbps = {{ low = {0.97 * LINK_PAYLOAD_KBPS}, high = {1.03 * LINK_PAYLOAD_KBPS} }}
    limits.ce_level_count = {{ low = 1, high = 1 }}
"""


def test_the_uplink_plan_delivers_every_report_with_the_link_models_latency(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("uplink")

    result = plan_tester.run("-rs")

    result.assert_outcomes(passed=4, skipped=1)
    result.stdout.fnmatch_lines(["*module cat-a does not report PSM entry*"])
    tests_dir = plan_tester.run_dir.path / "tests"
    psm = read_samples(tests_dir / "psm-rai@nb-a" / "samples-uplink_reports.parquet")
    assert psm["state"].tolist() == ["psm", "psm"]
    assert psm["rai"].tolist() == [1, 1]
    assert (psm["ce_level"] == 1).all()
    idle = read_samples(tests_dir / "idle@cat-a" / "samples-uplink_reports.parquet")
    assert idle["state"].tolist() == ["idle", "idle"]
    assert idle["is_delivered"].all()
    # the plan tester's rig sets capture "off": the engines capture nothing and arrivals are the sink's
    assert set(psm["arrival_source"]) == set(idle["arrival_source"]) == {"sink"}
    assert not list(tests_dir.glob("*/capture-*.pcap"))
    saturation = read_samples(tests_dir / "sat@nb-a" / "samples-uplink_saturation.parquet")
    assert (saturation["ce_level"] == 1).all()
    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    for test_id, metric in [
        ("psm-rai@nb-a", "delivery_ratio_pct"),
        ("psm-rai@nb-a", "ul_report_latency_min_ms"),
        ("psm-rai@nb-a", "ul_report_latency_max_ms"),
        ("psm-rai@nb-a", "reports_from_psm_pct"),
        ("idle@nb-a", "ul_report_latency_max_ms"),
        ("idle@cat-a", "delivery_ratio_pct"),
        ("idle@cat-a", "reports_from_idle_pct"),
        ("sat@nb-a", "ul_goodput_kbps"),
        ("sat@nb-a", "ce_level_count"),
    ]:
        assert rows.loc[(test_id, metric), "outcome"] == "pass", (test_id, metric)
