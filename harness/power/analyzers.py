"""power layer: analyzer backends found by name (STYLE 3): the `analyzer = "<name>"` of a rig's [[power]]
table is the module `harness/power/analyzer_<name>.py`, which offers

    open_analyzer(channel: harness.rig.PowerChannel, *, port: serial.SerialBase | None) -> PowerAnalyzer
    option_problems(power: harness.rig.Power) -> list[tuple[str, str]]   (field path, message)

`port` is the open serial port of the module on that channel, handed to every backend alike: an instrument
ignores it; the virtual rail reads its module's states through it (harness.power.analyzer_virtual). So the
bring-up that opens an analyzer does not know which kind it is, as nothing above transport knows a module is
virtual (DESIGN "Layers"). Backends: virtual, ppk2, otii, scpi, one module each.

`probe_analyzer` opens an instrument without any module port and reads who it is (`miot rig check`); a
backend that only works through its module's port says so with `OPENED_WITH_MODULE = True` and is skipped.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import serial

from harness.errors import HarnessError
from harness.power.analyzer import AnalyzerIdentity, PowerAnalyzer
from harness.rig import Power, PowerChannel

PACKAGE = "harness.power"
BACKEND_PREFIX = "analyzer_"


def known_analyzers() -> tuple[str, ...]:
    """Every analyzer name a rig may give: one analyzer_<name> module each."""
    return tuple(
        sorted(
            info.name.removeprefix(BACKEND_PREFIX)
            for info in pkgutil.iter_modules([str(Path(__file__).parent)])
            if info.name.startswith(BACKEND_PREFIX)
        )
    )


def analyzer_problems(power: Power) -> list[tuple[str, str]]:
    """What is wrong with a [[power]] table for its backend: (field path, message) pairs, as
    harness.rig.rig_power_problems takes them; an unknown analyzer name is one problem."""
    if power.analyzer not in known_analyzers():
        return [("analyzer", f"unknown analyzer {power.analyzer!r} (known: {', '.join(known_analyzers())})")]
    check: Callable[[Power], list[tuple[str, str]]] = _backend(power.analyzer).option_problems
    return check(power)


def open_analyzer(channel: PowerChannel, *, port: serial.SerialBase | None) -> PowerAnalyzer:
    """The analyzer channel a module is on, ready to start(); HarnessError when it cannot be opened."""
    problems = analyzer_problems(channel.power)
    if problems:
        shown = "; ".join(f"{field}: {message}" for field, message in problems)
        raise HarnessError(f"power analyzer {channel.power.id!r}: {shown}")
    opener: Callable[..., PowerAnalyzer] = _backend(channel.power.analyzer).open_analyzer
    return opener(channel, port=port)


def probe_analyzer(power: Power) -> AnalyzerIdentity | None:
    """The identity of the analyzer, opened on its first channel and let go of again; None for a backend
    opened only with its module (module docstring); HarnessError when it does not answer."""
    if getattr(_backend(power.analyzer), "OPENED_WITH_MODULE", False):
        return None
    module_id, channel = next(iter(power.channels.items()))
    analyzer = open_analyzer(PowerChannel(power=power, channel=channel, module_id=module_id), port=None)
    try:
        return analyzer.identity
    finally:
        analyzer.close()


def _backend(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{BACKEND_PREFIX}{name}")
