"""The plugin's radio sampling (harness/pytest_plugin/radio_sampling.py) as a plan run meets it, in pytester:
a case whose RSRP changes midway shows the change in radio.parquet within one sampling interval, its UDP echo
samples carry the readings of their time, and its measurements.csv rows carry the radio KPIs; a procedure
marked off writes no radio.parquet and says why; a bad interval stops the run before anything starts."""

from __future__ import annotations

import html
import json

# Imported before any in-process run, as in test_latency_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pytest

from harness.coverage import NBIOT_TABLE
from harness.results import read_samples
from harness.results.radio import read_radio

from .plan_tester import PlanTester
from .test_html_report import report_tests

EVERY_S = 0.2
# readings come from a thread sharing two loaded cores with the virtual module: allow for a late one
SLACK_S = 0.3
BEFORE_DBM = -95
AFTER_DBM = -112
LINK = "attach_s=0.2&delay_ms=20&jitter_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000&inactivity_s=5"
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?rsrp={BEFORE_DBM}&{LINK}"
    rat = "nbiot"
"""
PLAN = """
    [[case]]
    id = "fade"
    test = "test_echo_through_a_fade"
    params = { probes = 5, payload_bytes = 64, interval_s = 0.2, timeout_s = 5.0, warmup_probes = 0 }

    [[case]]
    id = "quiet"
    test = "test_quiet"
"""
TESTS = f"""
    import json

    import pandas as pd
    import pytest

    from harness.traffic import UdpEchoSpec, run_udp_echo


    @pytest.mark.procedure(spec=UdpEchoSpec)
    def test_echo_through_a_fade(case, registered_modem, radio, echo_server, kpis, evidence):
        first = run_udp_echo(registered_modem, echo_server.address, case.spec)
        changed_s = registered_modem.session.now_s()
        radio.set_conditions({{"rsrp": {AFTER_DBM}, "sinr_db": -5}})
        second = run_udp_echo(registered_modem, echo_server.address, case.spec)
        evidence.write_samples("udp_echo", pd.concat([first.samples, second.samples], ignore_index=True))
        (evidence.dir / "changed.json").write_text(json.dumps({{"changed_s": changed_s}}))
        kpis.record_all(second.summary)


    @pytest.mark.radio_sampling(every_s=0, reason="the UART must stay quiet")
    def test_quiet(case, registered_modem, evidence):
        pass
"""


def test_a_change_of_rsrp_shows_in_radio_parquet_and_the_joined_samples(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    result = plan_tester.run(f"--radio-every-s={EVERY_S}")

    result.assert_outcomes(passed=2)
    fade_dir = plan_tester.run_dir.path / "tests" / "fade@nb-a"
    changed_s = json.loads((fade_dir / "changed.json").read_text())["changed_s"]
    readings = read_radio(fade_dir)
    assert readings.columns[0] == "t_s"
    assert readings["read_error"].isna().all(), readings["read_error"]
    assert (readings.loc[readings["t_s"] < changed_s, "rsrp_dbm"] == BEFORE_DBM).all()
    first_after_s = readings.loc[readings["rsrp_dbm"] == AFTER_DBM, "t_s"].min()
    assert changed_s < first_after_s <= changed_s + EVERY_S + SLACK_S, (changed_s, readings)
    assert (readings.loc[readings["t_s"] > first_after_s, "rsrp_dbm"] == AFTER_DBM).all()
    assert (readings.loc[readings["t_s"] > first_after_s, "ce_level"] == 1).all()  # -112 dBm is CE1 [R19]

    samples = read_samples(fade_dir / "samples-udp_echo.parquet")
    assert samples["rsrp_dbm"].notna().all(), samples
    before = samples[samples["sent_s"] < changed_s]
    late = samples[samples["sent_s"] > changed_s + EVERY_S + SLACK_S]
    assert len(before) == 5
    assert len(late) >= 2
    assert (before["rsrp_dbm"] == BEFORE_DBM).all()
    assert (late["rsrp_dbm"] == AFTER_DBM).all()
    assert (late["radio_t_s"] <= late["sent_s"]).all()

    rows = plan_tester.measurements()
    fade = rows[rows["test_id"] == "fade@nb-a"].set_index("metric")
    assert fade.loc["rsrp_p50_dbm", "unit"] == "dbm"
    assert BEFORE_DBM >= fade.loc["rsrp_p50_dbm", "value"] >= AFTER_DBM
    shares = fade.loc[[f"class_{name}_pct" for name in NBIOT_TABLE.names], "value"]
    assert shares.sum() == pytest.approx(100.0)
    assert fade.loc["class_poor_pct", "value"] > 0  # -112 dBm, SINR -5 dB: poor (indicators.md §2.1)
    assert fade.loc["radio_read_failures_count", "value"] == 0
    # the report's Coverage column names the class and the table it comes from
    (entry,) = report_tests(plan_tester.run_dir.report_html)[
        "test_procedures.py::test_echo_through_a_fade[fade@nb-a]"
    ]
    coverage_cell = entry["resultsTableRow"][4]
    assert NBIOT_TABLE.source in html.unescape(coverage_cell)
    assert any(f"{name} (" in coverage_cell for name in NBIOT_TABLE.names), coverage_cell


def test_sampling_marked_off_writes_no_radio_and_says_why(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(TESTS)

    result = plan_tester.run(f"--radio-every-s={EVERY_S}", "-k", "quiet")

    result.assert_outcomes(passed=1)
    assert not (plan_tester.run_dir.path / "tests" / "quiet@nb-a" / "radio.parquet").exists()
    events = [json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text().splitlines()]
    (off,) = [e for e in events if e["event"] == "radio_sampling_off"]
    assert off["reason"] == "the UART must stay quiet"
    assert off["test_id"] == "quiet@nb-a"


@pytest.mark.parametrize(
    ("option", "marker", "expected"),
    [
        ("--radio-every-s=-1", "", "*--radio-every-s '-1'*must be 0 (off)*"),
        ("--radio-every-s=1", "@pytest.mark.radio_sampling(every_s='often')", "*test_quiet: marker*'often'*"),
    ],
)
def test_a_bad_interval_stops_the_run(
    plan_tester: PlanTester, option: str, marker: str, expected: str
) -> None:
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(
        f"""
        import pytest

        def test_echo_through_a_fade(case):
            pass

        {marker}
        def test_quiet(case):
            pass
        """
    )

    result = plan_tester.run(option)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])
