"""The rig's modules brought up once per run and shared (harness/pytest_plugin/modems.py, through the
`registered_modem` fixture), seen through pytest runs in pytester.

The bring-up failure uses a module whose port is /dev/null: a device path that exists, so the rig is valid,
but not a terminal, so opening it as a serial port fails at once (termios refuses it). That is the honest
cheap case of "the rig names the wrong device": no timeout to wait for and no virtual module to start.
SIM preparation (harness.dialects.sim) is seen here as users meet it: its notes as warnings and in at.log,
its refusals (wrong ICCID, another PLMN) as one bring-up error; its rules have their own tests.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.results import read_run_record
from harness.transport.port_lock import hold_port, this_holder
from harness.virtual import parse_virtual_url

from .plan_tester import PlanTester

VIRTUAL_PORT = "virtual://bc660k?ce=0&attach_s=0"

TWO_CASES = """
    [[case]]
    id = "first"
    test = "test_needs_modem"

    [[case]]
    id = "second"
    test = "test_needs_modem"
"""

ONE_CASE = """
    [[case]]
    id = "first"
    test = "test_needs_modem"
"""

NEEDS_MODEM = """
    def test_needs_modem(case, registered_modem):
        registered_modem.registration()
"""


def test_a_failed_bring_up_errors_once_then_skips_naming_the_cause(plan_tester: PlanTester) -> None:
    plan_tester.write_rig('[[module]]\nid = "wrong-device"\nport = "/dev/null"\nrat = "nbiot"\n')
    plan_tester.write_plan(TWO_CASES)
    plan_tester.write_tests(NEEDS_MODEM)

    result = plan_tester.run("-rs")

    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_needs_modem[[]first@wrong-device[]]*",
            "*SKIPPED*module wrong-device bring-up failed: cannot open /dev/null*",
        ]
    )
    assert dict(plan_tester.run_record().outcome_counts) == {"error": 1, "skipped": 1}


def test_one_bring_up_serves_every_test_of_the_module(plan_tester: PlanTester) -> None:
    """Starts one virtual module (attach_s=0 keeps it quick): recorded once in run.json, hashed, and each
    test's AT transcript in its own at.log."""
    plan_tester.write_rig(
        f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n'
        '[module.sim]\noperator = "00101"\napn = "iot.test"\n'
    )
    plan_tester.write_plan(TWO_CASES)
    plan_tester.write_tests(NEEDS_MODEM)

    plan_tester.run().assert_outcomes(passed=2)

    (module,) = read_run_record(plan_tester.run_dir.run_json).modules
    assert module.module_id == "nb-a"
    assert module.dialect == "quectel_nbiot"
    assert module.operator == "00101"
    assert module.imei_hash is not None
    assert module.imei_hash.startswith("h:")
    identity = parse_virtual_url(VIRTUAL_PORT).identity
    run_json = plan_tester.run_dir.run_json.read_text(encoding="utf-8")
    assert not any(raw in run_json for raw in (identity.imei, identity.imsi, identity.iccid))
    first_log = (plan_tester.run_dir.test_dir("first@nb-a") / "at.log").read_text(encoding="utf-8")
    second_log = (plan_tester.run_dir.test_dir("second@nb-a") / "at.log").read_text(encoding="utf-8")
    # bring-up (identity, attach) belongs to the first test only; both tests' own commands are logged
    assert "AT+CGSN" in first_log
    assert "AT+CGSN" not in second_log
    assert "AT+CEREG?" in first_log
    assert "AT+CEREG?" in second_log


def test_sim_preparation_notes_reach_the_warnings_and_the_at_log(plan_tester: PlanTester) -> None:
    """An operator given by name cannot be checked against the registered PLMN: the bring-up goes on and
    says so, in the warnings and in the test's at.log."""
    plan_tester.write_rig(
        f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n'
        '[module.sim]\noperator = "Test Network"\napn = "iot.test"\n'
    )
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests(NEEDS_MODEM)

    result = plan_tester.run()

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*UserWarning: module nb-a: operator 'Test Network' is a name, not a PLMN*"])
    at_log = (plan_tester.run_dir.test_dir("first@nb-a") / "at.log").read_text(encoding="utf-8")
    assert "SIM preparation: operator 'Test Network' is a name, not a PLMN" in at_log
    (module,) = read_run_record(plan_tester.run_dir.run_json).modules
    assert (module.operator, module.apn) == ("00101", "iot.test")  # the registered PLMN; the APN set


def test_a_wrong_sim_fails_the_bring_up_once_with_the_reason(plan_tester: PlanTester) -> None:
    iccid = parse_virtual_url(VIRTUAL_PORT).identity.iccid
    expected = "89001012345678909999"
    assert iccid[-4:] != expected[-4:]
    plan_tester.write_rig(
        f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n'
        f'[module.sim]\niccid = "{expected}"\n'
    )
    plan_tester.write_plan(TWO_CASES)
    plan_tester.write_tests(NEEDS_MODEM)

    result = plan_tester.run("-rs")

    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"*module nb-a bring-up failed: wrong SIM: its ICCID ends in {iccid[-4:]}, the rig expects one "
            "ending in 9999*",
            "*SKIPPED*module nb-a bring-up failed: wrong SIM*",
        ]
    )
    assert iccid not in result.stdout.str()


def test_registered_on_another_plmn_than_the_rig_s_fails_at_the_manual_selection(
    plan_tester: PlanTester,
) -> None:
    plan_tester.write_rig(
        f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n[module.sim]\noperator = "00102"\n'
    )
    plan_tester.write_plan(TWO_CASES)
    plan_tester.write_tests(NEEDS_MODEM)

    result = plan_tester.run("-rs")

    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        ['*bring-up failed: manual selection of PLMN 00102 failed: AT+COPS=1,2,"00102"*']
    )


def test_a_test_moves_its_module_to_ce2_and_back(plan_tester: PlanTester) -> None:
    """The `radio` fixture: conditions changed for a block of the test and put back after it."""
    plan_tester.write_rig(f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n')
    plan_tester.write_plan(ONE_CASE.replace("test_needs_modem", "test_moves"))
    plan_tester.write_tests(
        """
        from harness.transport.radio_control import changed_conditions

        def test_moves(case, registered_modem, radio):
            before = registered_modem.radio_snapshot().rsrp_dbm
            with changed_conditions(radio, {"ce": 2}):
                assert radio.conditions()["ce"] == 2
                assert registered_modem.radio_snapshot().rsrp_dbm < before
            assert radio.conditions()["ce"] == 0
            assert registered_modem.radio_snapshot().rsrp_dbm == before
        """
    )
    plan_tester.run().assert_outcomes(passed=1)


def test_a_swept_case_holds_each_coverage_level_and_puts_it_back(plan_tester: PlanTester) -> None:
    """A plan's `sweep = { "conditions.ce" = [...] }`: one case per level, each run at its level."""
    plan_tester.write_rig(f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n')
    plan_tester.write_plan(
        ONE_CASE.replace("test_needs_modem", "test_at_level")
        + 'sweep = { "conditions.ce" = [2, 1] }\n\n[[case]]\nid = "after"\ntest = "test_at_level"\n'
    )
    plan_tester.write_tests(
        """
        from pathlib import Path

        def test_at_level(case, registered_modem):
            Path(f"{case.test_id}.level").write_text(str(registered_modem.radio_snapshot().ce_level))
        """
    )
    plan_tester.run().assert_outcomes(passed=3)

    levels = {path.stem: path.read_text() for path in plan_tester.pytester.path.glob("*.level")}
    assert levels == {"first.ce-2@nb-a": "2", "first.ce-1@nb-a": "1", "after@nb-a": "0"}
    events = [json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text().splitlines()]
    held = [(e["test_id"], e["ce"]) for e in events if e["event"] == "conditions"]
    assert held == [("first.ce-2@nb-a", 2), ("first.ce-1@nb-a", 1)]


def test_a_case_with_conditions_skips_where_the_rig_cannot_set_them(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(f'[[module]]\nid = "nb-a"\nport = "{VIRTUAL_PORT}"\nrat = "nbiot"\n')
    plan_tester.write_plan(ONE_CASE + "conditions = { ce = 2 }\n")
    plan_tester.write_tests(
        """
    import pytest

    @pytest.fixture(autouse=True)
    def no_radio_control(monkeypatch):
        # a rig without an attenuator: what radio_control_of says of a hardware port
        monkeypatch.setattr("harness.pytest_plugin.fixtures.radio_control_of", lambda port: None)
    """
        + NEEDS_MODEM
    )

    result = plan_tester.run("-rs")

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*case first holds radio conditions (ce=2): the rig cannot set them for nb-a*"]
    )


def test_a_module_held_by_another_run_errors_naming_the_holder(
    plan_tester: PlanTester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """/dev/null is a device path, so it is locked like a USB port; the lock is held here, as another run
    on the rig host would hold it."""
    monkeypatch.setenv("MIOT_LOCK_DIR", str(tmp_path / "locks"))
    plan_tester.write_rig('[[module]]\nid = "held"\nport = "/dev/null"\nrat = "nbiot"\n')
    plan_tester.write_plan(TWO_CASES)
    plan_tester.write_tests(NEEDS_MODEM)
    other_run = this_holder("nightly-42", "nb-7", now=datetime(2026, 11, 26, 1, 0, tzinfo=UTC))

    with hold_port("/dev/null", other_run):
        result = plan_tester.run("-rs")

    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*module held: port /dev/null is in use by run nightly-42 (module nb-7,*since 2026-11-26T01:00:00Z*"]
    )


def test_a_run_waits_for_a_held_module_up_to_the_lock_wait(
    plan_tester: PlanTester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Released after 0.5 s, the port is taken by the waiting run, which then meets /dev/null's own error."""
    monkeypatch.setenv("MIOT_LOCK_DIR", str(tmp_path / "locks"))
    plan_tester.write_rig('[[module]]\nid = "held"\nport = "/dev/null"\nrat = "nbiot"\n')
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests(NEEDS_MODEM)
    release = threading.Event()

    def hold_for_a_while() -> None:
        with hold_port("/dev/null", this_holder("nightly-42", "nb-7")):
            release.wait(10.0)

    holder = threading.Thread(target=hold_for_a_while)
    holder.start()
    threading.Timer(0.5, release.set).start()
    try:
        result = plan_tester.run("--lock-wait-s=10")
    finally:
        release.set()
        holder.join()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot open /dev/null*"])
    result.stdout.no_fnmatch_line("*in use by*")


def test_a_lock_wait_that_is_not_seconds_stops_the_run(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests(NEEDS_MODEM)
    result = plan_tester.run("--lock-wait-s=soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--lock-wait-s 'soon': give seconds, a number >= 0*"])
