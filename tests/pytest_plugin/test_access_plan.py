"""The access procedures (testplans/test_access.py) run as a plan, in pytester: each case writes its
samples-<engine>.parquet and its KPIs, judged against the plan's limits, on a virtual module whose attach
time is known."""

from __future__ import annotations

import json

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.results import read_samples

from .plan_tester import PlanTester

ATTACH_S = 0.2
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&attach_s={ATTACH_S}"
    rat = "nbiot"
"""
PLAN = """
    [[case]]
    id = "attach"
    test = "test_attach"
    params = { cycles = 2, off_s = 0.05, attempt_timeout_s = 10.0 }
    limits.attach_time_p50_s = { high = 20 }
    limits.attach_success_pct = { low = 98 }

    [[case]]
    id = "grants"
    test = "test_granted_timers"
    params = { periodic_tau_s = 3600, active_time_s = 60, edrx_cycle_s = 20.48, off_s = 0.05 }
    limits.granted_t3324_s = { low = 60, high = 60 }
    limits.psm_granted_pct = { low = 100 }
"""


def test_the_access_plan_writes_samples_and_kpis(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run()

    result.assert_outcomes(passed=2)
    tests_dir = plan_tester.run_dir.path / "tests"
    attach = read_samples(tests_dir / "attach@nb-a" / "samples-attach.parquet")
    assert attach["outcome"].tolist() == ["registered", "registered"]
    grants = read_samples(tests_dir / "grants@nb-a" / "samples-grants.parquet")
    assert grants.loc[0, "granted_t3324_s"] == 60
    rows = plan_tester.measurements().set_index(["case_id", "metric"])
    assert rows.loc[("attach", "attach_success_pct"), "outcome"] == "pass"
    assert rows.loc[("attach", "attach_time_p50_s"), "value"] >= ATTACH_S
    assert rows.loc[("grants", "granted_t3324_s"), "outcome"] == "pass"


def test_a_network_refusing_psm_fails_the_grant_limits(plan_tester: PlanTester) -> None:
    """psm=reject: no T3324 comes back (its limit is `missing`) and psm_granted_pct is 0 (its limit fails)."""
    plan_tester.write_rig(RIG.replace("attach_s=", "psm=reject&attach_s="))
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run("-k", "grants")

    result.assert_outcomes(failed=1, deselected=1)
    rows = plan_tester.measurements().set_index(["case_id", "metric"])
    assert rows.loc[("grants", "granted_t3324_s"), "outcome"] == "missing"
    assert rows.loc[("grants", "psm_granted_pct"), "outcome"] == "fail"


REJECTING_RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&attach_s={ATTACH_S}"
    rat = "nbiot"

    [[module]]
    id = "nb-refused"
    port = "virtual://bc660k?ce=0&attach_s={ATTACH_S}&reject=15&reject.after=1"
    rat = "nbiot"
"""
ATTACH_PLAN = """
    [[case]]
    id = "attach"
    test = "test_attach"
    params = { cycles = 2, off_s = 0.05, attempt_timeout_s = 10.0 }
    limits.attach_success_pct = { low = 98 }
    limits.reject_backoff_violation_count = { high = 0 }
"""
NAMED_CAUSE = "registration denied: EMM cause #15 (no suitable cells in tracking area)"


def test_a_network_that_rejects_fails_the_attach_case_naming_the_cause(plan_tester: PlanTester) -> None:
    """The refusing network lets the module's first registration (its bring-up) through and rejects every
    attempt after it with #15 (harness.virtual.registration_reject): that module's case fails, the other's
    passes, and the cause is in the samples, the report's notes (JUnit properties) and events.jsonl."""
    plan_tester.write_rig(REJECTING_RIG)
    plan_tester.write_plan(ATTACH_PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run()

    result.assert_outcomes(passed=1, failed=1)
    tests_dir = plan_tester.run_dir.path / "tests"
    refused = read_samples(tests_dir / "attach@nb-refused" / "samples-attach.parquet")
    assert refused["outcome"].tolist() == ["rejected", "rejected"]
    assert refused["reject_cause"].tolist() == [15, 15]
    assert refused["reject_cause_name"].tolist() == ["no suitable cells in tracking area"] * 2
    assert read_samples(tests_dir / "attach@nb-a" / "samples-attach.parquet")["reject_count"].sum() == 0
    rows = plan_tester.measurements().set_index(["case_id", "module_id", "metric"])
    assert rows.loc[("attach", "nb-refused", "attach_success_pct"), "outcome"] == "fail"
    assert rows.loc[("attach", "nb-refused", "reject_count"), "value"] == 2
    assert rows.loc[("attach", "nb-refused", "reject_backoff_violation_count"), "outcome"] == "pass"
    assert rows.loc[("attach", "nb-a", "attach_success_pct"), "outcome"] == "pass"
    assert NAMED_CAUSE in plan_tester.run_dir.junit_xml.read_text(encoding="utf-8")
    events = [json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text().splitlines()]
    rejected = [event for event in events if event["event"] == "registration_rejected"]
    assert [(e["test_id"], e["attempt"], e["reject_cause"]) for e in rejected] == [
        ("attach@nb-refused", 1, 15),
        ("attach@nb-refused", 2, 15),
    ]


def test_a_module_refused_from_the_start_fails_its_bring_up_naming_the_cause(plan_tester: PlanTester) -> None:
    """#7 on every attempt: the bring-up's attach stops at once (no retry will come) and says why."""
    plan_tester.write_rig(RIG.replace("attach_s=", "reject=7&attach_s="))
    plan_tester.write_plan(ATTACH_PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*bring-up failed: registration denied: EMM cause #7 (EPS services not allowed)*"]
    )
