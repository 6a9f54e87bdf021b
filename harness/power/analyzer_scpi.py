"""power layer: an SCPI DC power analyzer (rig: `analyzer = "scpi"`, `resource` a VISA resource such as
`TCPIP::10.0.0.5::5025::SOCKET`), through harness.power.scpi_transport (pyvisa when installed, else a raw
socket).

Command set of the Keysight N6705 DC power analyzer and its N678x SMU modules (N6705 programming guide,
recalled; not in ../shared/reference): `*IDN?`, `SYST:ERR?`, `VOLT`/`OUTP` to supply the module when the rig
gives `supply_v`, `SENS:CURR:RANG` for `[power.options] current_range_a`, and the digitizer: `SENS:SWE:TINT`
(the sample interval, 1 / the rate), `SENS:SWE:POIN`, `INIT:ACQ`, `TRIG:ACQ`, `FETC:ARR:CURR?` (amps,
comma separated). The digitizer takes a sweep of fixed length, so a recording is a run of sweeps of
`chunk_s` each, triggered back to back by a worker thread; between two sweeps the instrument is read out,
and that gap (a few ms) is covered by the last row before it (harness.power.trace_analysis takes each row
until the next). Each sweep's rows start at the host time its trigger was sent, so markers line up with it.
An instrument error, a timeout or an answer that is not numbers is one HarnessError naming the instrument.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import serial

from harness.errors import HarnessError
from harness.power.analyzer import AnalyzerIdentity
from harness.power.raw_samples import averaged_trace
from harness.power.scpi_transport import (
    TRANSPORTS,
    ScpiLink,
    is_visa_installed,
    open_link,
    socket_resource_problem,
)
from harness.rig import Power, PowerChannel

NAME = "scpi"
DEFAULT_CHUNK_S = 1.0
DEFAULT_TIMEOUT_S = 5.0
MAX_POINTS = 512 * 1024  # (recalled) the N6705 digitizer's deepest sweep
MAX_RATE_HZ = 1 / 5.12e-6  # (recalled) the N678x's shortest sample interval, 5.12 µs
NO_ERROR = "0"
_UA_PER_A = 1e6
_NUMBERS = {"chunk_s": (0.0, 600.0), "timeout_s": (0.0, 600.0), "current_range_a": (0.0, 100.0)}


@dataclass(frozen=True, slots=True, kw_only=True)
class ScpiSettings:
    channel: int
    chunk_s: float
    timeout_s: float
    sample_rate_hz: float


def option_problems(power: Power) -> list[tuple[str, str]]:
    found = []
    transport = power.options.get("transport", "auto")
    for name, value in power.options.items():
        where = f"options.{name}"
        if name == "transport":
            if value not in TRANSPORTS:
                found.append((where, f"expected one of {', '.join(TRANSPORTS)}, got {value!r}"))
        elif name in _NUMBERS:
            low, high = _NUMBERS[name]
            if not isinstance(value, int | float) or isinstance(value, bool) or not low < value <= high:
                found.append((where, f"expected a number above {low:g} and at most {high:g}, got {value!r}"))
        else:
            found.append(
                (where, f"unknown option of the scpi analyzer (known: transport, {', '.join(_NUMBERS)})")
            )
    if not power.resource:
        found.append(
            ("resource", "the instrument's VISA resource is needed, e.g. TCPIP::10.0.0.5::5025::SOCKET")
        )
    elif (transport == "socket" or (transport == "auto" and not is_visa_installed())) and (
        problem := socket_resource_problem(power.resource)
    ):
        found.append(("resource", problem))
    if transport == "visa" and not is_visa_installed():
        found.append(("options.transport", "transport visa needs pyvisa, which is not installed"))
    if power.sample_rate_hz > MAX_RATE_HZ:
        found.append(("sample_rate_hz", f"the digitizer samples at {MAX_RATE_HZ:g} Hz at most"))
    if _number(power, "chunk_s", DEFAULT_CHUNK_S) * power.sample_rate_hz > MAX_POINTS:
        found.append(("options.chunk_s", f"a sweep holds {MAX_POINTS} points at most: shorten chunk_s"))
    return found


def open_analyzer(channel: PowerChannel, *, port: serial.SerialBase | None) -> ScpiAnalyzer:
    """The instrument's channel, identified and set up; HarnessError naming it when it fails."""
    power = channel.power
    timeout_s = _number(power, "timeout_s", DEFAULT_TIMEOUT_S)
    link = open_link(
        power.resource, transport=str(power.options.get("transport", "auto")), timeout_s=timeout_s
    )
    try:
        identity = _identify(link, channel)
        where = f"SCPI {identity.model} {identity.serial} at {power.resource}"
        settings = ScpiSettings(
            channel=channel.channel,
            chunk_s=_number(power, "chunk_s", DEFAULT_CHUNK_S),
            timeout_s=timeout_s,
            sample_rate_hz=power.sample_rate_hz,
        )
        instrument = ScpiAnalyzer(link=link, identity=identity, settings=settings, where=where)
        instrument.set_up(current_range_a=power.options.get("current_range_a"))
    except BaseException:
        link.close()
        raise
    return instrument


def _identify(link: ScpiLink, channel: PowerChannel) -> AnalyzerIdentity:
    answer = link.query("*IDN?")
    fields = [field.strip() for field in answer.split(",")]
    if len(fields) != 4 or not all(fields[:3]) or not answer.isprintable():
        raise HarnessError(
            f"SCPI {channel.power.resource}: *IDN? answered {answer[:60]!r}, not maker,model,serial,fw"
        )
    range_a = channel.power.options.get("current_range_a")
    return AnalyzerIdentity(
        analyzer=NAME,
        model=f"{fields[0]} {fields[1]}",
        serial=fields[2],
        channel=channel.channel,
        max_current_ua=float(range_a) * _UA_PER_A if isinstance(range_a, int | float) else None,
        supply_v=channel.power.supply_v,
    )


def _number(power: Power, name: str, default: float) -> float:
    value = power.options.get(name, default)
    return float(value) if isinstance(value, int | float) else default


class ScpiAnalyzer:
    """A PowerAnalyzer over one channel of an SCPI instrument (module docstring)."""

    def __init__(
        self, *, link: ScpiLink, identity: AnalyzerIdentity, settings: ScpiSettings, where: str
    ) -> None:
        self._link, self._identity, self._settings, self._where = link, identity, settings, where
        self._rate_hz = settings.sample_rate_hz
        self._sweeps: list[tuple[float, np.ndarray]] = []
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._start_s = 0.0

    @property
    def identity(self) -> AnalyzerIdentity:
        return self._identity

    def set_up(self, *, current_range_a: object) -> None:
        channel = f"(@{self._settings.channel})"
        self._link.write("*CLS")
        self._link.write(f"SENS:FUNC:CURR ON,{channel}")
        if isinstance(current_range_a, int | float):
            self._link.write(f"SENS:CURR:RANG {current_range_a:g},{channel}")
        if self._identity.supply_v is not None:
            self._link.write(f"VOLT {self._identity.supply_v:g},{channel}")
            self._link.write(f"OUTP ON,{channel}")
        self._link.write(f"TRIG:ACQ:SOUR BUS,{channel}")
        self.check_errors("setting it up")

    def check_errors(self, doing: str) -> None:
        """HarnessError with the instrument's first queued error, if any (SYST:ERR? until "0,...")."""
        answer = self._link.query("SYST:ERR?")
        code = answer.split(",", 1)[0].strip().lstrip("+")
        if code != NO_ERROR:
            raise HarnessError(f"{self._where}: instrument error {doing}: {answer}")

    def start(self, *, sample_rate_hz: float | None = None) -> float:
        if self._worker is not None:
            raise HarnessError(f"{self._where} is recording already: stop() it first")
        if sample_rate_hz is not None and not 0 < sample_rate_hz <= MAX_RATE_HZ:
            raise ValueError(
                f"sample_rate_hz must be above 0 and at most {MAX_RATE_HZ:g}, got {sample_rate_hz!r}"
            )
        self._rate_hz = sample_rate_hz or self._settings.sample_rate_hz
        channel = f"(@{self._settings.channel})"
        self._link.write(f"SENS:SWE:TINT {1 / self._rate_hz:g},{channel}")
        self._link.write(f"SENS:SWE:POIN {max(round(self._settings.chunk_s * self._rate_hz), 1)},{channel}")
        self.check_errors("setting the sweep")
        self._sweeps, self._failure = [], None
        self._stopping.clear()
        self._start_s = time.monotonic()
        self._worker = threading.Thread(target=self._run, name="scpi-sweeps", daemon=True)
        self._worker.start()
        return self._start_s

    def stop(self) -> pd.DataFrame:
        if self._worker is None:
            raise HarnessError(f"{self._where} is not recording: start() it first")
        stop_s = time.monotonic()
        self._halt()
        if self._failure is not None:
            raise self._failure
        parts = [
            averaged_trace(
                values_ua,
                raw_rate_hz=self._rate_hz,
                sample_rate_hz=self._rate_hz,
                supply_v=self._identity.supply_v,
                first_t_s=first_s - self._start_s,
            )
            for first_s, values_ua in self._sweeps
        ]
        if not parts:
            raise HarnessError(f"{self._where}: no sweep was read before stop()")
        trace = pd.concat(parts, ignore_index=True)
        return trace[trace["t_s"] < stop_s - self._start_s].reset_index(drop=True)

    def close(self) -> None:
        try:
            if self._worker is not None:
                self._halt()
        finally:
            self._link.close()

    def _halt(self) -> None:
        worker, self._worker = self._worker, None
        self._stopping.set()
        if worker is not None:
            worker.join(self._settings.chunk_s + 2 * self._settings.timeout_s)
            if worker.is_alive():
                raise HarnessError(f"{self._where}: its sweep worker did not end")

    def _run(self) -> None:
        try:
            while not self._stopping.is_set() or not self._sweeps:
                self._sweeps.append(self._sweep())
        except BaseException as exc:  # re-raised by stop() in the caller's thread (STYLE 5)
            self._failure = exc

    def _sweep(self) -> tuple[float, np.ndarray]:
        channel = f"(@{self._settings.channel})"
        self._link.write(f"INIT:ACQ {channel}")
        triggered_s = time.monotonic()
        self._link.write(f"TRIG:ACQ {channel}")
        query = f"FETC:ARR:CURR? {channel}"
        answer = self._link.query(query, timeout_s=self._settings.chunk_s + self._settings.timeout_s)
        try:
            values_a = np.array([float(item) for item in answer.split(",")], dtype=np.float64)
        except ValueError:
            self.check_errors(f"at {query}")
            raise HarnessError(
                f"{self._where}: the answer to {query} is not numbers: {answer[:40]!r}"
            ) from None
        return triggered_s, values_a * _UA_PER_A
