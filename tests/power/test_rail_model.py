"""harness.power.rail_model: states rendered into current; averages per state against the table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.power.current_steps import sample_means_ua, steps_of
from harness.power.module_currents import BC660K, NBIOT, NRF9160_NB1_EDRX, edrx_average_ua, tx_power_dbm
from harness.power.rail_model import (
    EdrxTiming,
    ModuleSnapshot,
    RailSpec,
    rail_boxcars,
    state_periods,
)
from harness.virtual.state_timeline import ModemState

RATE_HZ = 1000.0


def snapshot(*, edrx: EdrxTiming | None = None, rsrp_dbm: float = -95.0, ce_level: int = 0) -> ModuleSnapshot:
    return ModuleSnapshot(t_s=0.0, ce_level=ce_level, rsrp_dbm=rsrp_dbm, tx_burst_s=0.5, edrx=edrx)


def render(
    changes: list[tuple[float, ModemState]],
    stop_s: float,
    *,
    snap: ModuleSnapshot | None = None,
    timer_scale: float = 1.0,
    paging_cycle_s: float = 2.56,
    start_s: float = 0.0,
) -> np.ndarray:
    spec = RailSpec(currents=NBIOT, paging_cycle_s=paging_cycle_s * timer_scale, timer_scale=timer_scale)
    boxcars = rail_boxcars(
        state_periods(changes, stop_s=stop_s),
        [snap or snapshot()],
        spec,
        window=(start_s, stop_s),
        rng=np.random.default_rng(7),
    )
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


def test_connected_transmits_at_its_tx_power_then_receives() -> None:
    means = render([(0.0, ModemState.CONNECTED)], 2.0, snap=snapshot(rsrp_dbm=-124.0, ce_level=2))
    assert np.allclose(means[:500], NBIOT.tx_ua(23.0))
    assert np.allclose(means[500:], NBIOT.rx_ua)
    means_ce0 = render([(0.0, ModemState.CONNECTED)], 1.0)
    assert np.allclose(means_ce0[:500], NBIOT.tx_ua(tx_power_dbm(-95.0, ce_level=0)))


def test_a_state_entered_before_the_recording_is_cut_at_its_start() -> None:
    # the connection started 0.3 s before: 0.2 s of its TX burst is left
    means = render([(-0.3, ModemState.CONNECTED), (1.0, ModemState.PSM)], 2.0)
    assert np.allclose(means[:200], NBIOT.tx_ua(10.0))
    assert np.allclose(means[200:1000], NBIOT.rx_ua)
    assert means[1000:].mean() < 10 * BC660K.idle_sleep_ua


def test_periods_follow_the_changes_and_the_last_lasts_to_the_stop() -> None:
    periods = state_periods([(0.0, ModemState.IDLE), (2.0, ModemState.PSM)], stop_s=5.0)
    assert [(p.state, p.start_s, p.stop_s) for p in periods] == [
        (ModemState.IDLE, 0.0, 2.0),
        (ModemState.PSM, 2.0, 5.0),
    ]
