"""traffic layer: downlink reachability inside and outside the eDRX paging time window (issue 6 item 5;
cellular-iot.md §5.2 step 3; indicators.md §5.7 `dl_reachability_pct`: reachable means inside the PTW).

An idle module with eDRX listens only inside its PTW, one per eDRX cycle, at a paging occasion every
paging cycle inside it; downlink for it at any other time waits for the next window, where the network
buffers it (cellular-iot.md §5.2 step 3: delay ≈ U(0, T_eDRX - PTW) + paging and connection set-up;
PTW < eDRX, step 5). The harness cannot see the windows' phase (a cell counts them from hyperframe 0 and
the UE identity), so it measures it:

1. eDRX requested with the plan's cycle and PTW and PSM off, a re-attach to carry the request, the grant
   read back (harness.traffic.grants); the requests held for the run and put back after it.
2. a report from the module, so a peer on the server host learns its address; the RRC release awaited.
3. phase: a downlink datagram sent while the module is idle. Delivered later than a paging cycle (plus
   `tolerance_s`), it was held for a window, and its delivery marks one (`reference`). Delivered at once,
   it fell inside one; a second datagram sent a PTW later (plus whole cycles, once idle again) falls
   outside every window (PTW ≤ half the cycle) and marks the next one.
4. per attempt, once idle: `inside`, a datagram sent at a predicted window start (the reference plus
   whole cycles). The reference carries the delivery's overhead (RRC set-up, network delay), so that
   instant is inside the window for any overhead shorter than the PTW; it must arrive within a paging
   cycle plus the tolerance. `outside`, one sent halfway between two windows; it must be held until the
   next window, i.e. arrive `predicted_delay_s` after it was sent, within the tolerance.

KPIs: dl_reachability_in_ptw_pct (inside datagrams delivered promptly), dl_in_ptw_delay_max_s,
dl_reachability_out_ptw_pct (outside datagrams delivered at all), dl_out_ptw_held_pct (delivered no earlier
than the next window, less the tolerance), dl_out_ptw_delay_max_s, dl_out_ptw_delay_error_max_s (largest
|measured - predicted| outside), with the grant's KPIs. `timer_scale` (1 on hardware) is the virtual rig's:
the granted cycle and PTW run that many times their coded length; `paging_cycle_s` is as run.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import pandas as pd

from harness.dialects.modem import EDRX, Modem, ModuleSocket
from harness.metrics import MetricValue
from harness.power.wake_schedule import GrantedTimers
from harness.traffic.grants import GrantSpec, run_grants
from harness.traffic.power_save import held_requests
from harness.traffic.power_save_cycle import await_payload
from harness.traffic.power_save_events import DownlinkPeer, ModuleEvent, ModuleEventWatch
from harness.traffic.registration_watch import reporting_modem
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN

_REPORT = b"R"
# (J) sent no sooner than this after the release was seen: the module is surely idle by then
_IDLE_GUARD_S = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxReachabilitySpec:
    """Plan parameters of the eDRX reachability procedure (module docstring)."""

    edrx_cycle_s: float = field(default=40.96, metadata={"above": 0})
    ptw_s: float | None = field(default=10.24, metadata={"above": 0})
    paging_cycle_s: float = field(default=2.56, metadata={"above": 0})  # as run
    timer_scale: float = field(default=1.0, metadata={"above": 0})
    attempts: int = field(default=1, metadata={"min": 1})
    tolerance_s: float = field(default=1.0, metadata={"above": 0})
    event_timeout_s: float = field(default=60.0, metadata={"above": 0})
    attempt_timeout_s: float = field(default=180.0, metadata={"above": 0})
    off_s: float = field(default=0.5, metadata={"min": 0})


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxReachabilityResult:
    samples: pd.DataFrame  # one row per downlink datagram, t_s = sent_s (session clock)
    summary: dict[str, MetricValue]
    timers: GrantedTimers  # as run


@dataclass(frozen=True, slots=True, kw_only=True)
class _Downlink:
    kind: str  # phase | inside | outside
    sent_s: float
    received_s: float | None
    predicted_delay_s: float | None = None

    @property
    def delay_s(self) -> float | None:
        return None if self.received_s is None else self.received_s - self.sent_s


def run_edrx_reachability(
    modem: Modem, spec: EdrxReachabilitySpec, *, server_host: str
) -> EdrxReachabilityResult:
    """Grant, phase, then inside and outside datagrams per attempt (module docstring)."""
    if EDRX not in modem.capabilities:
        raise ValueError(f"{type(modem).__name__} cannot request eDRX")
    session = reporting_modem(modem).session
    grant_spec = GrantSpec(
        periodic_tau_s=None,
        active_time_s=None,
        edrx_cycle_s=spec.edrx_cycle_s,
        ptw_s=spec.ptw_s,
        attempt_timeout_s=spec.attempt_timeout_s,
        off_s=spec.off_s,
    )
    grants = run_grants(modem, grant_spec)
    with (
        held_requests(modem, grant_spec) as granted,
        ModuleEventWatch(session) as watch,
        DownlinkPeer(server_host, clock=session.now_s) as peer,
    ):
        timers = dataclasses.replace(granted.scaled(spec.timer_scale), paging_cycle_s=spec.paging_cycle_s)
        sock = modem.open_udp(*peer.address)
        try:
            downlinks = _Prober(sock, peer, watch, spec, timers).run()
        finally:
            sock.close()
    return EdrxReachabilityResult(
        samples=_samples(downlinks), summary={**grants.summary, **summarize(downlinks, spec)}, timers=timers
    )


class _Prober:
    def __init__(
        self,
        sock: ModuleSocket,
        peer: DownlinkPeer,
        watch: ModuleEventWatch,
        spec: EdrxReachabilitySpec,
        timers: GrantedTimers,
    ) -> None:
        self.sock, self.peer, self.watch, self.spec = sock, peer, watch, spec
        self.cycle_s = timers.edrx_cycle_s or math.nan
        self.ptw_s = timers.ptw_s or math.nan
        self.downlinks: list[_Downlink] = []

    def run(self) -> list[_Downlink]:
        if math.isnan(self.cycle_s) or math.isnan(self.ptw_s) or self.ptw_s > self.cycle_s / 2:
            return []  # no eDRX granted, or windows too long for a datagram to fall between them
        sent_s = self.sock.send(_REPORT)
        if self.peer.receive(self.spec.event_timeout_s) is None:
            return []
        last_s = sent_s
        reference_s = self._reference(last_s)
        if reference_s is None:
            return self.downlinks
        for _ in range(self.spec.attempts):
            inside = self._send_at_window(reference_s, offset_s=0.0, kind="inside")
            outside = self._send_at_window(
                reference_s, offset_s=(self.cycle_s + self.ptw_s) / 2, kind="outside"
            )
            if inside.received_s is None or outside.received_s is None:
                break
        return self.downlinks

    def _reference(self, after_s: float) -> float | None:
        """The delivery time of a datagram held for a window (step 3), or None when none came."""
        first = self._send(self._idle_after(after_s), kind="phase")
        if first.received_s is None or first.delay_s is None:
            return None
        if first.delay_s > self._prompt_s:
            return first.received_s
        # it fell inside a window starting no later than its delivery: a PTW later is outside every window
        after = self._idle_after(first.received_s)
        cycles = max(0, math.ceil((after - first.received_s - self.ptw_s) / self.cycle_s))
        second = self._send(first.received_s + self.ptw_s + cycles * self.cycle_s, kind="phase")
        return second.received_s

    def _send_at_window(self, reference_s: float, *, offset_s: float, kind: str) -> _Downlink:
        earliest_s = self._idle_after(self.downlinks[-1].received_s or self.peer.now_s())
        cycles = math.ceil((earliest_s - reference_s - offset_s) / self.cycle_s)
        send_s = reference_s + cycles * self.cycle_s + offset_s
        next_window_s = reference_s + (cycles + (1 if offset_s > 0 else 0)) * self.cycle_s
        return self._send(send_s, kind=kind, next_window_s=next_window_s if offset_s > 0 else None)

    def _send(self, at_s: float, *, kind: str, next_window_s: float | None = None) -> _Downlink:
        time.sleep(max(0.0, at_s - self.peer.now_s()))
        payload = f"{kind}-{len(self.downlinks)}".encode("ascii")
        sent_s = self.peer.send(payload)
        received_s = await_payload(self.sock, payload, self.cycle_s + self.spec.event_timeout_s)
        predicted = None if next_window_s is None else next_window_s - sent_s
        downlink = _Downlink(kind=kind, sent_s=sent_s, received_s=received_s, predicted_delay_s=predicted)
        self.downlinks.append(downlink)
        return downlink

    def _idle_after(self, after_s: float) -> float:
        """When the module is idle again after `after_s` (its RRC release), at the earliest now."""
        released = self.watch.wait_for(
            ModuleEvent.RELEASED, after_s=after_s, timeout_s=self.spec.event_timeout_s
        )
        return max(self.peer.now_s(), (released if released is not None else after_s) + _IDLE_GUARD_S)

    @property
    def _prompt_s(self) -> float:
        return self.spec.paging_cycle_s + self.spec.tolerance_s


def summarize(downlinks: list[_Downlink], spec: EdrxReachabilitySpec) -> dict[str, MetricValue]:
    inside = [d for d in downlinks if d.kind == "inside"]
    outside = [d for d in downlinks if d.kind == "outside"]
    prompt_s = spec.paging_cycle_s + spec.tolerance_s
    inside_delays = [d.delay_s for d in inside if d.delay_s is not None]
    outside_delays = [d.delay_s for d in outside if d.delay_s is not None]
    errors = [
        abs(d.delay_s - d.predicted_delay_s)
        for d in outside
        if d.delay_s is not None and d.predicted_delay_s is not None
    ]
    held = [
        d.delay_s >= d.predicted_delay_s - spec.tolerance_s
        for d in outside
        if d.delay_s is not None and d.predicted_delay_s is not None
    ]
    return {
        "dl_reachability_in_ptw_pct": _pct(sum(delay <= prompt_s for delay in inside_delays), len(inside)),
        "dl_in_ptw_delay_max_s": _max(inside_delays),
        "dl_reachability_out_ptw_pct": _pct(len(outside_delays), len(outside)),
        "dl_out_ptw_held_pct": _pct(sum(held), len(outside)),
        "dl_out_ptw_delay_max_s": _max(outside_delays),
        "dl_out_ptw_delay_error_max_s": _max(errors),
    }


def _pct(count: int, total: int) -> MetricValue:
    return MetricValue(value=100.0 * count / total if total else None, n_samples=total)


def _max(values: list[float]) -> MetricValue:
    return MetricValue(value=max(values) if values else None, n_samples=len(values))


def _samples(downlinks: list[_Downlink]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t_s": [d.sent_s for d in downlinks],
            SESSION_CLOCK_COLUMN: [d.sent_s for d in downlinks],  # t_s is on it too; the join wants the name
            "kind": [d.kind for d in downlinks],
            "sent_s": [d.sent_s for d in downlinks],
            "received_s": [math.nan if d.received_s is None else d.received_s for d in downlinks],
            "delay_s": [math.nan if d.delay_s is None else d.delay_s for d in downlinks],
            "predicted_delay_s": [
                math.nan if d.predicted_delay_s is None else d.predicted_delay_s for d in downlinks
            ],
        }
    )
