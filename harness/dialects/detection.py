"""dialects layer: which dialect drives a module, found by name (STYLE 3: a new dialect is one new file).

A dialect is a module in this package that defines `MODEM` (its Modem class) and, unless it is the 27.007
baseline, `matches(manufacturer, model) -> bool` over the module's +CGMI and +CGMM answers. `detect` asks
the module and picks the first dialect that claims it; the baseline drives anything no dialect claims.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

import harness.dialects
from harness.at import ATSession
from harness.dialects.modem import Modem
from harness.errors import ModemError

AUTO = "auto"
BASELINE = "ts27007"


def dialect_names() -> tuple[str, ...]:
    """Every dialect in this package, the baseline first."""
    names = [info.name for info in pkgutil.iter_modules(harness.dialects.__path__)]
    found = [name for name in names if hasattr(_module(name), "MODEM")]
    return (BASELINE, *sorted(name for name in found if name != BASELINE))


def check_dialect(name: str) -> str | None:
    """Why `name` is not a dialect (for rig validation), or None."""
    if name == AUTO or name in dialect_names():
        return None
    return f"unknown dialect {name!r} (known: {', '.join((AUTO, *dialect_names()))})"


def detect(session: ATSession) -> str:
    """The dialect for the module behind `session`, from its +CGMI and +CGMM answers."""
    manufacturer = " ".join(session.send("AT+CGMI").lines)
    model = " ".join(session.send("AT+CGMM").lines)
    for name in dialect_names()[1:]:
        matches: Callable[[str, str], bool] | None = getattr(_module(name), "matches", None)
        if matches is not None and matches(manufacturer, model):
            return name
    return BASELINE


def open_modem(session: ATSession, dialect: str = AUTO) -> Modem:
    """The Modem for `session`: the named dialect, or the detected one for "auto"."""
    name = detect(session) if dialect == AUTO else dialect
    problem = check_dialect(name)
    if problem is not None:
        raise ModemError(problem)
    modem_class: Any = _module(name).MODEM
    modem: Modem = modem_class(session)
    return modem


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"harness.dialects.{name}")
