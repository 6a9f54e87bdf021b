"""Per-operator runs as a plan (issue 11 item 3): `[plan] operators` runs each case once per operator on the
modules with a SIM of it, grouped by operator, the module switched to that SIM before its cases
(harness.sim_card.rotation); the operator is in the test id, in measurements.csv and in the cross-run
report's indicator rows. A wrong or missing card is an error of that operator's first case (later ones
skip naming it) while the other operator's cases pass."""

from __future__ import annotations

import json

# Imported before any in-process run, as in test_access_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401

from harness.report.indicator_tables import indicator_table
from harness.report.run_set import load_runs

from .plan_tester import PlanTester

ICCID_1 = "89860000000000000017"
ICCID_2 = "89861100000000000025"
CARDS = (
    "attach_s=0.2&sim_slots=2&plmn=46000&imsi=460000000000017"
    f"&iccid={ICCID_1}&sim2.plmn=46011&sim2.imsi=460110000000025&sim2.iccid={{second}}{{more}}"
)
SIMS = f"""
    [[module.sims]]
    operator = "46000"
    apn = "cmiot"
    iccid = "{ICCID_1}"
    slot = 1

    [[module.sims]]
    operator = "46011"
    apn = "ctnet"
    iccid = "{ICCID_2}"
    slot = 2
"""


def module(module_id: str, *, second: str = ICCID_2, more: str = "") -> str:
    port = "virtual://rg255c?" + CARDS.format(second=second, more=more)
    return f'\n    [[module]]\n    id = "{module_id}"\n    port = "{port}"\n    rat = "redcap"\n' + SIMS


ATTACH = """
    operators = ["46000", "46011"]

    [[case]]
    id = "attach"
    test = "test_attach"
    repeat = {repeat}
    params = {{ cycles = 1, off_s = 0.05, attempt_timeout_s = 10.0 }}
    limits.attach_success_pct = {{ low = 98 }}
"""


def test_cases_run_per_operator_grouped_with_the_operator_in_the_test_id(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(
        module("dual")
        + '\n    [[module]]\n    id = "single"\n    port = "loop://"\n    rat = "redcap"\n'
        + '    [module.sim]\n    operator = "46011"\n'
    )
    plan_tester.write_plan(
        """
        operators = ["46011", "46000"]

        [[case]]
        id = "one"
        test = "test_one"

        [[case]]
        id = "two"
        test = "test_two"
        """
    )
    plan_tester.write_tests(
        """
        def test_one(case):
            pass

        def test_two(case):
            pass
        """
    )
    assert plan_tester.collected_ids() == [
        "one.operator-46011@dual",
        "one.operator-46011@single",
        "two.operator-46011@dual",
        "two.operator-46011@single",
        "one.operator-46000@dual",
        "two.operator-46000@dual",
    ]


def test_a_two_operator_sweep_writes_rows_per_operator(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(module("dual"))
    plan_tester.write_plan(ATTACH.format(repeat=1))
    plan_tester.write_family("access")

    plan_tester.run("-rs").assert_outcomes(passed=2)

    rows = plan_tester.measurements()
    success = rows[rows["metric"] == "attach_success_pct"]
    assert list(zip(success["test_id"], success["case_id"], success["operator"], strict=True)) == [
        ("attach.operator-46000@dual", "attach", "46000"),
        ("attach.operator-46011@dual", "attach", "46011"),
    ]
    table = indicator_table(load_runs([plan_tester.run_dir.path]).measurements)
    success_rows = table[table["metric"] == "attach_success_pct"]
    assert sorted(success_rows["operator"]) == ["46000", "46011"]
    events = [json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text().splitlines()]
    switches = [(e["test_id"], e["operator"], e["slot"]) for e in events if e["event"] == "sim_switch"]
    assert switches == [
        ("attach.operator-46000@dual", "46000", 1),
        ("attach.operator-46011@dual", "46011", 2),
    ]
    at_log = (plan_tester.run_dir.test_dir("attach.operator-46011@dual") / "at.log").read_text()
    assert "AT+QUIMSLOT=2" in at_log
    exchanges = [line for line in at_log.splitlines() if not line.startswith("#")]  # not the port's URL
    assert "+QCCID: h:" in "\n".join(exchanges)
    assert not [line for line in exchanges if ICCID_2 in line]  # hashed, as every identifier in a transcript


def test_a_wrong_or_missing_card_errors_its_operator_while_the_other_passes(plan_tester: PlanTester) -> None:
    wrong = "89861100000000000991"
    plan_tester.write_rig(module("wrong", second=wrong) + module("empty", more="&sim2.inserted=0"))
    plan_tester.write_plan(ATTACH.format(repeat=2))
    plan_tester.write_family("access")

    result = plan_tester.run("-rsE")

    result.assert_outcomes(passed=4, errors=2, skipped=2)
    output = result.stdout.str()
    expected = "the rig expects ICCID ending in 0025"
    assert (
        "module wrong SIM rotation failed: module wrong slot 2, operator 46011: wrong SIM: ICCID hash"
        in output
    )
    assert "module empty slot 2, operator 46011: no SIM (+CME ERROR: 10, SIM not inserted)" in output
    assert output.count(expected) >= 2
    assert wrong not in output  # the card read is shown by its hash only
    assert "its SIM of operator 46011 failed earlier" in output
    record = plan_tester.run_record()
    assert record.outcome_counts["error"] == 2
