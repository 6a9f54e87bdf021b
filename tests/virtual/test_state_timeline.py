"""harness.virtual.state_timeline: the state changes a power rail reads (the control op "timeline" shows them
from a running module: tests/virtual/test_control.py)."""

from __future__ import annotations

from harness.virtual.link import Direction, Transfer
from harness.virtual.state_timeline import (
    MAX_CHANGES,
    AirKind,
    ModemState,
    StateChange,
    StateTimeline,
)


class Clock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def test_starts_off_and_records_changes_only() -> None:
    clock = Clock()
    timeline = StateTimeline(clock=clock)
    heard: list[StateChange] = []
    timeline.subscribe(heard.append)
    for t_s, state in ((1.0, ModemState.SEARCHING), (2.0, ModemState.SEARCHING), (3.0, ModemState.CONNECTED)):
        clock.now_s = t_s
        timeline.enter(state)
    assert timeline.state is ModemState.CONNECTED
    assert [(c.t_s, c.state) for c in timeline.since(0.0)] == [
        (0.0, ModemState.OFF),
        (1.0, ModemState.SEARCHING),
        (3.0, ModemState.CONNECTED),
    ]
    assert [c.state for c in heard] == [ModemState.SEARCHING, ModemState.CONNECTED]


def test_since_starts_with_the_state_in_force() -> None:
    clock = Clock()
    timeline = StateTimeline(clock=clock)
    for t_s, state in ((1.0, ModemState.IDLE), (5.0, ModemState.PSM), (9.0, ModemState.IDLE)):
        clock.now_s = t_s
        timeline.enter(state)
    assert [(c.t_s, c.state) for c in timeline.since(6.0)] == [(5.0, ModemState.PSM), (9.0, ModemState.IDLE)]
    assert [c.state for c in timeline.since(100.0)] == [ModemState.IDLE]


def test_keeps_a_bounded_number_of_changes() -> None:
    clock = Clock()
    timeline = StateTimeline(clock=clock)
    for index in range(MAX_CHANGES + 10):
        clock.now_s = float(index + 1)
        timeline.enter(ModemState.IDLE if index % 2 else ModemState.CONNECTED)
    changes = timeline.since(0.0)
    assert len(changes) == MAX_CHANGES
    assert changes[-1].t_s == MAX_CHANGES + 10


def transfer(direction: Direction, air_start_s: float, *, connected_at_s: float | None = None) -> Transfer:
    return Transfer(
        direction=direction,
        payload_bytes=100,
        arrive_at_s=air_start_s + 2.0,
        connected_at_s=connected_at_s,
        air_start_s=air_start_s,
        air_s=0.5,
        setup_s=1.0,
    )


def test_a_transfer_records_its_set_up_and_air_time_with_the_tx_power_of_what_transmits() -> None:
    timeline = StateTimeline(clock=Clock())
    timeline.record_transfer(transfer(Direction.UL, 3.0, connected_at_s=3.0), tx_power_dbm=17.0)
    timeline.record_transfer(transfer(Direction.DL, 4.0), tx_power_dbm=17.0)
    assert [(u.start_s, u.stop_s, u.kind, u.tx_power_dbm) for u in timeline.air_since(0.0)] == [
        (2.0, 3.0, AirKind.RRC_SETUP, 17.0),
        (3.0, 3.5, AirKind.UL, 17.0),
        (4.0, 4.5, AirKind.DL, None),
    ]


def test_air_since_keeps_what_is_still_on_the_air_however_early_it_was_booked() -> None:
    timeline = StateTimeline(clock=Clock())
    timeline.record_transfer(transfer(Direction.UL, 1.0), tx_power_dbm=10.0)
    timeline.record_transfer(transfer(Direction.UL, 9.0), tx_power_dbm=10.0)  # queued far ahead
    assert [use.start_s for use in timeline.air_since(1.5)] == [1.0, 9.0]  # ends at 1.5: still counted
    assert [use.start_s for use in timeline.air_since(1.6)] == [9.0]
