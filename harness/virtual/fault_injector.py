"""virtual layer: the fault injector of a virtual module (issue 4 item 6): applies the faults of
harness.virtual.faults at their time, ends the lasting ones after duration_s, and clears them on request.
What each fault does is harness.virtual.fault_effects'.

- The rig's faults (the URL's `faults=...`) are applied from boot: `apply_from_boot` runs when the module
  boots (the GO of the start handshake), and each fault starts at_s after that.
- The control ops it adds to the module (VirtualModule.control_ops):
    {"op": "fault", "kind": <kind>, <parameter>: <value>, ..., "at_s": 0, "duration_s": ...}
    {"op": "clear_faults"} or {"op": "clear_faults", "kind": <kind>}
  Both answer the module's status. A fault with at_s 0 is in force when the answer is written, so the next
  command a test sends already meets it. A new fault of a kind replaces the one of that kind before it.
- Its part of the status (VirtualModule.status_parts): `faults`, each as Fault.describe() shows it with
  `is_active` (false while it waits for its at_s) and `started_s`; `tty_path`, the module's port now (None
  while it is away), and `port_plug_count` (harness.virtual.usb_port).
- Every fault that starts or ends is a mark in the module's state timeline ("fault_started" with the fault's
  parameters, "fault_ended" with why: "duration", "cleared", "replaced" or "over" for one that happens once),
  so the control op "timeline", a power rail and a run's events.jsonl see it at its time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.virtual.event_loop import Timer
from harness.virtual.fault_effects import FaultEffects
from harness.virtual.faults import KINDS, Fault, FaultKind, fault_from_request
from harness.virtual.uart import Uart
from harness.virtual.usb_port import UsbPort

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

STARTED = "fault_started"
ENDED = "fault_ended"


@dataclass(slots=True, eq=False)
class _Entry:
    """A fault the injector holds: waiting for its start, or in force."""

    fault: Fault
    timer: Timer | None = None  # its start while waiting; then its end (duration_s, or a held effect)
    started_s: float | None = None


class FaultInjector:
    def __init__(self, *, module: VirtualModule, uart: Uart, port: UsbPort) -> None:
        self._module = module
        self._port = port
        self._effects = FaultEffects(module=module, uart=uart, port=port)
        self._entries: dict[FaultKind, _Entry] = {}
        module.status_parts.append(self.status)
        module.control_ops["fault"] = self._fault_op
        module.control_ops["clear_faults"] = self._clear_op

    def apply_from_boot(self, faults: Iterable[Fault]) -> None:
        for fault in faults:
            self.schedule(fault)

    def schedule(self, fault: Fault) -> None:
        """Start `fault` at_s from now (at once for 0), replacing one of its kind."""
        self._end(fault.kind, why="replaced")
        entry = _Entry(fault=fault)
        self._entries[fault.kind] = entry
        if fault.at_s > 0:
            entry.timer = self._module.loop.call_later(fault.at_s, lambda: self._start(entry))
        else:
            self._start(entry)

    def clear(self, kind: FaultKind | None = None) -> list[FaultKind]:
        """End every fault (or the one of `kind`), waiting or in force; the kinds ended."""
        kinds = [each for each in self._entries if kind is None or each is kind]
        for each in kinds:
            self._end(each, why="cleared")
        return kinds

    def status(self) -> Mapping[str, object]:
        return {
            "faults": [
                {
                    **entry.fault.describe(),
                    "is_active": entry.started_s is not None,
                    "started_s": entry.started_s,
                }
                for entry in self._entries.values()
            ],
            "tty_path": self._port.tty_path,
            "port_plug_count": self._port.plug_count,
        }

    def _start(self, entry: _Entry) -> None:
        fault = entry.fault
        entry.started_s = self._module.loop.now_s()
        self._module.timeline.mark(STARTED, fault.describe())
        self._effects.start(fault)
        loop = self._module.loop
        if fault.duration_s is not None:
            entry.timer = loop.call_later(fault.duration_s, lambda: self._end(fault.kind, why="duration"))
        elif not KINDS[fault.kind].is_lasting:
            hold_s = self._effects.hold_s(fault)
            if hold_s > 0:
                entry.timer = loop.call_later(hold_s, lambda: self._end(fault.kind, why="over"))
            else:
                self._end(fault.kind, why="over")

    def _end(self, kind: FaultKind, *, why: str) -> None:
        entry = self._entries.pop(kind, None)
        if entry is None:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        if entry.started_s is not None:
            self._effects.stop(kind)
            self._module.timeline.mark(ENDED, {"kind": str(kind), "why": why})

    def _fault_op(self, args: Mapping[str, object]) -> Mapping[str, object]:
        self.schedule(fault_from_request(args))
        return self._module.handle_control({"op": "status"})

    def _clear_op(self, args: Mapping[str, object]) -> Mapping[str, object]:
        unknown = sorted(set(args) - {"kind"})
        if unknown:
            raise ValueError(f"control op clear_faults has no field {unknown[0]!r} (known: kind)")
        kind_value = args.get("kind")
        if kind_value is None:
            kind = None
        elif isinstance(kind_value, str) and kind_value in set(FaultKind):
            kind = FaultKind(kind_value)
        else:
            raise ValueError(f"clear_faults: unknown fault {kind_value!r} (known: {', '.join(FaultKind)})")
        cleared = self.clear(kind)
        return {**self._module.handle_control({"op": "status"}), "cleared": [str(each) for each in cleared]}
