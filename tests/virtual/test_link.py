"""harness.virtual.link: the link model, driven directly with chosen times: delay, jitter, rate, loss, the
shared or per-direction air, RRC connections and their release (inactivity, release assistance)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.virtual.link import (
    CE_PROFILES,
    Direction,
    LinkModel,
    LinkProfile,
    ReleaseAssistance,
    airtime_ms,
    expected_rtt_median_ms,
    rtt_bounds_ms,
)

PROFILE = LinkProfile(
    delay_ms=100.0, jitter_ms=40.0, ul_kbps=8.0, dl_kbps=4.0,
    loss_pct=0.0, rrc_setup_ms=500.0, inactivity_s=10.0,
)  # fmt: skip


def connected_link(profile: LinkProfile = PROFILE, *, seed: int = 1) -> LinkModel:
    """A link whose connection is up at t = 0 (as right after an attach)."""
    link = LinkModel(profile, seed=seed)
    assert link.signal(0.0)
    return link


def test_airtime_counts_ipv4_and_udp_headers() -> None:
    # (72 + 28) bytes * 8 bits at 8 kbit/s = 100 ms
    assert airtime_ms(72, 8.0) == pytest.approx(100.0)
    assert airtime_ms(0, 1.0) == pytest.approx(224.0)


def test_uplink_arrival_is_air_then_delay_within_jitter() -> None:
    link = connected_link()
    earliest_s = (airtime_ms(72, PROFILE.ul_kbps) + PROFILE.delay_ms) / 1000
    for at_s in (1.0, 2.0, 3.0, 4.0, 5.0):
        transfer = link.send(Direction.UL, 72, at_s=at_s)
        assert transfer.connected_at_s is None
        assert transfer.arrive_at_s is not None
        took_s = transfer.arrive_at_s - at_s
        assert earliest_s <= took_s <= earliest_s + PROFILE.jitter_ms / 1000


def test_downlink_takes_delay_then_the_air_at_the_downlink_rate() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0))
    transfer = link.send(Direction.DL, 72, at_s=1.0)
    assert transfer.arrive_at_s == pytest.approx(1.0 + 0.100 + airtime_ms(72, PROFILE.dl_kbps) / 1000)


def test_jitter_spreads_over_its_whole_range() -> None:
    link = connected_link(dataclasses.replace(PROFILE, ul_kbps=1e6), seed=5)
    delays_ms = []
    for index in range(400):
        transfer = link.send(Direction.UL, 10, at_s=1.0 + index)
        assert transfer.arrive_at_s is not None
        delays_ms.append((transfer.arrive_at_s - (1.0 + index)) * 1000 - PROFILE.delay_ms)
    assert min(delays_ms) >= 0.0
    assert max(delays_ms) <= PROFILE.jitter_ms + 0.01
    # uniform: both ends of the range are reached, not just the middle
    assert min(delays_ms) < 0.1 * PROFILE.jitter_ms
    assert max(delays_ms) > 0.9 * PROFILE.jitter_ms


def test_first_packet_after_idle_sets_up_a_connection_and_waits_for_it() -> None:
    link = LinkModel(dataclasses.replace(PROFILE, jitter_ms=0.0), seed=1)
    assert not link.is_connected(0.0)
    first = link.send(Direction.UL, 72, at_s=2.0)
    assert first.connected_at_s == pytest.approx(2.5)
    assert first.arrive_at_s == pytest.approx(2.5 + 0.100 + 0.100)
    second = link.send(Direction.UL, 72, at_s=3.0)
    assert second.connected_at_s is None
    assert second.arrive_at_s == pytest.approx(3.0 + 0.100 + 0.100)


def test_packet_during_setup_waits_for_the_same_connection() -> None:
    link = LinkModel(dataclasses.replace(PROFILE, jitter_ms=0.0, ul_kbps=1e6), seed=1)
    first = link.send(Direction.UL, 10, at_s=1.0)
    during = link.send(Direction.UL, 10, at_s=1.2)
    assert first.connected_at_s == pytest.approx(1.5)
    assert during.connected_at_s is None
    assert during.arrive_at_s == pytest.approx(1.5 + 0.100, abs=1e-3)


def test_connection_is_released_after_inactivity_and_set_up_again() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0))
    transfer = link.send(Direction.UL, 72, at_s=1.0)
    assert transfer.arrive_at_s is not None
    air_end_s = 1.0 + 0.100
    assert link.release_at_s == pytest.approx(air_end_s + PROFILE.inactivity_s)
    assert link.is_connected(air_end_s + PROFILE.inactivity_s - 0.01)
    assert not link.is_connected(air_end_s + PROFILE.inactivity_s + 0.01)
    later = link.send(Direction.UL, 72, at_s=20.0)
    assert later.connected_at_s == pytest.approx(20.5)


def test_release_drops_the_connection_at_once() -> None:
    link = connected_link()
    link.release()
    assert link.release_at_s is None
    assert not link.is_connected(0.1)
    assert link.send(Direction.UL, 10, at_s=0.2).connected_at_s is not None


def test_half_duplex_air_is_shared_by_both_directions() -> None:
    profile = dataclasses.replace(PROFILE, jitter_ms=0.0, delay_ms=0.0, ul_kbps=8.0, dl_kbps=8.0)
    link = connected_link(profile)
    # both want the air at t = 1 s: the second waits until the first is off the air
    up = link.send(Direction.UL, 72, at_s=1.0)
    down = link.send(Direction.DL, 72, at_s=1.0)
    assert up.arrive_at_s == pytest.approx(1.1)
    assert down.arrive_at_s == pytest.approx(1.2)


def test_full_duplex_air_is_one_schedule_per_direction() -> None:
    profile = dataclasses.replace(
        PROFILE, jitter_ms=0.0, delay_ms=0.0, ul_kbps=8.0, dl_kbps=8.0, is_half_duplex=False
    )
    link = connected_link(profile)
    up = link.send(Direction.UL, 72, at_s=1.0)
    down = link.send(Direction.DL, 72, at_s=1.0)
    assert up.arrive_at_s == pytest.approx(1.1)
    assert down.arrive_at_s == pytest.approx(1.1)  # no waiting for the uplink
    second_up = link.send(Direction.UL, 72, at_s=1.0)
    assert second_up.arrive_at_s == pytest.approx(1.2)  # but after the uplink before it


def test_a_new_profile_applies_from_the_next_packet() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0))
    before = link.send(Direction.UL, 72, at_s=1.0)
    link.set_profile(dataclasses.replace(PROFILE, jitter_ms=0.0, delay_ms=900.0))
    after = link.send(Direction.UL, 72, at_s=2.0)
    assert before.arrive_at_s == pytest.approx(1.0 + 0.1 + 0.1)
    assert after.arrive_at_s == pytest.approx(2.0 + 0.1 + 0.9)


def test_no_further_data_releases_once_the_packet_is_off_the_air() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0))
    link.send(Direction.UL, 72, at_s=1.0, rai=ReleaseAssistance.NO_FURTHER_DATA)
    assert link.release_at_s == pytest.approx(1.1)  # no 10 s of inactivity
    assert link.is_idle(1.1)


def test_one_response_releases_after_the_next_downlink_packet() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0))
    link.send(Direction.UL, 72, at_s=1.0, rai=ReleaseAssistance.ONE_RESPONSE)
    assert link.release_at_s == pytest.approx(1.1 + PROFILE.inactivity_s)  # still waiting for the answer
    down = link.send(Direction.DL, 72, at_s=1.5)
    assert down.arrive_at_s is not None
    assert link.release_at_s == pytest.approx(down.arrive_at_s)


def test_a_later_packet_without_rai_brings_the_inactivity_timer_back() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0, ul_kbps=1e6))
    link.send(Direction.UL, 72, at_s=1.0, rai=ReleaseAssistance.NO_FURTHER_DATA)
    link.send(Direction.UL, 72, at_s=1.0)  # more data before the release: the network keeps the connection
    assert link.release_at_s == pytest.approx(1.0 + PROFILE.inactivity_s, abs=1e-3)


def test_release_assistance_ends_with_the_connection() -> None:
    link = connected_link(dataclasses.replace(PROFILE, jitter_ms=0.0))
    link.send(Direction.UL, 72, at_s=1.0, rai=ReleaseAssistance.NO_FURTHER_DATA)
    again = link.send(Direction.UL, 72, at_s=5.0)  # a new connection: the network's timer again
    assert again.connected_at_s == pytest.approx(5.5)
    assert link.release_at_s == pytest.approx(5.5 + 0.1 + PROFILE.inactivity_s)


def test_a_packet_uses_a_gap_before_a_later_booking() -> None:
    profile = dataclasses.replace(PROFILE, jitter_ms=0.0, delay_ms=500.0, ul_kbps=8.0, dl_kbps=8.0)
    link = connected_link(profile)
    down = link.send(Direction.DL, 72, at_s=1.0)  # on the air from 1.5 s to 1.6 s
    up = link.send(Direction.UL, 72, at_s=1.1)  # the air is free from 1.1 s to 1.2 s
    assert down.arrive_at_s == pytest.approx(1.6)
    assert up.arrive_at_s == pytest.approx(1.2 + 0.5)


def test_loss_rate_follows_loss_pct_and_the_seed() -> None:
    profile = dataclasses.replace(PROFILE, loss_pct=10.0, ul_kbps=1e6)

    def losses(seed: int) -> list[bool]:
        link = connected_link(profile, seed=seed)
        return [link.send(Direction.UL, 10, at_s=float(i)).arrive_at_s is None for i in range(3000)]

    first = losses(7)
    # binomial(3000, 0.1): mean 300, sd 16.4; ±5 sd
    assert 218 <= sum(first) <= 382
    assert losses(7) == first
    assert losses(8) != first


def test_no_loss_at_zero_and_all_lost_at_hundred() -> None:
    for loss_pct, expected_lost in ((0.0, 0), (100.0, 50)):
        link = connected_link(dataclasses.replace(PROFILE, loss_pct=loss_pct))
        lost = sum(link.send(Direction.UL, 10, at_s=float(i)).arrive_at_s is None for i in range(50))
        assert lost == expected_lost


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=0.5),
            st.sampled_from(list(Direction)),
            st.integers(min_value=0, max_value=1400),
        ),
        min_size=2,
        max_size=40,
    ),
    st.integers(min_value=0, max_value=2**32),
)
def test_packets_keep_their_order_per_direction(sends: list[tuple[float, Direction, int]], seed: int) -> None:
    link = LinkModel(dataclasses.replace(PROFILE, jitter_ms=300.0), seed=seed)
    at_s = 0.0
    last = {Direction.UL: 0.0, Direction.DL: 0.0}
    for gap_s, direction, payload_bytes in sends:
        at_s += gap_s
        transfer = link.send(direction, payload_bytes, at_s=at_s)
        assert transfer.arrive_at_s is not None
        assert transfer.arrive_at_s >= last[direction]
        assert transfer.arrive_at_s > at_s
        last[direction] = transfer.arrive_at_s


def test_expected_rtt_is_the_middle_of_its_bounds() -> None:
    low_ms, high_ms = rtt_bounds_ms(PROFILE, 72)
    assert low_ms == pytest.approx(2 * 100.0 + 100.0 + 200.0)
    assert high_ms == pytest.approx(low_ms + 80.0)
    assert expected_rtt_median_ms(PROFILE, 72) == pytest.approx(low_ms + 40.0)


def test_simulated_echo_rtts_have_the_expected_median() -> None:
    link = connected_link(seed=11)
    rtts_ms = []
    for index in range(801):
        sent_s = 1.0 + 2.0 * index
        up = link.send(Direction.UL, 72, at_s=sent_s)
        assert up.arrive_at_s is not None
        down = link.send(Direction.DL, 72, at_s=up.arrive_at_s)
        assert down.arrive_at_s is not None
        rtts_ms.append((down.arrive_at_s - sent_s) * 1000)
    median_ms = sorted(rtts_ms)[len(rtts_ms) // 2]
    low_ms, high_ms = rtt_bounds_ms(PROFILE, 72)
    assert all(low_ms - 1e-6 <= rtt <= high_ms + 1e-6 for rtt in rtts_ms)
    # the median of 801 draws of a triangular distribution of width 80 ms lies well within ±5 ms
    assert median_ms == pytest.approx(expected_rtt_median_ms(PROFILE, 72), abs=5.0)


@pytest.mark.parametrize(("ce_level", "median_s"), [(0, 1.0), (1, 4.0), (2, 8.0)])
def test_ce_profiles_give_the_reference_rtt_medians(ce_level: int, median_s: float) -> None:
    # cellular-iot.md §4.1: RTT median CE0 ≈ 1 s, CE1 ≈ 4 s, CE2 ≈ 8 s for small datagrams
    assert expected_rtt_median_ms(CE_PROFILES[ce_level], 64) / 1000 == pytest.approx(median_s, rel=0.05)


def test_rrc_setup_adds_one_to_three_seconds_per_ce_level() -> None:
    assert [CE_PROFILES[ce].rrc_setup_ms for ce in (0, 1, 2)] == sorted(
        CE_PROFILES[ce].rrc_setup_ms for ce in (0, 1, 2)
    )
    assert all(1000.0 <= CE_PROFILES[ce].rrc_setup_ms <= 3000.0 for ce in (0, 1, 2))


def test_a_transfer_says_when_it_was_on_the_air_and_how_long_its_set_up_took() -> None:
    link = LinkModel(PROFILE, seed=1)
    first = link.send(Direction.UL, 72, at_s=0.0)  # from idle: 500 ms set-up, then 100 ms on the air
    second = link.send(Direction.UL, 72, at_s=0.1)  # queued behind the first
    assert (first.connected_at_s, first.setup_s) == (0.5, 0.5)
    assert (first.air_start_s, first.air_s) == (pytest.approx(0.5), pytest.approx(0.1))
    assert second.connected_at_s is None
    assert second.air_start_s == pytest.approx(0.6)
    assert first.arrive_at_s is not None
    assert first.arrive_at_s >= first.air_start_s + first.air_s + PROFILE.delay_ms / 1000
    downlink = link.send(Direction.DL, 72, at_s=1.0)
    assert downlink.air_s == pytest.approx(0.2)  # 4 kbit/s
    assert downlink.arrive_at_s == pytest.approx(downlink.air_start_s + downlink.air_s)
