"""power layer: what the virtual rail's polls of a virtual module said (harness.power.analyzer_virtual), all
as the module reports it (harness.virtual.control): the state changes and air uses of the control op
"timeline", and of each "status" a ModuleSnapshot (harness.power.rail_model: the eDRX cycle and PTW the module
runs, with the start of one of its paging time windows) and the timer scale and paging cycle it runs.

Air uses are asked for from the module time of the previous answer: one recorded after that answer ends
after it too (it cannot start before it was booked), so none is missed; one still on the air is answered
again and kept once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from harness.errors import HarnessError
from harness.power.module_currents import ModuleCurrents
from harness.power.rail_model import EdrxTiming, ModuleSnapshot, RailSpec
from harness.virtual.state_timeline import AirKind, AirUse, ModemState


class RailHistory:
    """What the polls said: state changes by time, air uses, and one snapshot per status."""

    def __init__(self) -> None:
        self._states: dict[float, ModemState] = {}
        self._air: dict[tuple[float, AirKind], AirUse] = {}
        self.snapshots: list[ModuleSnapshot] = []
        self._answered_s: float | None = None
        self._paging_cycle_s = math.nan
        self._timer_scale = math.nan

    def since_s(self, start_s: float) -> float:
        """What to ask the timeline from: the recording's start, then the module time of the last answer."""
        return start_s if self._answered_s is None else self._answered_s

    def changes(self) -> list[tuple[float, ModemState]]:
        return sorted(self._states.items())

    def air(self) -> list[AirUse]:
        """The air uses, by start time."""
        return sorted(self._air.values(), key=lambda use: use.start_s)

    def spec(self, currents: ModuleCurrents) -> RailSpec:
        """The rail's figures with the paging cycle and timer scale the module last reported."""
        return RailSpec(currents=currents, paging_cycle_s=self._paging_cycle_s, timer_scale=self._timer_scale)

    def add(self, status: Mapping[str, object], timeline: Mapping[str, object]) -> None:
        changes, air = timeline.get("changes"), timeline.get("air")
        if not isinstance(changes, list) or not isinstance(air, list):
            raise HarnessError(f"the module's timeline answer has no lists of changes and air: {timeline!r}")
        for change in changes:
            self._states[_number(change, "t_s")] = ModemState(str(change["state"]))
        for entry in air:
            use = _air_use(entry)
            self._air[(use.start_s, use.kind)] = use
        self._answered_s = _number(timeline, "now_s")
        self._paging_cycle_s = _number(status, "paging_cycle_s")
        self._timer_scale = _number(status, "timer_scale")
        edrx = status.get("edrx")
        self.snapshots.append(
            ModuleSnapshot(
                t_s=_number(status, "now_s"),
                edrx=None
                if edrx is None
                else EdrxTiming(
                    cycle_s=_number(edrx, "cycle_s"),
                    ptw_s=_number(edrx, "ptw_s"),
                    window_start_s=_number(edrx, "window_start_s"),
                ),
            )
        )


def _air_use(entry: object) -> AirUse:
    kind = entry.get("kind") if isinstance(entry, Mapping) else None
    if kind not in set(AirKind) or not isinstance(entry, Mapping):
        raise HarnessError(f"the module's air use has no known kind: {entry!r}")
    return AirUse(
        start_s=_number(entry, "start_s"),
        duration_s=_number(entry, "duration_s"),
        kind=AirKind(str(kind)),
        tx_power_dbm=None if entry.get("tx_power_dbm") is None else _number(entry, "tx_power_dbm"),
    )


def _number(document: object, key: str) -> float:
    value = document.get(key) if isinstance(document, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise HarnessError(f"the virtual module's answer has no number {key!r}: {document!r}")
    return float(value)
