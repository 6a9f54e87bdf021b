"""virtual layer: a virtual module's UART between its AT front and its serial line, as faults leave it
(harness.virtual.faults): mute (a hung AT task: nothing in, nothing out), slow (everything it writes goes out
delay_s late, in order) or noisy (random bytes before a response or URC).

Noise goes only in front of a frame (every response and URC starts with <CR><LF>, at_front.frame), so it
ends up on a line of its own and never inside a response line or a data block: the harness must survive the
noise, and it must never read a wrong value (DESIGN "never a wrong value"). The noise has NUL and bytes that
are not UTF-8, but no CR, LF or '>' (a line end or a prompt made of noise would be another fault). It starts
with a glitch byte, NUL (a break) or one of 0xF5-0xFF (judgement: a glitch reads as mostly ones or zeros),
neither of which is ever text, so a reader can always tell the noise from a line (harness.at.framing);
noise of printable characters only would read as a line to any reader. Draws come from a generator seeded
from the URL's seed, so a noisy run repeats.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from harness.virtual.event_loop import EventLoop, Timer

CRLF = b"\r\n"
NOISE_BYTES = bytes(byte for byte in range(256) if byte not in b"\r\n>")
GLITCH_BYTES = b"\x00" + bytes(range(0xF5, 0x100))  # never in UTF-8 text


@dataclass(frozen=True, slots=True, kw_only=True)
class Noise:
    chance_pct: float  # of each frame getting noise in front of it
    max_bytes: int  # 1..max_bytes bytes of it


class Uart:
    def __init__(self, *, loop: EventLoop, write: Callable[[bytes], None], seed: int) -> None:
        self._loop = loop
        self._write = write
        self._rng = random.Random(f"uart-{seed}")
        self.is_mute = False
        self.delay_s = 0.0
        self.noise: Noise | None = None
        self.feed: Callable[[bytes], None] = _discard  # the AT front's input
        self._delayed: deque[tuple[float, bytes]] = deque()
        self._flush_timer: Timer | None = None

    def write(self, data: bytes) -> None:
        """What the AT front writes, on its way to the host."""
        if self.is_mute or not data:
            return
        if (
            self.noise is not None
            and data.startswith(CRLF)
            and self._rng.random() * 100 < self.noise.chance_pct
        ):
            count = self._rng.randint(1, self.noise.max_bytes)
            glitch = self._rng.choice(GLITCH_BYTES)
            data = bytes((glitch, *self._rng.choices(NOISE_BYTES, k=count - 1))) + data
        if self.delay_s <= 0 and not self._delayed:
            self._write(data)
            return
        due_s = self._loop.now_s() + self.delay_s
        if self._delayed:
            due_s = max(due_s, self._delayed[-1][0])  # never before what was written earlier
        self._delayed.append((due_s, data))
        if self._flush_timer is None:
            self._flush_timer = self._loop.call_at(due_s, self._flush)

    def receive(self, data: bytes) -> None:
        """What the host sends, on its way to the AT front."""
        if not self.is_mute:
            self.feed(data)

    def _flush(self) -> None:
        self._flush_timer = None
        now_s = self._loop.now_s()
        while self._delayed and self._delayed[0][0] <= now_s:
            self._write(self._delayed.popleft()[1])
        if self._delayed:
            self._flush_timer = self._loop.call_at(self._delayed[0][0], self._flush)


def _discard(data: bytes) -> None:
    del data
