"""harness.traffic.power_save against a virtual BC660K and its rail, timers at a tenth of their coded
length (timer_scale=0.1): grants equal the network policy, PSM entry follows T3324, the sleep floor and the
charge of a report follow the rail's model (harness.power.module_currents), downlink is paged in T3324 and
held in PSM, the periodic TAU comes when predicted, and a wrong prediction is flagged. One report cycle
(about 40 s) serves every test of the module; every wait in it has a deadline."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import AbstractContextManager
from types import MappingProxyType

import pytest

from harness.dialects import ModemLink, connect
from harness.power import (
    CurrentRecording,
    PowerAnalyzer,
    marker_window,
    markers_of,
    open_analyzer,
    record_current,
)
from harness.power.module_currents import BC660K, CAT1
from harness.power.wake_schedule import WakeEvent
from harness.rig import Power, PowerChannel
from harness.traffic.power_save import PowerSaveResult, PowerSaveSpec, run_power_save
from harness.traffic.power_save_cycle import schedule_checks
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN

SCALE = 0.1
URL = (
    "virtual://bc660k?attach_s=0&delay_ms=5&jitter_ms=0&rrc_setup_ms=50&loss_pct=0&inactivity_s=0.3"
    f"&timer_scale={SCALE}&psm=clamp&min_tau_s=150"
)
SPEC = PowerSaveSpec(
    active_time_s=20,  # runs 2 s
    periodic_tau_s=120,  # the network clamps it to 150 s (runs 15 s)
    timer_scale=SCALE,
    sleep_s=10.0,
    observe_tau=True,
    paging_cycle_s=2.56 * SCALE,
    tolerance_s=1.5,
    floor_ua=BC660K.psm_floor_ua,
    off_s=0.05,
    event_timeout_s=20.0,
    attempt_timeout_s=20.0,
)


class Meter:
    def __init__(self, analyzer: PowerAnalyzer) -> None:
        self._analyzer = analyzer

    def record(self, *, sample_rate_hz: float | None = None) -> AbstractContextManager[CurrentRecording]:
        return record_current(self._analyzer, sample_rate_hz=sample_rate_hz)


@pytest.fixture(scope="module")
def cycle() -> Iterator[tuple[PowerSaveResult, ModemLink]]:
    link = connect(URL)
    try:
        link.modem.attach(None, timeout_s=10)
        power = Power(
            id="rail", analyzer="virtual", channels=MappingProxyType({"nb": 1}), options=MappingProxyType({})
        )
        analyzer = open_analyzer(PowerChannel(power=power, channel=1, module_id="nb"), port=link.port)
        try:
            yield run_power_save(link.modem, SPEC, meter=Meter(analyzer), server_host="127.0.0.1"), link
        finally:
            analyzer.close()
    finally:
        link.close()


def value(result: PowerSaveResult, metric: str) -> float:
    found = result.summary[metric].value
    assert found is not None, f"{metric} is missing"
    return found


def test_granted_timers_are_the_network_policy(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    result, _ = cycle
    assert value(result, "requested_t3412_s") == 120
    assert value(result, "granted_t3412_s") == 150  # clamped to min_tau_s
    assert value(result, "granted_t3324_s") == 20
    assert value(result, "psm_granted_pct") == 100


def test_psm_entry_follows_t3324_in_urcs_and_trace(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    result, _ = cycle
    assert abs(value(result, "psm_entry_delay_s")) <= SPEC.paging_cycle_s
    assert abs(value(result, "psm_entry_trace_delay_s")) <= SPEC.paging_cycle_s


def test_the_sleep_floor_is_the_rail_model(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    result, _ = cycle
    assert value(result, "sleep_current_ua") == pytest.approx(BC660K.psm_floor_ua, rel=0.15)


def test_the_report_charge_follows_the_rail_model(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    """From the wake to the next PSM entry: the connected time at receive current, T3324 at the idle average
    (sleep plus a paging charge per paging cycle), less the floor; transmit of 50 bytes adds little."""
    result, _ = cycle
    segments = result.samples
    wake_s = result.times.report_2_sent_s + result.times.offset_s
    release_s = result.times.last_release_2_s + result.times.offset_s
    in_report = segments[(segments["state"] == "connected") & segments["t_s"].between(wake_s, release_s)]
    # each segment's start on the session clock too (the radio readings' clock): the wake's connection
    # starts after the report was sent and ends in its release, as the module's URCs stamped them
    starts_s = in_report[SESSION_CLOCK_COLUMN]
    assert len(starts_s) > 0, segments
    assert result.times.report_2_sent_s <= starts_s.min(), (result.times, segments)
    assert starts_s.max() <= result.times.last_release_2_s, (result.times, segments)
    connected_s = float(in_report["duration_s"].sum())
    idle_ua = BC660K.idle_sleep_ua + BC660K.paging_charge_uc / SPEC.paging_cycle_s
    expected_uc = connected_s * BC660K.rx_ua + 2.0 * idle_ua
    charge = value(result, "charge_per_report_uc")
    assert charge == pytest.approx(expected_uc, rel=0.25)
    assert value(result, "energy_per_report_mj") == pytest.approx(charge * SPEC.supply_v / 1000)


def test_downlink_is_paged_in_t3324_and_held_in_psm(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    result, _ = cycle
    assert value(result, "dl_reachability_pct") == 100
    assert value(result, "dl_psm_held_pct") == 100
    times = result.times
    assert times.dl_psm_received_s is not None
    assert times.dl_psm_received_s >= times.report_2_sent_s  # not before the module woke
    assert value(result, "ul_wake_latency_s") > 0


def test_the_predicted_schedule_is_seen(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    result, _ = cycle
    events = {check.event for check in result.checks}
    assert events == {WakeEvent.PSM_ENTRY, WakeEvent.PERIODIC_TAU}
    assert all(check.is_match for check in result.checks), result.checks
    assert value(result, "schedule_mismatch_count") == 0


def test_a_wrong_prediction_is_flagged(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    """Predicting from a T3324 twice the granted one misses every PSM entry the trace and URCs show."""
    result, _ = cycle
    wrong = dataclasses.replace(result.timers, active_time_s=2 * result.timers.active_time_s)
    checks = schedule_checks(result.times, spec=SPEC, timers=wrong, trace=result.trace)
    entries = [check for check in checks if check.event is WakeEvent.PSM_ENTRY]
    assert entries
    assert not any(check.is_match for check in entries)


def test_a_module_without_psm_urcs_has_psm_entry_from_the_trace() -> None:
    """ML307R (Cat-1) reports no PSM event: PSM entry comes from the current falling to the Cat-1 floor
    (3 µA, module_currents), the URC figure is missing rather than guessed, and the segments show PSM."""
    link = connect(URL.replace("bc660k", "ml307r").replace("&psm=clamp&min_tau_s=150", ""))
    try:
        link.modem.attach(None, timeout_s=10)
        power = Power(
            id="rail", analyzer="virtual", channels=MappingProxyType({"c1": 1}), options=MappingProxyType({})
        )
        analyzer = open_analyzer(PowerChannel(power=power, channel=1, module_id="c1"), port=link.port)
        spec = dataclasses.replace(
            SPEC, periodic_tau_s=600, observe_tau=False, floor_ua=CAT1.psm_floor_ua, paging_cycle_s=0.128
        )
        try:
            result = run_power_save(link.modem, spec, meter=Meter(analyzer), server_host="127.0.0.1")
        finally:
            analyzer.close()
    finally:
        link.close()
    assert result.summary["psm_entry_delay_s"].value is None
    assert abs(value(result, "psm_entry_trace_delay_s")) <= SPEC.tolerance_s
    assert value(result, "sleep_current_ua") == pytest.approx(CAT1.psm_floor_ua, rel=0.15)
    assert "psm" in set(result.samples["state"])
    assert value(result, "schedule_mismatch_count") == 0


def test_the_trace_carries_the_cycles_events_as_markers(cycle: tuple[PowerSaveResult, ModemLink]) -> None:
    """Each report sent is a marker at its send time on the trace; the PSM URC markers sit where the trace
    falls to the floor (within a paging cycle, as psm_entry_trace_delay_s is checked)."""
    result, _ = cycle
    markers = markers_of(result.trace)
    sent = [m.t_s for m in markers if m.label == "report sent"]
    offset_s = result.times.offset_s
    expected = [result.times.report_1_sent_s + offset_s, result.times.report_2_sent_s + offset_s]
    assert sent == pytest.approx(expected, abs=1e-6)
    psm = [m for m in markers if m.label == "psm_entered"]
    assert psm
    window = marker_window(markers, "report sent", "psm_entered")
    assert window.start_s == pytest.approx(expected[0], abs=1e-6)
