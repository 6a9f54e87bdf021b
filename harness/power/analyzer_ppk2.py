"""power layer: the Nordic Power Profiler Kit II (rig: `analyzer = "ppk2"`, `resource` its serial port).

Speaks the kit's serial protocol itself (harness.power.ppk2_wire, from the ppk2-api package's command set)
over pyserial, so ppk2-api need not be installed. Opening reads the calibration metadata, sets the mode
(`[power.options] mode = "source"`: the kit supplies the module at the rig's `supply_v`; "ampere": it
measures a supply from elsewhere, whose voltage `supply_v` still gives for the formula) and the voltage,
and in source mode switches the module's supply on (it is left on at close: other tests use the module).
While recording a worker thread reads the 100 kHz stream; stop() averages it to the asked rate
(harness.power.raw_samples). The trace's t_s = 0 is the instant AVERAGE_START was written: the kit
samples at a fixed rate from then on, so markers stamped on the host clock line up to the USB latency.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, cast

import pandas as pd
import serial

from harness.errors import HarnessError
from harness.power import ppk2_wire as wire
from harness.power.analyzer import AnalyzerIdentity
from harness.power.raw_samples import averaged_trace
from harness.rig import Power, PowerChannel

NAME = "ppk2"
MODES = {"source": wire.SOURCE_MODE, "ampere": wire.AMPERE_MODE}
ANSWER_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 0.05
JOIN_TIMEOUT_S = 5.0
_MV_PER_V = 1000


class Ppk2Port(Protocol):
    """What is used of the pyserial port serial_for_url opens (its stubs declare in_waiting and
    reset_input_buffer on the concrete classes only; every port it returns has them)."""

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = ..., /) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


def option_problems(power: Power) -> list[tuple[str, str]]:
    found = []
    for name, value in power.options.items():
        if name != "mode":
            found.append((f"options.{name}", "unknown option of the ppk2 analyzer (known: mode)"))
        elif value not in MODES:
            found.append(("options.mode", f"expected one of {', '.join(MODES)}, got {value!r}"))
    if not power.resource:
        found.append(("resource", "the PPK2's serial port is needed, e.g. /dev/ttyACM0"))
    if power.supply_v is None or not wire.VDD_MIN_MV <= power.supply_v * _MV_PER_V <= wire.VDD_MAX_MV:
        found.append(("supply_v", "the PPK2 needs supply_v, 0.8 to 5 V (its regulator's range)"))
    if power.sample_rate_hz > wire.RAW_RATE_HZ:
        found.append(("sample_rate_hz", f"the PPK2 samples at {wire.RAW_RATE_HZ:g} Hz at most"))
    if any(channel != 1 for channel in power.channels.values()):
        found.append(("channels", "the PPK2 has one channel: 1"))
    return found


def open_analyzer(channel: PowerChannel, *, port: serial.SerialBase | None) -> Ppk2:
    """The kit at the rig's resource, calibrated and set up; HarnessError naming it if it does not answer."""
    power = channel.power
    supply_v = power.supply_v or 0.0
    try:
        link = cast(Ppk2Port, serial.serial_for_url(power.resource, timeout=READ_TIMEOUT_S))
    except (serial.SerialException, ValueError) as error:
        raise HarnessError(f"PPK2 {power.resource}: cannot open the port: {error}") from error
    try:
        calibration = _calibration(link, power.resource)
        link.write(bytes((wire.SET_POWER_MODE, MODES[str(power.options.get("mode", "source"))])))
        link.write(wire.regulator_command(round(supply_v * _MV_PER_V)))
        if power.options.get("mode", "source") == "source":
            link.write(bytes((wire.DEVICE_RUNNING_SET, 1)))
    except BaseException:
        link.close()
        raise
    identity = AnalyzerIdentity(
        analyzer=NAME,
        model=f"Nordic PPK2 (HW {calibration.hw or 'unknown'})",
        serial=power.resource,
        channel=channel.channel,
        max_current_ua=None,
        supply_v=supply_v,
    )
    return Ppk2(link=link, calibration=calibration, identity=identity, sample_rate_hz=power.sample_rate_hz)


def _calibration(link: Ppk2Port, resource: str) -> wire.Calibration:
    link.reset_input_buffer()
    link.write(bytes((wire.GET_META_DATA,)))
    deadline_s, answer = time.monotonic() + ANSWER_TIMEOUT_S, b""
    while wire.METADATA_END not in answer:
        if time.monotonic() > deadline_s:
            raise HarnessError(
                f"PPK2 {resource}: no metadata within {ANSWER_TIMEOUT_S:g} s (got {answer[-40:]!r})"
            )
        answer += link.read(max(link.in_waiting, 1))
    try:
        return wire.parse_metadata(answer.decode("ascii", errors="replace"))
    except ValueError as error:
        raise HarnessError(f"PPK2 {resource}: {error}") from error


class Ppk2:
    """A PowerAnalyzer over an open PPK2 (module docstring)."""

    def __init__(
        self,
        *,
        link: Ppk2Port,
        calibration: wire.Calibration,
        identity: AnalyzerIdentity,
        sample_rate_hz: float,
    ) -> None:
        self._link = link
        self._calibration = calibration
        self._identity = identity
        self._sample_rate_hz = sample_rate_hz
        self._rate_hz = sample_rate_hz
        self._data = bytearray()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._start_s = 0.0

    @property
    def identity(self) -> AnalyzerIdentity:
        return self._identity

    def start(self, *, sample_rate_hz: float | None = None) -> float:
        if self._worker is not None:
            raise HarnessError(f"PPK2 {self._identity.serial} is recording already: stop() it first")
        if sample_rate_hz is not None and not 0 < sample_rate_hz <= wire.RAW_RATE_HZ:
            raise ValueError(
                f"sample_rate_hz must be above 0 and at most {wire.RAW_RATE_HZ:g}, got {sample_rate_hz!r}"
            )
        self._rate_hz = sample_rate_hz or self._sample_rate_hz
        self._data, self._failure = bytearray(), None
        self._stopping.clear()
        self._link.reset_input_buffer()
        self._link.write(bytes((wire.AVERAGE_START,)))
        self._start_s = time.monotonic()
        self._worker = threading.Thread(target=self._read, name="ppk2-stream", daemon=True)
        self._worker.start()
        return self._start_s

    def stop(self) -> pd.DataFrame:
        if self._worker is None:
            raise HarnessError(f"PPK2 {self._identity.serial} is not recording: start() it first")
        stop_s = time.monotonic()
        self._halt()
        if self._failure is not None:
            raise HarnessError(f"PPK2 {self._identity.serial}: reading its stream failed: {self._failure}")
        due_bytes = int((stop_s - self._start_s) * wire.RAW_RATE_HZ) * wire.WORD_BYTES
        self._drain(due_bytes)
        data = bytes(self._data[:due_bytes])
        current_ua = wire.currents_ua(data, self._calibration, supply_v=self._identity.supply_v or 0.0)
        return averaged_trace(
            current_ua,
            raw_rate_hz=wire.RAW_RATE_HZ,
            sample_rate_hz=self._rate_hz,
            supply_v=self._identity.supply_v,
        )

    def close(self) -> None:
        try:
            if self._worker is not None:
                self._halt()
        finally:
            self._link.close()

    def _halt(self) -> None:
        worker, self._worker = self._worker, None
        self._stopping.set()
        try:
            self._link.write(bytes((wire.AVERAGE_STOP,)))
        finally:
            if worker is not None:
                worker.join(JOIN_TIMEOUT_S)

    def _drain(self, due_bytes: int) -> None:
        """What the kit streamed before stop() and the worker had not read yet (a busy host lags)."""
        while len(self._data) < due_bytes:
            chunk = self._link.read(max(self._link.in_waiting, 1))
            if not chunk:
                return
            self._data += chunk

    def _read(self) -> None:
        try:
            while not self._stopping.is_set():
                self._data += self._link.read(max(self._link.in_waiting, 1))
        except BaseException as exc:  # re-raised by stop() in the caller's thread (STYLE 5)
            self._failure = exc
