"""harness.virtual.tcp_segments: in-order, once-only delivery over a link that loses, delays and reorders,
and the RFC 6298 retransmission timer, on a hand-driven clock (no sockets, no event loop thread)."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.tcp_segments import (
    INITIAL_RTO_S,
    TCP_EXTRA_HEADER_BYTES,
    WINDOW_SEGMENTS,
    Segment,
    SegmentKind,
    SegmentPipe,
)


class Clock:
    """Timers of an EventLoop run by hand: advance(to_s) runs every timer due by then, in order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()

    def now_s(self) -> float:
        return self.now

    def call_at(self, due_s: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(due_s=due_s, callback=callback)
        heapq.heappush(self._timers, (due_s, next(self._order), timer))
        return timer

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.now + delay_s, callback)

    def advance(self, to_s: float) -> None:
        while self._timers and self._timers[0][0] <= to_s:
            due_s, _, timer = heapq.heappop(self._timers)
            self.now = max(self.now, due_s)
            if not timer.is_cancelled:
                timer.callback()
        self.now = max(self.now, to_s)


class Link:
    """The carry of a pipe: every transmission is kept; the test delivers, delays or loses it."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Callable[[], None]]] = []

    def carry(self, payload_bytes: int, deliver: Callable[[], None]) -> None:
        self.sent.append((payload_bytes, deliver))


def pipe_on(clock: Clock, link: Link, delivered: list[Segment]) -> SegmentPipe:
    loop: EventLoop = clock  # type: ignore[assignment]  # the three methods the pipe uses
    return SegmentPipe(loop=loop, carry=link.carry, deliver=delivered.append)


def test_a_window_of_segments_then_one_more_per_arrival() -> None:
    clock, link, delivered = Clock(), Link(), []
    pipe = pipe_on(clock, link, delivered)
    for index in range(WINDOW_SEGMENTS + 2):
        pipe.send(SegmentKind.DATA, bytes([index]) * 10)
    assert len(link.sent) == WINDOW_SEGMENTS
    assert link.sent[0][0] == 10 + TCP_EXTRA_HEADER_BYTES
    link.sent[0][1]()
    assert len(link.sent) == WINDOW_SEGMENTS + 1
    assert pipe.pending_segments == WINDOW_SEGMENTS + 1
    assert pipe.pending_bytes == 10 * (WINDOW_SEGMENTS + 1)


def test_a_lost_segment_is_sent_again_after_the_rto_which_then_doubles() -> None:
    clock, link, delivered = Clock(), Link(), []
    pipe = pipe_on(clock, link, delivered)
    pipe.send(SegmentKind.SYN)
    clock.advance(INITIAL_RTO_S - 0.01)
    assert len(link.sent) == 1  # lost: nothing is delivered
    clock.advance(INITIAL_RTO_S)
    assert len(link.sent) == 2
    assert pipe.rto_s == 2 * INITIAL_RTO_S
    clock.advance(INITIAL_RTO_S + 2 * INITIAL_RTO_S)
    assert len(link.sent) == 3
    link.sent[2][1]()
    assert [segment.kind for segment in delivered] == [SegmentKind.SYN]
    link.sent[1][1]()  # the copy that was only late: delivered once all the same
    assert len(delivered) == 1


def test_the_rto_follows_rtt_samples_and_stays_at_least_a_second() -> None:
    clock, link, delivered = Clock(), Link(), []
    pipe = pipe_on(clock, link, delivered)
    pipe.send(SegmentKind.DATA, b"x")
    clock.advance(0.2)
    link.sent[0][1]()  # one way 0.2 s: a 0.4 s sample, SRTT 0.4, RTTVAR 0.2 (RFC 6298 §2.2)
    assert pipe.rto_s == pytest.approx(0.4 + 4 * 0.2)
    pipe.send(SegmentKind.DATA, b"y")
    clock.advance(0.25)
    link.sent[1][1]()  # a 0.1 s sample: RTTVAR 0.225, SRTT 0.3625 (§2.3)
    assert pipe.rto_s == pytest.approx(0.3625 + 4 * 0.225)
    for index in range(30):  # quick round trips: the RTO comes down to its floor, 1 s (§2.4)
        pipe.send(SegmentKind.DATA, b"z")
        clock.advance(clock.now + 0.001)
        link.sent[2 + index][1]()
    assert pipe.rto_s == 1.0


def test_nothing_moves_once_stopped() -> None:
    clock, link, delivered = Clock(), Link(), []
    pipe = pipe_on(clock, link, delivered)
    pipe.send(SegmentKind.DATA, b"x")
    pipe.stop()
    link.sent[0][1]()
    clock.advance(100.0)
    assert delivered == []
    assert len(link.sent) == 1


@given(
    count=st.integers(min_value=1, max_value=12),
    order=st.randoms(use_true_random=False),
    lost=st.sets(st.integers(min_value=0, max_value=40), max_size=10),
)
def test_any_losses_and_arrival_order_deliver_every_segment_once_in_order(
    count: int, order: random.Random, lost: set[int]
) -> None:
    """Transmissions in `lost` (by their number) never arrive; the others arrive in a shuffled order."""
    clock, link, delivered = Clock(), Link(), []
    pipe = pipe_on(clock, link, delivered)
    for index in range(count):
        pipe.send(SegmentKind.DATA, bytes([index]))
    handled = 0
    for _ in range(200):
        batch = list(range(handled, len(link.sent)))
        handled = len(link.sent)
        order.shuffle(batch)
        for transmission in batch:
            if transmission not in lost:
                link.sent[transmission][1]()
        if len(delivered) == count:
            break
        if handled == len(link.sent):
            clock.advance(clock.now + 120.0)  # past any RTO: the oldest outstanding segment goes again
    assert [segment.data for segment in delivered] == [bytes([index]) for index in range(count)]
