"""virtual layer: the link model of a virtual module (delay, jitter, rate, loss, the air schedule, RRC).

A plain object: it is told the time and answers when a packet arrives, so tests drive it without a loop or
sockets. `tc` on this machine has no netem (../shared/reference/this-machine.md), so the radio's delay, jitter
and loss live here, in user space.

A packet of `payload_bytes` (UDP payload) sent at `at_s`:
  airtime_ms = (payload_bytes + 28) * 8 / rate_kbps      28 = IPv4 (20) + UDP (8) header bytes; 1 kbit/s
                                                        is 1 bit/ms
  network_ms = delay_ms + U(0, jitter_ms)
  uplink:    wait for an RRC connection (rrc_setup_ms when idle) and for a free slot on the air, send for
             airtime_ms (ul_kbps), then network_ms to the far end.
  downlink:  network_ms to the cell, wait for the connection (paging and setup: rrc_setup_ms when idle) and a
             free slot on the air, then airtime_ms (dl_kbps) to the module.
NB-IoT is half-duplex (cellular-iot.md §4.1): both directions share one air schedule; a packet takes the
first gap long enough for it. Cat-1 and RedCap are full duplex here (`is_half_duplex` False): each direction
has its own schedule (a TDD cell's slot split is folded into its rates, harness.virtual.profiles).
Packets keep their order per direction: none arrives before the one sent before it in the same direction.
A packet is lost with probability loss_pct / 100; it still uses the air.
The RRC connection is released inactivity_s after the air was last used (the network's inactivity timer),
or as soon as the air is free after a packet sent with release assistance (RAI, 3GPP Rel-14: "no further
data" releases after that uplink packet, "one response" after the next downlink packet; the values of
Quectel's <RAI_info> [S13], cellular-iot.md §3.1). The profile can change at any time: a change applies
from the next packet.
Random draws come from one seeded generator, two per packet in a fixed order, so a run is reproducible.

In the connected state with nothing else queued, an echo of N bytes has the RTT
  2 * delay_ms + U(0, jitter_ms) + U(0, jitter_ms) + airtime_ms(N, ul_kbps) + airtime_ms(N, dl_kbps);
the sum of two U(0, j) is symmetric around j, so its median is `expected_rtt_median_ms` and its range
`rtt_bounds_ms` (both exclude the far end's and the AT exchange's own time).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType

IPV4_UDP_HEADER_BYTES = 28


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkProfile:
    """Link figures for one coverage-enhancement level; every field can be overridden from the URL."""

    delay_ms: float
    jitter_ms: float
    ul_kbps: float
    dl_kbps: float
    loss_pct: float
    rrc_setup_ms: float
    inactivity_s: float
    is_half_duplex: bool = True


# Defaults per CE level. Anchors (cellular-iot.md §4.1 [S21][S22], indicators.md §4.1): RTT medians
# CE0 ≈ 1 s, CE1 ≈ 4 s, CE2 ≈ 8 s, plus 1-3 s when an RRC connection must be set up first; Cat-NB1
# sustained rates ≈ 62.5 kbit/s UL (multi-tone) / 26 kbit/s DL; single-tone UL ≈ 16.9 kbit/s; field
# RLC/MAC rates ≈ 2 kbit/s UL / 0.5 kbit/s DL [R20]. Our judgement: CE0 takes the NB1 sustained rates, CE1
# single-tone UL and a third of the DL, CE2 the field rates; delay and jitter are then chosen so a 64-byte
# echo has the median RTT above; loss is low because RLC AM and HARQ retransmit (every echo came back in
# [R20]); rrc_setup_ms spans the 1-3 s; inactivity_s ≈ the usual 10-20 s network timer (§5.1).
CE_PROFILES: Mapping[int, LinkProfile] = MappingProxyType(
    {
        0: LinkProfile(
            delay_ms=380.0, jitter_ms=200.0, ul_kbps=62.5, dl_kbps=26.0,
            loss_pct=0.0, rrc_setup_ms=1000.0, inactivity_s=20.0,
        ),
        1: LinkProfile(
            delay_ms=1630.0, jitter_ms=600.0, ul_kbps=16.9, dl_kbps=8.0,
            loss_pct=0.5, rrc_setup_ms=2000.0, inactivity_s=20.0,
        ),
        2: LinkProfile(
            delay_ms=2600.0, jitter_ms=1000.0, ul_kbps=2.0, dl_kbps=0.5,
            loss_pct=2.0, rrc_setup_ms=3000.0, inactivity_s=20.0,
        ),
    }
)  # fmt: skip


class Direction(StrEnum):
    UL = "ul"
    DL = "dl"


class ReleaseAssistance(IntEnum):
    """Release assistance carried by an uplink packet (the <RAI_info> values of [S13])."""

    NONE = 0
    NO_FURTHER_DATA = 1
    ONE_RESPONSE = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """What happens to one packet: when it arrives (None: lost), when it is on the air (from `air_start_s`
    for `air_s`, lost or not) and, when it had to set up an RRC connection first, when that connection came
    up after `setup_s` of set-up."""

    direction: Direction
    payload_bytes: int
    arrive_at_s: float | None
    connected_at_s: float | None
    air_start_s: float
    air_s: float
    setup_s: float


def airtime_ms(payload_bytes: int, rate_kbps: float) -> float:
    """Time on the air of a UDP payload of `payload_bytes` with its IPv4 and UDP headers."""
    return (payload_bytes + IPV4_UDP_HEADER_BYTES) * 8 / rate_kbps


def expected_rtt_median_ms(profile: LinkProfile, payload_bytes: int) -> float:
    """Median RTT of an echo of `payload_bytes` each way, connected, nothing else queued (see module doc)."""
    low_ms, high_ms = rtt_bounds_ms(profile, payload_bytes)
    return (low_ms + high_ms) / 2


def rtt_bounds_ms(profile: LinkProfile, payload_bytes: int) -> tuple[float, float]:
    """Least and greatest RTT of such an echo: the jitter of both directions at 0 and at jitter_ms."""
    fixed_ms = (
        2 * profile.delay_ms
        + airtime_ms(payload_bytes, profile.ul_kbps)
        + airtime_ms(payload_bytes, profile.dl_kbps)
    )
    return fixed_ms, fixed_ms + 2 * profile.jitter_ms


class LinkModel:
    """One module's radio link: the air schedule, the RRC connection and the random draws."""

    def __init__(self, profile: LinkProfile, *, seed: int) -> None:
        self.profile = profile
        self._rng = random.Random(seed)
        # busy (start_s, end_s) intervals on the air, sorted, none overlapping: one list for a half-duplex
        # link, one per direction otherwise
        self._air: dict[Direction, list[tuple[float, float]]] = {}
        self._connected_at_s: float | None = None
        self._last_air_end_s = -math.inf
        self._last_arrival_s = {Direction.UL: -math.inf, Direction.DL: -math.inf}
        self._is_release_early = False
        self._is_release_after_downlink = False
        self._arrange_air()

    def set_profile(self, profile: LinkProfile) -> None:
        """New figures from the next packet on (a changed radio condition); bookings already made stay."""
        was_half_duplex = self.profile.is_half_duplex
        self.profile = profile
        if profile.is_half_duplex != was_half_duplex:
            self._arrange_air()

    @property
    def release_at_s(self) -> float | None:
        """When the current connection goes idle if nothing else is sent; None when there is none."""
        if self._connected_at_s is None:
            return None
        hold_s = 0.0 if self._is_release_early else self.profile.inactivity_s
        return max(self._connected_at_s, self._last_air_end_s) + hold_s

    def is_connected(self, at_s: float) -> bool:
        release_at_s = self.release_at_s
        return (
            self._connected_at_s is not None
            and release_at_s is not None
            and self._connected_at_s <= at_s < release_at_s
        )

    def signal(self, at_s: float) -> bool:
        """Signalling (an attach) used the connection at `at_s`; True when that set up a new one."""
        is_new = self.is_idle(at_s)
        if is_new:
            self._connected_at_s = at_s
            self._is_release_early = False
        self._last_air_end_s = max(self._last_air_end_s, at_s)
        return is_new

    def release(self) -> None:
        """The connection is gone at once (deregistration, reboot, a cell change)."""
        self._connected_at_s = None
        self._is_release_early = False
        self._is_release_after_downlink = False

    def send(
        self,
        direction: Direction,
        payload_bytes: int,
        *,
        at_s: float,
        rai: ReleaseAssistance = ReleaseAssistance.NONE,
    ) -> Transfer:
        """Send a packet at `at_s` (`rai`: release assistance of an uplink packet); successive calls must not
        go back in time."""
        p = self.profile
        # no packet sent from now on can be ready before now: earlier air bookings no longer matter
        for air in self._air.values():
            while air and air[0][1] <= at_s:
                air.pop(0)
        is_lost = self._rng.random() * 100 < p.loss_pct
        network_s = (p.delay_ms + self._rng.uniform(0.0, p.jitter_ms)) / 1000
        rate_kbps = p.ul_kbps if direction is Direction.UL else p.dl_kbps
        duration_s = airtime_ms(payload_bytes, rate_kbps) / 1000
        ready_s, connected_at_s = self._connection_ready(
            at_s if direction is Direction.UL else at_s + network_s
        )
        air_end_s = self._occupy_air(direction, ready_s, duration_s)
        arrive_s = air_end_s + network_s if direction is Direction.UL else air_end_s
        arrive_s = max(arrive_s, self._last_arrival_s[direction])
        self._last_arrival_s[direction] = arrive_s
        self._note_release_assistance(direction, rai)
        return Transfer(
            direction=direction,
            payload_bytes=payload_bytes,
            arrive_at_s=None if is_lost else arrive_s,
            connected_at_s=connected_at_s,
            air_start_s=air_end_s - duration_s,
            air_s=duration_s,
            setup_s=p.rrc_setup_ms / 1000,
        )

    def _note_release_assistance(self, direction: Direction, rai: ReleaseAssistance) -> None:
        if direction is Direction.DL:
            if self._is_release_after_downlink:
                self._is_release_after_downlink = False
                self._is_release_early = True
            return
        # an uplink packet without RAI means more traffic: the network's inactivity timer applies again
        self._is_release_early = rai is ReleaseAssistance.NO_FURTHER_DATA
        self._is_release_after_downlink = rai is ReleaseAssistance.ONE_RESPONSE

    def is_idle(self, at_s: float) -> bool:
        """No connection at `at_s`, not even one being set up: the next packet needs a new one."""
        release_at_s = self.release_at_s
        return release_at_s is None or at_s >= release_at_s

    def _connection_ready(self, at_s: float) -> tuple[float, float | None]:
        """When a packet that needs the air at `at_s` can have it, and when a new connection came up."""
        if self.is_idle(at_s):
            self._connected_at_s = at_s + self.profile.rrc_setup_ms / 1000
            self._is_release_early = False
            self._is_release_after_downlink = False
            return self._connected_at_s, self._connected_at_s
        assert self._connected_at_s is not None
        # a connection still being set up makes later packets wait for it too
        return max(at_s, self._connected_at_s), None

    def _arrange_air(self) -> None:
        shared: list[tuple[float, float]] = []
        if self.profile.is_half_duplex:
            self._air = {Direction.UL: shared, Direction.DL: shared}
        else:
            self._air = {Direction.UL: [], Direction.DL: []}

    def _occupy_air(self, direction: Direction, ready_s: float, duration_s: float) -> float:
        """Book the first gap of `duration_s` on the air at or after `ready_s`; return when it ends."""
        air = self._air[direction]
        start_s = ready_s
        for busy_start_s, busy_end_s in air:
            if start_s + duration_s <= busy_start_s:
                break
            start_s = max(start_s, busy_end_s)
        bisect.insort(air, (start_s, start_s + duration_s))
        self._last_air_end_s = max(self._last_air_end_s, start_s + duration_s)
        return start_s + duration_s
