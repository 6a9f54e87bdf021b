"""harness.virtual.state_timeline: the state changes a power rail reads (the control op "timeline" shows them
from a running module: tests/virtual/test_control.py)."""

from __future__ import annotations

from harness.virtual.state_timeline import MAX_CHANGES, ModemState, StateChange, StateTimeline


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
