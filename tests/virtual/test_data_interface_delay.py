"""harness.virtual.data_interface_delay: delay, jitter, order, loss, buffer limit and the RRC connection of
the data interface's delay line, driven with made-up times (no sockets, no root)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.virtual.data_interface_delay import DelayLine, Direction, Impairment

STEADY = Impairment(delay_ms=10.0, jitter_ms=4.0, loss_pct=0.0, rrc_setup_ms=0.0, inactivity_s=1e9)
EPSILON_S = 1e-9


def deliver_all(line: DelayLine[int], direction: Direction) -> list[tuple[float, int]]:
    """Every queued item of `direction` with the earliest time pop_due hands it out."""
    delivered: list[tuple[float, int]] = []
    for _ in range(100_000):  # a bound instead of a hang, should pop_due stop handing items out
        due_s = line.next_due_s(direction)
        if due_s is None:
            return delivered
        delivered += [(due_s, item) for item in line.pop_due(direction, due_s)]
    raise AssertionError(f"items of {direction} never ran out: {delivered[-3:]}")


arrivals = st.lists(st.floats(min_value=0.0, max_value=0.05), min_size=1, max_size=60).map(
    lambda gaps: [sum(gaps[: i + 1]) for i in range(len(gaps))]
)


@given(times_s=arrivals, seed=st.integers(0, 2**32), jitter_ms=st.floats(0.0, 50.0))
def test_items_leave_in_order_never_before_the_delay(
    times_s: list[float], seed: int, jitter_ms: float
) -> None:
    line: DelayLine[int] = DelayLine(dataclasses.replace(STEADY, jitter_ms=jitter_ms), seed=seed)
    for item, at_s in enumerate(times_s):
        assert line.admit(Direction.UL, item, 100, at_s)
    delivered = deliver_all(line, Direction.UL)
    assert [item for _, item in delivered] == list(range(len(times_s)))
    for due_s, item in delivered:
        assert due_s >= times_s[item] + STEADY.delay_ms / 1000 - EPSILON_S


@given(seed=st.integers(0, 2**32), count=st.integers(1, 50))
def test_spaced_items_keep_their_own_delay_within_the_jitter(seed: int, count: int) -> None:
    # spaced further apart than the jitter, no item waits for the one before it
    line: DelayLine[int] = DelayLine(STEADY, seed=seed)
    spacing_s = 2 * STEADY.jitter_ms / 1000
    for item in range(count):
        line.admit(Direction.DL, item, 100, item * spacing_s)
    for due_s, item in deliver_all(line, Direction.DL):
        delay_ms = (due_s - item * spacing_s) * 1000
        assert STEADY.delay_ms - 1e-6 <= delay_ms <= STEADY.delay_ms + STEADY.jitter_ms + 1e-6


def test_pop_due_hands_out_nothing_early() -> None:
    line: DelayLine[str] = DelayLine(dataclasses.replace(STEADY, jitter_ms=0.0), seed=1)
    line.admit(Direction.UL, "a", 10, 0.0)
    assert line.pop_due(Direction.UL, 0.0099) == []
    assert line.pop_due(Direction.DL, 1.0) == []  # the other direction holds nothing
    assert line.pop_due(Direction.UL, 0.0101) == ["a"]
    assert line.next_due_s() is None


def test_the_same_seed_gives_the_same_delays_and_losses() -> None:
    lossy = dataclasses.replace(STEADY, loss_pct=30.0)

    def run(seed: int) -> list[tuple[float, int]]:
        line: DelayLine[int] = DelayLine(lossy, seed=seed)
        for item in range(200):
            line.admit(Direction.UL, item, 100, item * 0.1)
        return deliver_all(line, Direction.UL)

    assert run(5) == run(5)
    assert run(5) != run(6)


@pytest.mark.parametrize(("loss_pct", "low", "high"), [(0.0, 2000, 2000), (100.0, 0, 0), (25.0, 1400, 1600)])
def test_loss_follows_the_profile(loss_pct: float, low: int, high: int) -> None:
    # 25 % of 2000: mean 1500 delivered, sd ≈ 19; the bounds are more than 5 sd away
    line: DelayLine[int] = DelayLine(dataclasses.replace(STEADY, loss_pct=loss_pct), seed=3)
    delivered = sum(line.admit(Direction.UL, item, 100, item * 0.01) for item in range(2000))
    assert low <= delivered <= high
    counters = line.counters(Direction.UL)
    assert (counters.admitted_frames, counters.lost_frames) == (2000, 2000 - delivered)
    assert len(deliver_all(line, Direction.UL)) == delivered


def test_a_full_line_drops_and_counts_what_does_not_fit() -> None:
    line: DelayLine[int] = DelayLine(STEADY, seed=1, max_queued_bytes=1000)
    accepted = [line.admit(Direction.DL, item, 300, 0.0) for item in range(5)]
    assert accepted == [True, True, True, False, False]
    assert line.counters(Direction.DL).overflow_frames == 2
    assert line.admit(Direction.UL, 9, 300, 0.0)  # each direction has its own buffer
    deliver_all(line, Direction.DL)
    assert line.admit(Direction.DL, 5, 300, 1.0)  # room again once delivered


def test_the_first_item_after_idle_waits_for_the_connection_set_up() -> None:
    setup = dataclasses.replace(STEADY, jitter_ms=0.0, rrc_setup_ms=80.0, inactivity_s=0.5)
    line: DelayLine[int] = DelayLine(setup, seed=1)
    assert not line.is_connected(0.0)
    line.admit(Direction.UL, 1, 100, 0.0)
    line.admit(Direction.DL, 2, 100, 0.01)  # the other direction waits for the same set-up
    assert line.next_change_s(0.0) == pytest.approx(0.08)
    assert [line.next_due_s()] == [pytest.approx(0.09)]
    assert deliver_all(line, Direction.UL) == [(pytest.approx(0.09), 1)]
    assert deliver_all(line, Direction.DL) == [(pytest.approx(0.09), 2)]
    assert line.is_connected(0.1)
    # released inactivity_s after the last item left; the next one sets the connection up again
    assert line.release_at_s == pytest.approx(0.59)
    assert line.next_change_s(0.1) == pytest.approx(0.59)
    line.admit(Direction.UL, 3, 100, 0.3)  # still connected: no set-up
    assert deliver_all(line, Direction.UL) == [(pytest.approx(0.31), 3)]
    assert not line.is_connected(0.81 + EPSILON_S)
    line.admit(Direction.UL, 4, 100, 1.0)
    assert deliver_all(line, Direction.UL) == [(pytest.approx(1.09), 4)]


def test_a_new_impairment_applies_from_the_next_item() -> None:
    line: DelayLine[int] = DelayLine(dataclasses.replace(STEADY, jitter_ms=0.0), seed=1)
    line.admit(Direction.UL, 1, 100, 0.0)
    line.impairment = dataclasses.replace(STEADY, jitter_ms=0.0, delay_ms=50.0)
    line.admit(Direction.UL, 2, 100, 0.1)
    assert deliver_all(line, Direction.UL) == [(pytest.approx(0.01), 1), (pytest.approx(0.15), 2)]
