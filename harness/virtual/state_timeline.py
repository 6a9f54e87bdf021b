"""virtual layer: the states a virtual module goes through, with the time of each change.

What a power rail integrates current over (a current per state, DESIGN "power") and what the control op
"timeline" answers. The states follow cellular-iot.md §5.3: off (booting), deregistered, searching,
registered idle (DRX or eDRX, T3324 running when PSM was granted), RRC connected, and PSM. Times are the
module's loop clock (time.monotonic in the module process); `now_s` comes with every answer so that a reader
in another process can line them up with its own clock. Besides the states, the timeline keeps marks: events
that are not states but that a reader of the states needs to line up with them (a fault switched on or off,
harness.virtual.fault_injector), so a power rail or a run's events.jsonl sees them at their time.

And it keeps the air uses the link model booked (harness.virtual.link): each packet's time on the air,
uplink with the transmit power it was sent at (harness.virtual.radio.tx_power_dbm), downlink, and the RRC
set-up before a packet that had to open a connection. An air use is recorded when the packet is sent and
may lie ahead of the clock (a queue on a slow link); a reader asks for those still on the air at or after
a time, so one recorded after its last question is never missed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from harness.virtual.link import Direction, Transfer

# Judgement: enough for hours of PSM cycles; the oldest changes go first.
MAX_CHANGES = 10_000


class ModemState(StrEnum):
    OFF = "off"
    DEREGISTERED = "deregistered"
    SEARCHING = "searching"
    IDLE = "idle"
    CONNECTED = "connected"
    PSM = "psm"


def modem_state(
    *, is_booted: bool, is_registered: bool, is_searching: bool, is_connected: bool, is_in_psm: bool
) -> ModemState:
    if not is_booted:
        return ModemState.OFF
    if is_registered:
        if is_connected:
            return ModemState.CONNECTED
        return ModemState.PSM if is_in_psm else ModemState.IDLE
    return ModemState.SEARCHING if is_searching else ModemState.DEREGISTERED


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChange:
    t_s: float
    state: ModemState


class AirKind(StrEnum):
    UL = "ul"
    DL = "dl"
    RRC_SETUP = "rrc_setup"  # random access and RRC connection set-up before the packet that needed them


@dataclass(frozen=True, slots=True, kw_only=True)
class AirUse:
    """The radio busy from `start_s` for `duration_s`; `tx_power_dbm` for what transmits (UL, RRC_SETUP)."""

    start_s: float
    duration_s: float
    kind: AirKind
    tx_power_dbm: float | None

    @property
    def stop_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """An event at `t_s`: its name (e.g. "fault_started") and what it carries (JSON values)."""

    t_s: float
    name: str
    detail: Mapping[str, object]


class StateTimeline:
    def __init__(self, *, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._changes: deque[StateChange] = deque(maxlen=MAX_CHANGES)
        self._listeners: list[Callable[[StateChange], None]] = []
        self._marks: deque[Mark] = deque(maxlen=MAX_CHANGES)
        self._air: deque[AirUse] = deque(maxlen=MAX_CHANGES)
        self.enter(ModemState.OFF)

    @property
    def state(self) -> ModemState:
        return self._changes[-1].state

    def enter(self, state: ModemState) -> None:
        if self._changes and self._changes[-1].state is state:
            return
        change = StateChange(t_s=self._clock(), state=state)
        self._changes.append(change)
        for listener in self._listeners:
            listener(change)

    def since(self, t_s: float) -> list[StateChange]:
        """The changes at or after `t_s`, preceded by the one in force at `t_s` (when it is still kept)."""
        changes = list(self._changes)
        first = next((index for index, change in enumerate(changes) if change.t_s >= t_s), len(changes))
        return changes[max(first - 1, 0) :]

    def subscribe(self, listener: Callable[[StateChange], None]) -> None:
        self._listeners.append(listener)

    def mark(self, name: str, detail: Mapping[str, object]) -> None:
        self._marks.append(Mark(t_s=self._clock(), name=name, detail=dict(detail)))

    def marks_since(self, t_s: float) -> list[Mark]:
        """The marks at or after `t_s`, oldest first."""
        return [mark for mark in self._marks if mark.t_s >= t_s]

    def record_transfer(self, transfer: Transfer, *, tx_power_dbm: float) -> None:
        """A packet's air use, after its RRC set-up when it had to open a connection; what transmits
        carries `tx_power_dbm`."""
        if transfer.connected_at_s is not None:
            setup_from_s = transfer.connected_at_s - transfer.setup_s
            self._air.append(
                AirUse(
                    start_s=setup_from_s,
                    duration_s=transfer.setup_s,
                    kind=AirKind.RRC_SETUP,
                    tx_power_dbm=tx_power_dbm,
                )
            )
        is_uplink = transfer.direction is Direction.UL
        self._air.append(
            AirUse(
                start_s=transfer.air_start_s,
                duration_s=transfer.air_s,
                kind=AirKind.UL if is_uplink else AirKind.DL,
                tx_power_dbm=tx_power_dbm if is_uplink else None,
            )
        )

    def air_since(self, t_s: float) -> list[AirUse]:
        """The air uses that end at or after `t_s`, in the order they were recorded."""
        return [use for use in self._air if use.stop_s >= t_s]
