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
)
from harness.rat import Rat


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
