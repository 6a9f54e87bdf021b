"""`prepare = "cold" | "warm"` on test_attach (issue 11 item 2), as a plan on the virtual rig: a cold case
deletes the SIM's stored location before every attempt and measures the virtual module's full attach
(`cold_attach_s`), a warm one its attach with the stored GUTI (`attach_s`); every SIM write is an event with
the old content, the samples and the report say which preparation it was; a cold case on a SIM the rig does
not mark writable is refused before anything runs."""

from __future__ import annotations

import json

# Imported before any in-process run, as in test_access_plan.py (pytester restores sys.modules).
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.results import read_samples

from .plan_tester import PlanTester

WARM_S = 0.2
COLD_S = 1.2
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&attach_s={WARM_S}&cold_attach_s={COLD_S}"
    rat = "nbiot"

    [module.sim]
    writable = true
"""
PLAN = """
    [[case]]
    id = "cold"
    test = "test_attach"
    params = { cycles = 2, off_s = 0.05, attempt_timeout_s = 10.0, prepare = "cold" }
    limits.attach_time_p50_s = { high = 20 }

    [[case]]
    id = "warm"
    test = "test_attach"
    params = { cycles = 2, off_s = 0.05, attempt_timeout_s = 10.0, prepare = "warm" }
    limits.attach_time_p50_s = { high = 20 }
"""


def test_cold_attaches_take_the_full_attach_time_and_warm_ones_the_short_one(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run()

    result.assert_outcomes(passed=2)
    rows = plan_tester.measurements().set_index(["case_id", "metric"])
    cold_s = rows.loc[("cold", "attach_time_p50_s"), "value"]
    warm_s = rows.loc[("warm", "attach_time_p50_s"), "value"]
    assert COLD_S <= cold_s < COLD_S + 1.0
    assert WARM_S <= warm_s < COLD_S
    tests_dir = plan_tester.run_dir.path / "tests"
    cold = read_samples(tests_dir / "cold@nb-a" / "samples-attach.parquet")
    assert cold["prepare"].tolist() == ["cold", "cold"]
    assert (
        read_samples(tests_dir / "warm@nb-a" / "samples-attach.parquet")["prepare"].tolist() == ["warm"] * 2
    )
    events = [json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text().splitlines()]
    writes = [e for e in events if e["event"] == "sim_write"]
    # the first attempt finds the issued card (FPLMN already empty): LOCI, PSLOCI, EPSLOCI; the second
    # only the EPSLOCI the first attach stored again
    assert [(e["test_id"], e["file"]) for e in writes] == [
        ("cold@nb-a", "EF_LOCI 6F7E"),
        ("cold@nb-a", "EF_PSLOCI 6F73"),
        ("cold@nb-a", "EF_EPSLOCI 6FE3"),
        ("cold@nb-a", "EF_EPSLOCI 6FE3"),
    ]
    assert writes[2]["old_hex"].startswith("0BF600F110")  # the GUTI the card held, so it can be restored
    assert writes[2]["new_hex"] == "FF" * 12 + "FFFFFFFFFE01"
    prepared = {e["test_id"]: e["prepare"] for e in events if e["event"] == "sim_prepared"}
    assert prepared == {"cold@nb-a": "cold", "warm@nb-a": "warm"}
    junit = plan_tester.run_dir.junit_xml.read_text(encoding="utf-8")
    assert "SIM prepared cold before every attempt" in junit
    assert "SIM prepared warm" in junit


def test_a_cold_case_on_a_sim_not_marked_writable_is_refused_before_the_run(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG.replace("writable = true", 'apn = "iot.test"'))
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("access")

    result = plan_tester.run()

    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert "params.prepare" in output
    assert "\"cold\" writes the SIM, but module 'nb-a'" in output
    assert "set writable = true in its [module.sim]" in output
