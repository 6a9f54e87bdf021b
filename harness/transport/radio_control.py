"""transport layer: the radio conditions a rig can change around a module, whatever is behind its port.

In a lab that is an attenuator or a channel emulator between the module and the cell; on the virtual rig it
is the virtual module's control channel. Procedures ask `radio_control_of(port)` and get a RadioControl, or
None when the rig has no way to change conditions (they then skip with that reason, STYLE 11). Only this
layer knows which kind it is: nothing above transport learns that a module is virtual.

Condition names are the virtual module's (harness.virtual.control "conditions"): `ce` (coverage-enhancement
level), `rsrp` (dBm), `rsrq_db`, `sinr_db`, and the link figures `delay_ms`, `jitter_ms`, `ul_kbps`,
`dl_kbps`, `loss_pct`, `rrc_setup_ms`, `inactivity_s`. A hardware attenuator backend will support the subset
it can produce (a coupling loss), and refuse the rest by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

import serial

from harness.errors import HarnessError

ConditionValue = int | float
# The coverage level and radio values, as a status reports them; a change of either moves them together.
_RADIO = {"ce": "ce_level", "rsrp": "rsrp_dbm", "rsrq_db": "rsrq_db", "sinr_db": "sinr_db"}


class RadioControl(Protocol):
    def set_conditions(self, conditions: Mapping[str, ConditionValue]) -> Mapping[str, object]:
        """Change the conditions; returns the module's state after the change."""
        ...

    def conditions(self) -> Mapping[str, ConditionValue]:
        """The conditions now, in the names set_conditions takes."""
        ...


class VirtualRadioControl:
    """Conditions of a virtual module, through its control channel."""

    def __init__(self, port: serial.SerialBase) -> None:
        self._port = port

    def set_conditions(self, conditions: Mapping[str, ConditionValue]) -> Mapping[str, object]:
        return self._control({"op": "conditions", **conditions})

    def conditions(self) -> Mapping[str, ConditionValue]:
        status = self._control({"op": "status"})
        link = status.get("link")
        reported = {
            **(link if isinstance(link, dict) else {}),
            **{n: status.get(k) for n, k in _RADIO.items()},
        }
        return {
            name: value
            for name, value in reported.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }

    def _control(self, request: Mapping[str, object]) -> Mapping[str, object]:
        module = getattr(self._port, "virtual_module", None)
        if module is None:
            raise HarnessError(f"{self._port.name}: the virtual module is not running")
        answer: Mapping[str, object] = module.control(dict(request))
        return answer


def radio_control_of(port: serial.SerialBase) -> RadioControl | None:
    """The RadioControl of the rig around this port's module, or None when there is none."""
    if getattr(port, "virtual_module", None) is not None:
        return VirtualRadioControl(port)
    return None


@contextmanager
def changed_conditions(control: RadioControl, conditions: Mapping[str, ConditionValue]) -> Iterator[None]:
    """Conditions changed for the block and put back afterwards: what was changed gets its old value, and a
    change of coverage level or radio values puts all of those back together."""
    before = control.conditions()
    names = set(conditions)
    if names & set(_RADIO):
        names |= set(_RADIO)
    control.set_conditions(conditions)
    try:
        yield
    finally:
        control.set_conditions({name: before[name] for name in names if name in before})
