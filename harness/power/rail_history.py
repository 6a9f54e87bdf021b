"""power layer: what the virtual rail's polls of a virtual module said (harness.power.analyzer_virtual): the
state changes of the control op "timeline" by time, and a ModuleSnapshot (harness.power.rail_model) of each
"status": radio values for the TX power, the link's RRC set-up time, and the eDRX grant with the start of one
of its paging time windows.

The window start is not in the status yet: a reported next paging occasion more than one paging cycle ahead
is a window start (inside a window the next occasion is at most a cycle away, harness.virtual.idle_mode);
until a poll has seen one, the last reported occasion stands for one. The timer_scale, paging cycle and eDRX
AcT-type come from the module's virtual:// URL.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from harness.errors import HarnessError
from harness.power.rail_model import EdrxTiming, ModuleSnapshot
from harness.timer_codes import decode_edrx, decode_ptw
from harness.virtual.options import ModuleOptions
from harness.virtual.power_saving import EDRX_RATS
from harness.virtual.state_timeline import ModemState

_MS_PER_S = 1000.0


class RailHistory:
    """What the polls said: state changes by time, and one snapshot per status."""

    def __init__(self, module: ModuleOptions) -> None:
        self._module = module
        self._states: dict[float, ModemState] = {}
        self.snapshots: list[ModuleSnapshot] = []
        self._window_starts: dict[tuple[float, float], float] = {}

    def since_s(self, start_s: float) -> float:
        return max(self._states, default=start_s)

    def changes(self) -> list[tuple[float, ModemState]]:
        return sorted(self._states.items())

    def add(self, status: Mapping[str, object], timeline: Mapping[str, object]) -> None:
        changes = timeline.get("changes")
        if not isinstance(changes, list):
            raise HarnessError(f"the module's timeline answer has no list of changes: {timeline!r}")
        for change in changes:
            self._states[_number(change, "t_s")] = ModemState(str(change["state"]))
        self.snapshots.append(self._snapshot(status))

    def resolved_snapshots(self) -> list[ModuleSnapshot]:
        """The snapshots with the best-known eDRX window start of their grant (a later poll may have seen
        a window start where an earlier one could only guess)."""
        return [
            snapshot
            if snapshot.edrx is None
            else dataclasses.replace(
                snapshot,
                edrx=dataclasses.replace(
                    snapshot.edrx, window_start_s=self._window_starts[_edrx_key(snapshot.edrx)]
                ),
            )
            for snapshot in self.snapshots
        ]

    def _snapshot(self, status: Mapping[str, object]) -> ModuleSnapshot:
        link = status.get("link")
        rrc_setup_ms = _number(link, "rrc_setup_ms") if isinstance(link, Mapping) else 0.0
        return ModuleSnapshot(
            t_s=_number(status, "now_s"),
            ce_level=int(_number(status, "ce_level")),
            rsrp_dbm=_number(status, "rsrp_dbm"),
            tx_burst_s=rrc_setup_ms / _MS_PER_S,
            edrx=self._edrx(status),
        )

    def _edrx(self, status: Mapping[str, object]) -> EdrxTiming | None:
        granted, occasion = status.get("edrx_granted"), status.get("next_paging_occasion_s")
        act_type = self._module.profile.edrx_act_type
        rat = None if act_type is None else EDRX_RATS.get(act_type)
        if not isinstance(granted, list) or len(granted) != 3 or rat is None or occasion is None:
            return None
        _, nw_bits, ptw_bits = granted
        cycle_s = decode_edrx(str(nw_bits), rat) if nw_bits is not None else None
        if cycle_s is None or ptw_bits is None:
            return None
        scale = self._module.timer_scale
        cycle_s, ptw_s = cycle_s * scale, decode_ptw(str(ptw_bits), rat) * scale
        paging_s = self._module.profile.paging_cycle_s * scale
        occasion_s = _number(status, "next_paging_occasion_s")
        key = (cycle_s, ptw_s)  # the same as _edrx_key's
        is_window_start = occasion_s - _number(status, "now_s") > paging_s * (1 + 1e-6) or ptw_s <= paging_s
        if is_window_start or key not in self._window_starts:
            self._window_starts[key] = occasion_s
        return EdrxTiming(cycle_s=cycle_s, ptw_s=ptw_s, window_start_s=self._window_starts[key])


def _edrx_key(edrx: EdrxTiming) -> tuple[float, float]:
    return (edrx.cycle_s, edrx.ptw_s)


def _number(document: object, key: str) -> float:
    value = document.get(key) if isinstance(document, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise HarnessError(f"the virtual module's answer has no number {key!r}: {document!r}")
    return float(value)
