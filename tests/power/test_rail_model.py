"""harness.power.rail_model: states rendered into current; averages per state against the table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from harness.power.current_steps import sample_means_ua, steps_of
from harness.power.module_currents import BC660K, NBIOT, NRF9160_NB1_EDRX, edrx_average_ua
from harness.power.rail_model import (
    EdrxTiming,
    ModuleHistory,
    ModuleSnapshot,
    RailSpec,
    rail_boxcars,
    state_periods,
)
from harness.virtual.state_timeline import AirKind, AirUse, ModemState

RATE_HZ = 1000.0


def snapshot(*, edrx: EdrxTiming | None = None) -> ModuleSnapshot:
    return ModuleSnapshot(t_s=0.0, edrx=edrx)


def uplink(start_s: float, duration_s: float, tx_power_dbm: float = 10.0) -> AirUse:
    return AirUse(start_s=start_s, duration_s=duration_s, kind=AirKind.UL, tx_power_dbm=tx_power_dbm)


def render(
    changes: list[tuple[float, ModemState]],
    stop_s: float,
    *,
    snap: ModuleSnapshot | None = None,
    air: Sequence[AirUse] = (),
    timer_scale: float = 1.0,
    paging_cycle_s: float = 2.56,
    start_s: float = 0.0,
) -> np.ndarray:
    spec = RailSpec(currents=NBIOT, paging_cycle_s=paging_cycle_s * timer_scale, timer_scale=timer_scale)
    history = ModuleHistory(
        periods=state_periods(changes, stop_s=stop_s), snapshots=[snap or snapshot()], air=air
    )
    boxcars = rail_boxcars(history, spec, window=(start_s, stop_s), rng=np.random.default_rng(7))
    _, means = sample_means_ua(steps_of(boxcars), start_s=start_s, stop_s=stop_s, sample_rate_hz=RATE_HZ)
    return means


def test_psm_averages_the_floor_with_its_dcdc_spikes() -> None:
    means = render([(0.0, ModemState.PSM)], 60.0)
    assert math.isclose(means.mean(), NBIOT.psm_floor_ua, rel_tol=0.05)
    assert np.median(means) < NBIOT.psm_floor_ua  # the base is below the floor, spikes bring the mean to it
    assert means.max() > 5 * NBIOT.psm_floor_ua


def test_idle_drx_averages_sleep_plus_one_paging_charge_per_cycle() -> None:
    stop_s = 2.56 * 20 + 0.5  # paging occasions at 2.56, 5.12, ... 51.2 s after idle entry: 20 of them
    means = render([(0.0, ModemState.IDLE)], stop_s)
    expected = NBIOT.idle_sleep_ua + 20 * NBIOT.paging_charge_uc / stop_s
    assert math.isclose(means.mean(), expected, rel_tol=1e-6)
    peaks = np.flatnonzero(means > NBIOT.rx_ua / 2) / RATE_HZ
    assert np.allclose(np.diff(peaks[np.diff(peaks, prepend=-1) > 0.1]), 2.56, atol=2 / RATE_HZ)


@pytest.mark.parametrize("timer_scale", [1.0, 0.05])
def test_edrx_averages_the_nrf9160_figure_the_table_was_calibrated_on(timer_scale: float) -> None:
    figure = NRF9160_NB1_EDRX
    edrx = EdrxTiming(
        cycle_s=figure.cycle_s * timer_scale, ptw_s=figure.ptw_s * timer_scale, window_start_s=0.0
    )
    stop_s = 5 * edrx.cycle_s
    means = render(
        [(-1.0, ModemState.IDLE)],
        stop_s,
        snap=snapshot(edrx=edrx),
        timer_scale=timer_scale,
        paging_cycle_s=figure.paging_cycle_s,
    )
    # five windows and five wake-ups (the first window's falls before the recording, the sixth's at its end)
    assert math.isclose(means.mean(), edrx_average_ua(figure, NBIOT), rel_tol=0.02)


def test_connected_receives_and_transmits_exactly_in_its_uplink_air_time_at_each_ones_power() -> None:
    air = [
        uplink(0.2, 0.3, tx_power_dbm=23.0),
        uplink(1.0, 0.5, tx_power_dbm=10.0),
        AirUse(start_s=1.6, duration_s=0.2, kind=AirKind.DL, tx_power_dbm=None),
    ]
    means = render([(0.0, ModemState.CONNECTED)], 2.0, air=air)
    assert np.allclose(means[200:500], NBIOT.tx_ua(23.0))
    assert np.allclose(means[1000:1500], NBIOT.tx_ua(10.0))
    rest = np.r_[means[:200], means[500:1000], means[1500:]]
    assert np.allclose(rest, NBIOT.rx_ua)  # downlink is receive current, as the connection's own level


def test_a_long_uplink_stream_charges_its_whole_air_time() -> None:
    # 100 packets of 90 ms back to back: 9 s of transmitting, where a set-up burst alone would be 0.05 s
    air = [uplink(0.5 + 0.09 * k, 0.09) for k in range(100)]
    means = render([(0.0, ModemState.CONNECTED)], 12.0, air=air)
    charge_uc = means.sum() / RATE_HZ
    expected_uc = NBIOT.rx_ua * 12.0 + 9.0 * (NBIOT.tx_ua(10.0) - NBIOT.rx_ua)
    assert math.isclose(charge_uc, expected_uc, rel_tol=1e-9)


def test_an_rrc_set_up_before_the_connection_transmits_over_the_idle_level() -> None:
    air = [AirUse(start_s=0.5, duration_s=0.5, kind=AirKind.RRC_SETUP, tx_power_dbm=16.0)]
    means = render([(0.0, ModemState.IDLE), (1.0, ModemState.CONNECTED)], 2.0, air=air)
    assert np.allclose(means[:500], NBIOT.idle_sleep_ua)  # the first paging occasion is at 2.56 s
    assert np.allclose(means[500:1000], NBIOT.tx_ua(16.0))
    assert np.allclose(means[1000:], NBIOT.rx_ua)


def test_air_while_off_or_deregistered_draws_nothing() -> None:
    means = render([(0.0, ModemState.OFF), (1.0, ModemState.DEREGISTERED)], 2.0, air=[uplink(0.5, 1.0)])
    assert np.allclose(means[:1000], NBIOT.boot_ua)
    assert np.allclose(means[1000:], NBIOT.deregistered_ua)


def test_a_state_and_an_air_use_begun_before_the_recording_are_cut_at_its_start() -> None:
    means = render([(-0.3, ModemState.CONNECTED), (1.0, ModemState.PSM)], 2.0, air=[uplink(-0.2, 0.4)])
    assert np.allclose(means[:200], NBIOT.tx_ua(10.0))
    assert np.allclose(means[200:1000], NBIOT.rx_ua)
    assert means[1000:].mean() < 10 * BC660K.idle_sleep_ua


def test_periods_follow_the_changes_and_the_last_lasts_to_the_stop() -> None:
    periods = state_periods([(0.0, ModemState.IDLE), (2.0, ModemState.PSM)], stop_s=5.0)
    assert [(p.state, p.start_s, p.stop_s) for p in periods] == [
        (ModemState.IDLE, 0.0, 2.0),
        (ModemState.PSM, 2.0, 5.0),
    ]
