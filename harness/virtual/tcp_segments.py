"""virtual layer: one direction of a virtual module's TCP connection across its radio link.

Segments go through the module's RadioPath (harness.virtual.udp_sockets.RadioPath) like datagrams do, so
they take the link's RRC set-up, delay, jitter, rate and shared air; on top of it this pipe does what TCP
does about the link: segments reach the far end in order and once, and one the link lost is sent again.

Retransmission per RFC 6298: one timer for the oldest outstanding segment (§5.1-5.3), the RTO 1 s before
any sample (§2.1), then SRTT + 4 RTTVAR from segments sent once (Karn, §3), never below 1 s (§2.4) nor above
60 s (§2.5), doubled at each expiry (§5.5), the oldest outstanding segment sent again (§5.4).
Assumptions (ours, the references are silent): pure ACKs are not put on the air (they are small; the
other direction's data carries them), so a segment counts as acknowledged when it arrives and its RTT
sample is twice its one-way time; at most WINDOW_SEGMENTS segments are outstanding, a small window that
keeps the air queue of a slow NB-IoT link within a few RTOs.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from harness.virtual.event_loop import EventLoop, Timer

INITIAL_RTO_S = 1.0  # RFC 6298 §2.1
MIN_RTO_S = 1.0  # RFC 6298 §2.4
MAX_RTO_S = 60.0  # RFC 6298 §2.5 allows an upper bound of at least 60 s
WINDOW_SEGMENTS = 4  # judgement, see the module docstring
# The link model counts a payload plus 28 bytes of IPv4 and UDP header (harness.virtual.link); a TCP header
# is 20 bytes, 12 more than UDP's, and a SYN carries about 20 bytes of options (MSS, SACK permitted,
# timestamps, window scale: what Linux sends; judgement).
TCP_EXTRA_HEADER_BYTES = 12
SYN_OPTION_BYTES = 20
_RTT_GAIN, _RTTVAR_GAIN, _K = 1 / 8, 1 / 4, 4  # RFC 6298 §2.3 alpha, beta, K

Carry = Callable[[int, Callable[[], None]], None]  # RadioPath.uplink / .downlink: (payload bytes, deliver)


class SegmentKind(StrEnum):
    SYN = "syn"
    SYN_ACK = "syn-ack"
    RST = "rst"
    DATA = "data"
    FIN = "fin"


@dataclass(slots=True, eq=False)
class Segment:
    seq: int
    kind: SegmentKind
    data: bytes = b""
    sent_s: float = 0.0
    is_resent: bool = False

    @property
    def air_bytes(self) -> int:
        """What the link model is told the segment's payload is (see the constants above)."""
        options = SYN_OPTION_BYTES if self.kind in (SegmentKind.SYN, SegmentKind.SYN_ACK) else 0
        return len(self.data) + TCP_EXTRA_HEADER_BYTES + options


class SegmentPipe:
    """Segments from one end to the other; `deliver` runs for each, in order, once."""

    def __init__(self, *, loop: EventLoop, carry: Carry, deliver: Callable[[Segment], None]) -> None:
        self._loop = loop
        self._carry = carry
        self._deliver = deliver
        self._next_seq = 0
        self._waiting: deque[Segment] = deque()
        self._outstanding: dict[int, Segment] = {}  # in sending order
        self._arrived: dict[int, Segment] = {}  # out of order at the far end
        self._next_expected = 0
        self._srtt_s: float | None = None
        self._rttvar_s = 0.0
        self.rto_s = INITIAL_RTO_S
        self._timer: Timer | None = None
        self._is_stopped = False

    @property
    def pending_bytes(self) -> int:
        """Data handed to the pipe that has not arrived yet."""
        segments = [*self._waiting, *self._outstanding.values()]
        return sum(len(segment.data) for segment in segments)

    @property
    def pending_segments(self) -> int:
        return len(self._waiting) + len(self._outstanding)

    def send(self, kind: SegmentKind, data: bytes = b"") -> None:
        self._waiting.append(Segment(seq=self._next_seq, kind=kind, data=data))
        self._next_seq += 1
        self._pump()

    def stop(self) -> None:
        """Nothing more is sent or delivered (the connection is gone)."""
        self._is_stopped = True
        self._waiting.clear()
        self._outstanding.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _pump(self) -> None:
        while not self._is_stopped and self._waiting and len(self._outstanding) < WINDOW_SEGMENTS:
            segment = self._waiting.popleft()
            self._outstanding[segment.seq] = segment
            self._transmit(segment)

    def _transmit(self, segment: Segment) -> None:
        segment.sent_s = self._loop.now_s()
        arrive = functools.partial(self._arrive, segment, segment.sent_s, segment.is_resent)
        self._carry(segment.air_bytes, arrive)
        if self._timer is None:
            self._timer = self._loop.call_later(self.rto_s, self._expired)

    def _arrive(self, segment: Segment, sent_s: float, is_resent: bool) -> None:
        if self._is_stopped:
            return
        if self._outstanding.pop(segment.seq, None) is not None:
            if not is_resent:
                self._sample(2 * (self._loop.now_s() - sent_s))
            self._restart_timer()
        if segment.seq >= self._next_expected and segment.seq not in self._arrived:
            self._arrived[segment.seq] = segment
            while self._next_expected in self._arrived and not self._is_stopped:
                self._deliver(self._arrived.pop(self._next_expected))
                self._next_expected += 1
        self._pump()

    def _sample(self, rtt_s: float) -> None:
        if self._srtt_s is None:
            self._srtt_s, self._rttvar_s = rtt_s, rtt_s / 2
        else:
            self._rttvar_s += _RTTVAR_GAIN * (abs(self._srtt_s - rtt_s) - self._rttvar_s)
            self._srtt_s += _RTT_GAIN * (rtt_s - self._srtt_s)
        self.rto_s = min(max(self._srtt_s + _K * self._rttvar_s, MIN_RTO_S), MAX_RTO_S)

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(self.rto_s, self._expired) if self._outstanding else None

    def _expired(self) -> None:
        self._timer = None
        if self._is_stopped or not self._outstanding:
            return
        self.rto_s = min(self.rto_s * 2, MAX_RTO_S)
        oldest = next(iter(self._outstanding.values()))
        oldest.is_resent = True
        self._transmit(oldest)
