"""harness.power.module_currents: the table's derived figures reproduce the averages they come from."""

from __future__ import annotations

import math

import pytest

from harness.errors import HarnessError
from harness.power.module_currents import (
    BC660K,
    BY_RAT,
    NBIOT,
    NRF9160_NB1_EDRX,
    currents_for,
    edrx_average_ua,
    tx_power_dbm,
)
from harness.rat import Rat
from harness.virtual.model_bc660k import TX_POWER_DBM
from harness.virtual.profiles import NBIOT as NBIOT_PROFILE


def test_the_nbiot_row_averages_the_nrf9160_edrx_figure_it_was_calibrated_on() -> None:
    assert math.isclose(edrx_average_ua(NRF9160_NB1_EDRX, NBIOT), 37.0)  # [S17]


def test_every_row_has_positive_charges_and_a_floor_below_idle_sleep() -> None:
    for row in (*BY_RAT.values(), BC660K):
        assert row.paging_charge_uc > 0, row.name
        assert row.edrx_wake_charge_uc > 0, row.name
        assert row.psm_floor_ua < row.idle_sleep_ua < row.rx_ua, row.name
        assert row.tx_ua(0) < row.tx_ua(10) < row.tx_ua(23), row.name


def test_the_model_row_wins_over_the_rat_row_and_an_unknown_rat_is_refused() -> None:
    assert currents_for("bc660k", Rat.NB_IOT).psm_floor_ua == 0.8  # [S19]
    assert currents_for("generic", Rat.NB_IOT) is NBIOT
    with pytest.raises(HarnessError, match="ltem"):
        currents_for("generic", Rat.LTE_M)


def test_tx_power_agrees_with_what_the_virtual_bc660k_reports_per_ce_level() -> None:
    for level, radio in NBIOT_PROFILE.radio.items():
        assert tx_power_dbm(radio.rsrp_dbm, ce_level=level) == TX_POWER_DBM[level]


def test_tx_power_stays_within_the_power_class() -> None:
    assert tx_power_dbm(-40.0, ce_level=0) == -40.0
    assert tx_power_dbm(-140.0, ce_level=0) == 23.0
