"""harness.virtual.profiles: the figures of each radio profile against the references they cite
(cellular-iot.md §4.1, §4.2, §4.4; indicators.md §1.4, §2, §4), and cell identities that fit their RAT."""

from __future__ import annotations

import pytest

from harness.rat import Rat
from harness.virtual.link import expected_rtt_median_ms, rtt_bounds_ms
from harness.virtual.profiles import CAT1, NBIOT, PROFILES, REDCAP_1RX, REDCAP_2RX, RadioProfile
from harness.virtual.radio import ACT_E_UTRAN, ACT_NB_S1, ACT_NR_5GCN, ce_level_for

ECHO_BYTES = 64


def test_every_profile_is_found_by_its_name() -> None:
    assert set(PROFILES) == {"nbiot", "cat1", "redcap_1rx", "redcap_2rx"}
    assert all(PROFILES[name].name == name for name in PROFILES)


def test_cat1_rtt_median_and_range_match_the_engineering_estimate() -> None:
    link = CAT1.links[0]
    assert expected_rtt_median_ms(link, ECHO_BYTES) == pytest.approx(50.0, abs=1.0)
    low_ms, high_ms = rtt_bounds_ms(link, ECHO_BYTES)
    assert low_ms >= 30.0
    assert high_ms <= 70.0  # 30-70 ms connected [CI §4.2]
    assert 50.0 <= link.rrc_setup_ms <= 100.0  # an idle->connected transition adds 50-100 ms
    assert (link.dl_kbps, link.ul_kbps) == (10_296.0, 5_160.0)  # Cat 1 peak per TTI


def test_redcap_rtt_and_rates() -> None:
    for profile in (REDCAP_1RX, REDCAP_2RX):
        low_ms, high_ms = rtt_bounds_ms(profile.links[0], ECHO_BYTES)
        assert low_ms >= 10.0
        assert high_ms <= 30.0  # live SA 10-30 ms [CI §4.4]
    # DDDSU share of the 30 kHz / 51 PRB 256QAM peaks: about 80 and 160 Mbit/s DL, 23 Mbit/s UL
    assert REDCAP_1RX.links[0].dl_kbps == pytest.approx(80_734, abs=1)
    assert REDCAP_2RX.links[0].dl_kbps == pytest.approx(161_542, abs=1)
    assert REDCAP_1RX.links[0].ul_kbps == REDCAP_2RX.links[0].ul_kbps == pytest.approx(23_360, abs=1)


def test_full_duplex_except_nb_iot() -> None:
    assert all(link.is_half_duplex for link in NBIOT.links.values())
    assert not any(link.is_half_duplex for profile in (CAT1, REDCAP_1RX) for link in profile.links.values())


@pytest.mark.parametrize(
    ("profile", "rat", "act", "tac_digits", "ci_bits"),
    [
        (NBIOT, Rat.NB_IOT, ACT_NB_S1, 4, 28),
        (CAT1, Rat.CAT1, ACT_E_UTRAN, 4, 28),
        (REDCAP_2RX, Rat.REDCAP, ACT_NR_5GCN, 6, 36),
    ],
)
def test_cell_identity_fits_the_rat(
    profile: RadioProfile, rat: Rat, act: int, tac_digits: int, ci_bits: int
) -> None:
    cell = profile.cell
    assert (profile.rat, cell.act, len(cell.tac)) == (rat, act, tac_digits)
    assert int(cell.cell_id, 16) < 1 << ci_bits
    assert cell.plmn == "00101"


def test_nb_iot_levels_follow_the_rsrp_thresholds() -> None:
    assert NBIOT.levels == (0, 1, 2)
    assert all(ce_level_for(NBIOT.conditions(level).rsrp_dbm) == level for level in NBIOT.levels)
    assert NBIOT.level_for(-112.0) == 1
    assert CAT1.levels == (0,)
    assert CAT1.level_for(-130.0) == 0  # one coverage level outside NB-IoT


def test_conditions_take_a_given_rsrp() -> None:
    radio = REDCAP_1RX.conditions(0, -101.0)
    assert (radio.rsrp_dbm, radio.sinr_db) == (-101.0, REDCAP_1RX.radio[0].sinr_db)
