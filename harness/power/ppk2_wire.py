"""power layer: the Nordic Power Profiler Kit II's serial protocol, as bytes and numbers (no I/O).

Facts from the ppk2-api Python package (github.com/IRNAS/ppk2-api-python, src/ppk2_api/ppk2_api.py, which
follows Nordic's nRF Connect Power Profiler): one-byte command codes, some with argument bytes; the metadata
answer is text lines `<key>: <value>` ending in `END`, with per-range (0-4) calibration R (shunt ohms), GS,
GI, O, S, I, UG; the sample stream is 100 k little-endian 32-bit words per second, bits 0-13 the ADC value,
bits 14-16 the current range, bits 24-31 the logic port (ignored here). Current in A:
    r = (4 x adc - O) x (1.8 / 163840) / R
    I = UG x (r x (GS x r + GI) + S x Vdd + I)
with Vdd the supply in volts. The API's spike filter (a rolling mean for a few samples after a range switch)
is not applied: averaging to the trace rate keeps the charge either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.power.current_steps import FloatArray

GET_META_DATA = 0x19
AVERAGE_START = 0x06
AVERAGE_STOP = 0x07
REGULATOR_SET = 0x0D
SET_POWER_MODE = 0x11
DEVICE_RUNNING_SET = 0x0C
AMPERE_MODE = 1
SOURCE_MODE = 2

RAW_RATE_HZ = 100_000.0
WORD_BYTES = 4
RANGES = 5
ADC_BITS, RANGE_SHIFT, RANGE_BITS = 14, 14, 3
ADC_VOLTS_PER_COUNT = 1.8 / 163840
VDD_MIN_MV, VDD_MAX_MV = 800, 5000
METADATA_END = b"END"
_UA_PER_A = 1e6
_REGULATOR_OFFSET = 32  # the API's first byte 3 stands for 800 mV with an offset of 32 in the second
_REGULATOR_BASE = 3
_KEYS = ("R", "GS", "GI", "O", "S", "I", "UG")
# The API's defaults, used for a range the metadata leaves out (and R when it reports 0).
_DEFAULTS = {
    "R": (1031.64, 101.65, 10.15, 0.94, 0.043),
    "GS": (1.0,) * RANGES,
    "GI": (1.0,) * RANGES,
    "O": (0.0,) * RANGES,
    "S": (0.0,) * RANGES,
    "I": (0.0,) * RANGES,
    "UG": (1.0,) * RANGES,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    """Per range (index 0-4) figures of the conversion formula (module docstring), with the hardware id."""

    r: tuple[float, ...]
    gs: tuple[float, ...]
    gi: tuple[float, ...]
    o: tuple[float, ...]
    s: tuple[float, ...]
    i: tuple[float, ...]
    ug: tuple[float, ...]
    hw: str


def parse_metadata(text: str) -> Calibration:
    """The calibration in a metadata answer; ValueError for a value that is not a number."""
    values = {key: list(default) for key, default in _DEFAULTS.items()}
    hw = ""
    for line in text.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "HW":
            hw = value.strip()
        name, index = key.rstrip("01234"), key[len(key.rstrip("01234")) :]
        if name in _KEYS and len(index) == 1:
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"PPK2 metadata: {key} is {value!r}, not a number") from None
            if name != "R" or number != 0.0:
                values[name][int(index)] = number
    return Calibration(**{key.lower(): tuple(v) for key, v in values.items()}, hw=hw)


def regulator_command(supply_mv: int) -> bytes:
    """REGULATOR_SET for a supply in mV (clamped to 800-5000, as the kit takes)."""
    code = min(max(supply_mv, VDD_MIN_MV), VDD_MAX_MV) - VDD_MIN_MV + _REGULATOR_OFFSET
    return bytes((REGULATOR_SET, _REGULATOR_BASE + code // 256, code % 256))


def decode_words(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(range, adc) of each whole word in `data`."""
    words = np.frombuffer(data[: len(data) - len(data) % WORD_BYTES], dtype="<u4")
    adc = words & ((1 << ADC_BITS) - 1)
    ranges = np.minimum((words >> RANGE_SHIFT) & ((1 << RANGE_BITS) - 1), RANGES - 1)
    return ranges.astype(np.intp), adc.astype(np.float64)


def currents_ua(data: bytes, calibration: Calibration, *, supply_v: float) -> FloatArray:
    """The current of each whole word in µA (module docstring's formula)."""
    ranges, adc = decode_words(data)
    pick = {key: np.asarray(getattr(calibration, key.lower()))[ranges] for key in _KEYS}
    r = (4.0 * adc - pick["O"]) * ADC_VOLTS_PER_COUNT / pick["R"]
    amps = pick["UG"] * (r * (pick["GS"] * r + pick["GI"]) + pick["S"] * supply_v + pick["I"])
    return np.asarray(amps * _UA_PER_A, dtype=np.float64)
