"""Tests of harness.report.coverage_summary: the class of a test point from its radio KPIs, the table
named, the text escaped, and nothing shown for a test without radio readings."""

from __future__ import annotations

from harness.coverage import NBIOT_TABLE, radio_kpis
from harness.kpi import KpiRecorder, Measurement
from harness.rat import Rat
from harness.report.coverage_summary import coverage_html, coverage_label
from harness.traffic.radio_sampler import readings_frame


def measurements_of(rows: list[dict[str, object]], rat: Rat) -> tuple[Measurement, ...]:
    recorder = KpiRecorder({})
    recorder.record_all(radio_kpis(readings_frame(rows), rat))
    return recorder.evaluate_all()


def test_the_class_comes_from_the_medians_and_names_its_table() -> None:
    measurements = measurements_of(
        [{"t_s": float(i), "rsrp_dbm": -95.0, "sinr_db": 12.0, "ce_level": 0} for i in range(3)], Rat.NB_IOT
    )
    assert coverage_label(Rat.NB_IOT, measurements) == f"good ({NBIOT_TABLE.source})"
    text = coverage_html(Rat.NB_IOT, measurements)
    assert text is not None
    assert "RSRP -95 dBm, SINR 12 dB, RSRQ — dB, CE level 0" in text
    assert "readings per class: excellent 0 %, good 100 %, medium 0 %, poor 0 %" in text


def test_readings_that_all_failed_give_an_unknown_class() -> None:
    measurements = measurements_of([{"t_s": 0.0, "read_error": "ATTimeout: <no answer>"}], Rat.CAT1)
    assert (coverage_label(Rat.CAT1, measurements) or "").startswith("unknown (")


def test_nothing_is_shown_without_radio_kpis() -> None:
    assert coverage_label(Rat.REDCAP, ()) is None
    assert coverage_html(Rat.REDCAP, ()) is None
