"""power layer: the virtual rail, the PowerAnalyzer of a virtual module (rig: `analyzer = "virtual"`).

It follows the module through the port the bring-up hands every backend (harness.power.analyzers): the
virtual:// port's control channel (`port.virtual_module.control`, harness.transport.protocol_virtual). While
recording, a worker thread polls the control ops "status" (timer scale, paging cycle, eDRX timing) and
"timeline" (state changes and air uses with their times, harness.virtual.state_timeline) every
`poll_interval_s` (harness.power.rail_history keeps what they said); on stop() it polls once more and
renders the states and air uses into current (harness.power.rail_model) with the figures of
harness.power.module_currents for the module's model or RAT (asked of the module when the rail opens),
sampled as an averaging analyzer samples (harness.power.current_steps). Module and harness share the
machine's monotonic clock, so the trace lines up with the URCs the harness saw.

Everything the rail draws by is what the module reports, nothing is recomputed here: its model and RAT
(which row of the currents table), the timer scale and paging cycle it runs, its eDRX timing with the start
of its paging time windows, and every packet's time on the air with the TX power it was sent at (the link
model's bookings, harness.virtual.state_timeline), so a long uplink stream draws transmit current for
exactly its air time.

Options (`[power.options]`): `seed` (DC/DC spike times), `poll_interval_s`, and any figure of the currents
table by its field name (e.g. `psm_floor_ua = 1.2`) to model a module the table does not know.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import serial

from harness.errors import HarnessError
from harness.power.analyzer import CURRENT_COLUMN, TIME_COLUMN, VOLTAGE_COLUMN, AnalyzerIdentity
from harness.power.current_steps import sample_means_ua, steps_of
from harness.power.module_currents import OVERRIDABLE, ModuleCurrents, currents_for
from harness.power.rail_history import RailHistory
from harness.power.rail_model import ModuleHistory, rail_boxcars, state_periods
from harness.rat import Rat
from harness.rig import Power, PowerChannel

ControlFn = Callable[[Mapping[str, object]], Mapping[str, object]]

NAME = "virtual"
OPENED_WITH_MODULE = True  # harness.power.analyzers: it has nothing to ask before its module runs
# Judgement: often enough that a short idle period gets a poll of its own, rare enough to load nobody.
DEFAULT_POLL_INTERVAL_S = 0.2
MAX_POLL_INTERVAL_S = 10.0
START_TIMEOUT_S = 10.0
DEFAULT_SEED = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class RailSettings:
    currents: ModuleCurrents
    supply_v: float
    sample_rate_hz: float
    seed: int
    poll_interval_s: float
    channel: int


def option_problems(power: Power) -> list[tuple[str, str]]:
    """Problems with the [power.options] of a virtual analyzer (field path below the table, message)."""
    found = []
    for name, value in power.options.items():
        where, number = f"options.{name}", _as_number(value)
        if name == "seed":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                found.append((where, f"expected a whole number >= 0, got {value!r}"))
        elif name == "poll_interval_s":
            if number is None or not 0 < number <= MAX_POLL_INTERVAL_S:
                found.append((where, f"expected a number above 0 and at most {MAX_POLL_INTERVAL_S:g}"))
        elif name in OVERRIDABLE:
            if number is None or number < 0:
                found.append((where, f"expected a number >= 0, got {value!r}"))
        else:
            known = ", ".join(sorted({"seed", "poll_interval_s", *OVERRIDABLE}))
            found.append((where, f"unknown option of the virtual analyzer (known: {known})"))
    if power.resource:
        found.append(("resource", "the virtual analyzer follows its module's port and takes no resource"))
    return found


def open_analyzer(channel: PowerChannel, *, port: serial.SerialBase | None) -> VirtualRail:
    """The rail of the virtual module behind `port`; HarnessError when the port is not a virtual module's."""
    module = getattr(port, "virtual_module", None)
    if module is None:
        where = "no port" if port is None else f"port {port.name}"
        raise HarnessError(
            f"power analyzer {channel.power.id!r} is virtual: it measures a virtual module, and module "
            f"{channel.module_id!r} has {where} with no virtual module behind it"
        )
    control: ControlFn = module.control
    status = control({"op": "status"})
    model, rat = str(status.get("model")), str(status.get("rat"))
    if rat not in set(Rat):
        raise HarnessError(f"the virtual module of {channel.module_id!r} reports no known RAT: {status!r}")
    options = channel.power.options
    overrides: dict[str, Any] = {
        name: _as_number(value) for name, value in options.items() if name in OVERRIDABLE
    }
    currents = dataclasses.replace(currents_for(model, Rat(rat)), **overrides)
    settings = RailSettings(
        currents=currents,
        supply_v=channel.power.supply_v or currents.supply_v,
        sample_rate_hz=channel.power.sample_rate_hz,
        seed=int(_as_number(options.get("seed")) or DEFAULT_SEED),
        poll_interval_s=_as_number(options.get("poll_interval_s")) or DEFAULT_POLL_INTERVAL_S,
        channel=channel.channel,
    )
    return VirtualRail(control=control, model=model, settings=settings)


class VirtualRail:
    """A PowerAnalyzer over a virtual module's control channel (module docstring)."""

    def __init__(self, *, control: ControlFn, model: str, settings: RailSettings) -> None:
        self._control = control
        self._model = model
        self._settings = settings
        self._recordings = itertools.count()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._polled = threading.Event()
        self._failure: BaseException | None = None
        self._history = RailHistory()
        self._start_s = 0.0
        self._sample_rate_hz = settings.sample_rate_hz

    @property
    def identity(self) -> AnalyzerIdentity:
        return AnalyzerIdentity(
            analyzer=NAME,
            model=f"virtual rail ({self._settings.currents.name} currents)",
            serial=f"virtual://{self._model}",
            channel=self._settings.channel,
            max_current_ua=None,
            supply_v=self._settings.supply_v,
        )

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    def start(self, *, sample_rate_hz: float | None = None) -> float:
        if self._worker is not None:
            raise HarnessError("the virtual rail is recording already: stop() it first")
        if sample_rate_hz is not None and not sample_rate_hz > 0:
            raise ValueError(f"sample_rate_hz must be above 0, got {sample_rate_hz!r}")
        self._sample_rate_hz = sample_rate_hz or self._settings.sample_rate_hz
        self._history = RailHistory()
        self._failure = None
        self._stopping.clear()
        self._polled.clear()
        self._start_s = time.monotonic()
        self._worker = threading.Thread(target=self._run, name="virtual-rail", daemon=True)
        self._worker.start()
        if not self._polled.wait(START_TIMEOUT_S):
            self._halt()
            raise HarnessError(f"the virtual rail got no answer from its module within {START_TIMEOUT_S:g} s")
        failure = self._worker_failure()
        if failure is not None:
            self._halt()
            raise failure
        return self._start_s

    def stop(self) -> pd.DataFrame:
        if self._worker is None:
            raise HarnessError("the virtual rail is not recording: start() it first")
        self._halt()
        failure = self._worker_failure()
        if failure is not None:
            raise failure
        stop_s = time.monotonic()
        self._poll()
        return self._render(stop_s)

    def close(self) -> None:
        if self._worker is not None:
            self._halt()

    def _worker_failure(self) -> BaseException | None:
        return self._failure

    def _halt(self) -> None:
        worker, self._worker = self._worker, None
        self._stopping.set()
        if worker is not None:
            worker.join(START_TIMEOUT_S + self._settings.poll_interval_s)
            if worker.is_alive():
                raise HarnessError("the virtual rail's worker did not end (its module stopped answering)")

    def _run(self) -> None:
        try:
            while True:
                self._poll()
                self._polled.set()
                if self._stopping.wait(self._settings.poll_interval_s):
                    return
        except BaseException as exc:  # re-raised by start() or stop() in the caller's thread (STYLE 5)
            self._failure = exc
            self._polled.set()

    def _poll(self) -> None:
        with self._lock:
            status = self._control({"op": "status"})
            timeline = self._control({"op": "timeline", "since_s": self._history.since_s(self._start_s)})
            self._history.add(status, timeline)

    def _render(self, stop_s: float) -> pd.DataFrame:
        settings, history = self._settings, self._history
        module_history = ModuleHistory(
            periods=state_periods(history.changes(), stop_s=stop_s),
            snapshots=history.snapshots,
            air=history.air(),
        )
        rng = np.random.default_rng([settings.seed, next(self._recordings)])
        boxcars = rail_boxcars(
            module_history, history.spec(settings.currents), window=(self._start_s, stop_s), rng=rng
        )
        starts_s, currents_ua = sample_means_ua(
            steps_of(boxcars), start_s=self._start_s, stop_s=stop_s, sample_rate_hz=self._sample_rate_hz
        )
        return pd.DataFrame(
            {
                TIME_COLUMN: starts_s - self._start_s,
                CURRENT_COLUMN: currents_ua,
                VOLTAGE_COLUMN: np.full(len(starts_s), settings.supply_v),
            }
        )


def _as_number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
