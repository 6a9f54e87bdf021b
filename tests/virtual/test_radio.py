"""harness.virtual.radio: CE level from RSRP, the 27.007 signal index codings, RSSI over the cell's width."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.virtual.profiles import NBIOT, PROFILES
from harness.virtual.radio import (
    RadioConditions,
    ce_level_for,
    rsrp_index,
    rsrq_index,
    rssi_dbm,
    rssi_index,
    tx_power_dbm,
)


@pytest.mark.parametrize(
    ("rsrp_dbm", "ce_level"),
    [(-60.0, 0), (-108.0, 0), (-108.1, 1), (-112.0, 1), (-118.0, 1), (-118.1, 2), (-140.0, 2)],
)
def test_ce_level_follows_the_r19_thresholds(rsrp_dbm: float, ce_level: int) -> None:
    assert ce_level_for(rsrp_dbm) == ce_level


@pytest.mark.parametrize("ce_level", [0, 1, 2])
def test_default_rsrp_of_each_level_lies_in_its_band(ce_level: int) -> None:
    assert ce_level_for(NBIOT.conditions(ce_level).rsrp_dbm) == ce_level


def test_given_rsrp_replaces_the_default() -> None:
    assert NBIOT.conditions(1, -110.5).rsrp_dbm == -110.5


@pytest.mark.parametrize(
    ("profile", "above_db"),
    [("nbiot", 10.79), ("cat1", 30.79), ("redcap_2rx", 27.87)],  # 10 log10 of 12, 1200, 612 subcarriers
)
def test_rssi_is_rsrp_over_the_cells_subcarriers(profile: str, above_db: float) -> None:
    radio, cell = PROFILES[profile].conditions(0), PROFILES[profile].cell
    assert rssi_dbm(radio, cell) == pytest.approx(radio.rsrp_dbm + above_db, abs=0.01)


@given(st.integers(min_value=1, max_value=96), st.floats(min_value=0.0, max_value=0.999))
def test_rsrp_index_covers_its_one_db_range(index: int, fraction: float) -> None:
    # n covers -141+n <= RSRP < -140+n (DESIGN: rsrp_dbm = rsrp - 141 is the lower edge)
    assert rsrp_index(index - 141 + fraction) == index


@given(st.integers(min_value=1, max_value=33), st.floats(min_value=0.0, max_value=0.499))
def test_rsrq_index_covers_its_half_db_range(index: int, fraction: float) -> None:
    assert rsrq_index(index / 2 - 20 + fraction) == index


@given(st.integers(min_value=0, max_value=31))
def test_rssi_index_round_trips(index: int) -> None:
    rssi_dbm = -113 + 2 * index
    assert rssi_index(rssi_dbm) == index


@given(st.floats(min_value=-200.0, max_value=0.0))
def test_indices_stay_in_their_ranges(value: float) -> None:
    assert 0 <= rsrp_index(value) <= 97
    assert 0 <= rsrq_index(value) <= 34
    assert 0 <= rssi_index(value) <= 31


def test_indices_clamp_at_both_ends() -> None:
    assert (rsrp_index(-150.0), rsrp_index(-44.0), rsrp_index(-20.0)) == (0, 97, 97)
    assert (rsrq_index(-25.0), rsrq_index(-3.0), rsrq_index(0.0)) == (0, 34, 34)
    assert (rssi_index(-120.0), rssi_index(-51.0), rssi_index(-30.0)) == (0, 31, 31)


def conditions(*, ce_level: int, rsrp_dbm: float) -> RadioConditions:
    return RadioConditions(ce_level=ce_level, rsrp_dbm=rsrp_dbm, rsrq_db=-10.0, sinr_db=5.0)


def test_tx_power_follows_rsrp_at_ce0_and_is_full_with_repetitions() -> None:
    assert tx_power_dbm(NBIOT.radio[0]) == 10.0  # the CE0 default, -95 dBm
    assert tx_power_dbm(conditions(ce_level=0, rsrp_dbm=-100.0)) == 15.0
    assert tx_power_dbm(conditions(ce_level=1, rsrp_dbm=-110.0)) == 23.0
    assert tx_power_dbm(conditions(ce_level=2, rsrp_dbm=-125.0)) == 23.0


@given(st.floats(min_value=-160.0, max_value=0.0), st.integers(min_value=0, max_value=2))
def test_tx_power_stays_within_the_power_class(rsrp_dbm: float, ce_level: int) -> None:
    assert -40.0 <= tx_power_dbm(conditions(ce_level=ce_level, rsrp_dbm=rsrp_dbm)) <= 23.0
