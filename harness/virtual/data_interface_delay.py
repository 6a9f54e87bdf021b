"""virtual layer: the delay line of a virtual module's data interface (via="host"): one-way delay, jitter,
loss and the RRC connection, for the frames the relay (data_interface_relay) moves between host and network.

`tc` here has no netem (../shared/reference/this-machine.md), so this is the user-space part of the path;
tbf in the router namespace adds the rate. A plain object told the time, like link.LinkModel, so tests drive
it without sockets or root. For a frame of one direction that arrives at `now_s`:

  ready_s = now_s while the RRC connection is up; else when it will be: the first frame that finds it idle
            sets it up, rrc_setup_ms later, and every frame of either direction waits for that
  due_s   = max(ready_s + (delay_ms + U(0, jitter_ms)) / 1000, due_s of the frame before it)

These are link.LinkModel's figures and order rule (frames never overtake one another), so an echo's RTT has
link.expected_rtt_median_ms / rtt_bounds_ms for its median and range, without the air time, which tbf adds at
the profile's rate. Frames sent closer together than the jitter are held back by the order rule, so under
load the delay tends to delay_ms + jitter_ms. A frame is lost with probability loss_pct / 100; like
link.LinkModel, each frame takes two draws (loss, then jitter) from one seeded generator, so a run repeats
with its seed. The
connection is released inactivity_s after the last frame left (the network's inactivity timer). A direction
holds at most `max_queued_bytes` in the line; beyond that, frames are dropped as a full buffer drops them.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")

# Judgement: 16 MiB is about 0.6 s at a RedCap DL peak of 226.9 Mbit/s (cellular-iot.md §4.4 [S23]),
# more than any delay a profile sets, so only a runaway sender meets it.
DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024


class Direction(StrEnum):
    UL = "ul"  # host -> network: what the module transmits
    DL = "dl"  # network -> host


@dataclass(frozen=True, slots=True, kw_only=True)
class Impairment:
    """The user-space figures of a link profile (link.LinkProfile without its rates)."""

    delay_ms: float
    jitter_ms: float
    loss_pct: float
    rrc_setup_ms: float
    inactivity_s: float


@dataclass(slots=True)
class LineCounters:
    """What one direction of the line did with the frames it was given."""

    admitted_frames: int = 0
    admitted_bytes: int = 0
    lost_frames: int = 0  # the profile's loss
    overflow_frames: int = 0  # the line held max_queued_bytes already
    delivered_frames: int = 0
    delivered_bytes: int = 0


@dataclass(slots=True)
class _Line(Generic[T]):
    # (due_s, size_bytes, item), due_s never decreasing
    queue: deque[tuple[float, int, T]] = field(default_factory=deque)
    queued_bytes: int = 0
    last_due_s: float = -math.inf
    counters: LineCounters = field(default_factory=LineCounters)


class DelayLine(Generic[T]):
    """Both directions of a data interface and the one RRC connection they share; an item is what the
    caller moves (a frame), counted by the size it is given."""

    def __init__(
        self, impairment: Impairment, *, seed: int, max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES
    ) -> None:
        self.impairment = impairment
        self._rng = random.Random(seed)
        self._max_queued_bytes = max_queued_bytes
        self._lines: dict[Direction, _Line[T]] = {direction: _Line() for direction in Direction}
        self._connected_at_s: float | None = None
        self._last_use_s = -math.inf

    def counters(self, direction: Direction) -> LineCounters:
        return self._lines[direction].counters

    @property
    def release_at_s(self) -> float | None:
        """When the connection goes idle if nothing more is sent; None while there is none."""
        if self._connected_at_s is None:
            return None
        return max(self._connected_at_s, self._last_use_s) + self.impairment.inactivity_s

    def is_connected(self, at_s: float) -> bool:
        release_at_s = self.release_at_s
        return (
            self._connected_at_s is not None
            and release_at_s is not None
            and self._connected_at_s <= at_s < release_at_s
        )

    def admit(self, direction: Direction, item: T, size_bytes: int, now_s: float) -> bool:
        """Queue an item of `size_bytes` that arrived at `now_s`; False when it is lost or the line is
        full. A lost item still used the connection (it went over the air and failed there)."""
        line = self._lines[direction]
        line.counters.admitted_frames += 1
        line.counters.admitted_bytes += size_bytes
        p = self.impairment
        is_lost = self._rng.random() * 100 < p.loss_pct
        delay_s = (p.delay_ms + self._rng.uniform(0.0, p.jitter_ms)) / 1000
        due_s = max(self._ready_at_s(now_s) + delay_s, line.last_due_s)
        self._last_use_s = max(self._last_use_s, due_s)
        if is_lost:
            line.counters.lost_frames += 1
            return False
        if line.queued_bytes + size_bytes > self._max_queued_bytes:
            line.counters.overflow_frames += 1
            return False
        line.last_due_s = due_s
        line.queue.append((due_s, size_bytes, item))
        line.queued_bytes += size_bytes
        return True

    def pop_due(self, direction: Direction, now_s: float) -> list[T]:
        """The items of `direction` due by `now_s`, oldest first."""
        line = self._lines[direction]
        due: list[T] = []
        while line.queue and line.queue[0][0] <= now_s:
            _, size_bytes, item = line.queue.popleft()
            line.queued_bytes -= size_bytes
            line.counters.delivered_frames += 1
            line.counters.delivered_bytes += size_bytes
            due.append(item)
        return due

    def next_due_s(self, direction: Direction | None = None) -> float | None:
        """When the next item of `direction` (None: of either) is due; None when there is none."""
        lines = self._lines.values() if direction is None else (self._lines[direction],)
        heads = [line.queue[0][0] for line in lines if line.queue]
        return min(heads) if heads else None

    def next_change_s(self, now_s: float) -> float | None:
        """When the connection next comes up or goes idle by itself; None when nothing is pending."""
        if self._connected_at_s is None:
            return None
        if now_s < self._connected_at_s:
            return self._connected_at_s
        return self.release_at_s

    def _ready_at_s(self, now_s: float) -> float:
        release_at_s = self.release_at_s
        if release_at_s is None or now_s >= release_at_s:
            self._connected_at_s = now_s + self.impairment.rrc_setup_ms / 1000
            self._last_use_s = self._connected_at_s
        assert self._connected_at_s is not None
        return max(now_s, self._connected_at_s)
