"""A simulated PPK2 behind a pty: answers the metadata request with a calibration, records the commands it
gets, and after AVERAGE_START streams 100 k words per second of a known current (tests/power)."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable

import numpy as np

from harness.power import ppk2_wire as wire

# Per-range figures away from the API's defaults, so a decoder that ignored them would be caught.
CALIBRATION = wire.Calibration(
    r=(1000.0, 100.0, 10.0, 1.0, 0.05),
    gs=(0.0,) * 5,
    gi=(1.02, 0.99, 1.01, 1.0, 1.0),
    o=(60.0, 40.0, 20.0, 10.0, 5.0),
    s=(1e-8, 0.0, 0.0, 0.0, 0.0),
    i=(2e-8, 0.0, 0.0, 0.0, 0.0),
    ug=(1.0, 1.01, 1.0, 1.0, 1.0),
    hw="9173",
)
ARGUMENT_BYTES = {wire.REGULATOR_SET: 2, wire.SET_POWER_MODE: 1, wire.DEVICE_RUNNING_SET: 1}
CurrentFn = Callable[[np.ndarray], np.ndarray]  # sample index -> current in µA


def metadata_text(calibration: wire.Calibration) -> str:
    lines = ["Calibrated: 1", f"HW: {calibration.hw}", "IA: 56"]
    for key in ("r", "gs", "gi", "o", "s", "i", "ug"):
        lines += [f"{key.upper()}{n}: {value!r}" for n, value in enumerate(getattr(calibration, key))]
    return "\n".join([*lines, "mode: 2", "END", ""])


def encode_words(current_ua: np.ndarray, supply_v: float) -> bytes:
    """Each current as the word the kit would send: the lowest range whose ADC holds it (GS = 0 here)."""
    cal = CALIBRATION
    amps = np.asarray(current_ua, dtype=np.float64) / 1e6
    words = np.zeros(len(amps), dtype="<u4")
    done = np.zeros(len(amps), dtype=bool)
    for rng in range(wire.RANGES):
        r = (amps / cal.ug[rng] - cal.s[rng] * supply_v - cal.i[rng]) / cal.gi[rng]
        adc = np.round((r * cal.r[rng] / wire.ADC_VOLTS_PER_COUNT + cal.o[rng]) / 4.0)
        fits = ~done & (adc >= 0) & (adc < 2**wire.ADC_BITS)
        words[fits] = (rng << wire.RANGE_SHIFT) | adc[fits].astype(np.uint32)
        done |= fits
    return words.tobytes()


class FakePpk2:
    def __init__(self, current: CurrentFn, *, supply_v: float, is_mute: bool = False) -> None:
        self._master, slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self._current, self._supply_v, self._is_mute = current, supply_v, is_mute
        self.commands: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-ppk2", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self._master)
        os.close(self._slave)

    def _run(self) -> None:
        pending, streaming_since, sent = b"", None, 0
        while not self._stop.is_set():
            readable, _, _ = select.select([self._master], [], [], 0.002)
            if readable:
                pending += os.read(self._master, 4096)
            while pending and len(pending) > ARGUMENT_BYTES.get(pending[0], 0):
                size = 1 + ARGUMENT_BYTES.get(pending[0], 0)
                command, pending = pending[:size], pending[size:]
                self.commands.append(command)
                if command[0] == wire.GET_META_DATA and not self._is_mute:
                    os.write(self._master, metadata_text(CALIBRATION).encode())
                elif command[0] == wire.AVERAGE_START:
                    streaming_since, sent = time.monotonic(), 0
                elif command[0] == wire.AVERAGE_STOP:
                    streaming_since = None
            if streaming_since is not None:
                due = int((time.monotonic() - streaming_since) * wire.RAW_RATE_HZ)
                if due > sent:
                    index = np.arange(sent, due)
                    os.write(self._master, encode_words(self._current(index), self._supply_v))
                    sent = due
