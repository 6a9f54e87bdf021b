"""harness.power.analyzer_ppk2 and ppk2_wire against a simulated PPK2 on a pty (tests/power/fake_ppk2.py):
the calibration is read from its metadata, a known square wave comes back within the calibration's
accuracy, and a kit that does not answer is one line naming it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import HarnessError
from harness.power import analyzer_problems, check_trace, open_analyzer, record_current
from harness.power import ppk2_wire as wire
from harness.rig import Power, PowerChannel
from tests.power.fake_ppk2 import CALIBRATION, FakePpk2, encode_words, metadata_text

SUPPLY_V = 3.6
LOW_UA, HIGH_UA = 20.0, 2000.0
HALF_PERIOD_SAMPLES = 5000  # 50 ms at 100 kHz


def square_wave(index: np.ndarray) -> np.ndarray:
    return np.where((index // HALF_PERIOD_SAMPLES) % 2 == 1, HIGH_UA, LOW_UA)


def channel_for(resource: str, **options: object) -> PowerChannel:
    power = Power(
        id="ppk",
        analyzer="ppk2",
        resource=resource,
        channels=MappingProxyType({"nb": 1}),
        supply_v=SUPPLY_V,
        options=MappingProxyType(options),
    )
    return PowerChannel(power=power, channel=1, module_id="nb")


@pytest.fixture
def fake() -> Iterator[FakePpk2]:
    kit = FakePpk2(square_wave, supply_v=SUPPLY_V)
    yield kit
    kit.close()


def test_metadata_round_trips_the_calibration() -> None:
    assert wire.parse_metadata(metadata_text(CALIBRATION)) == CALIBRATION


def test_regulator_command_codes_the_voltage_as_the_kit_takes_it() -> None:
    assert wire.regulator_command(800) == bytes((0x0D, 3, 32))
    assert wire.regulator_command(3600) == bytes((0x0D, 3 + (2800 + 32) // 256, (2800 + 32) % 256))
    assert wire.regulator_command(9000) == wire.regulator_command(5000)


@given(st.lists(st.floats(min_value=1.0, max_value=500_000.0), min_size=1, max_size=50))
def test_decoded_currents_are_within_one_adc_step(currents_ua: list[float]) -> None:
    decoded = wire.currents_ua(encode_words(np.array(currents_ua), SUPPLY_V), CALIBRATION, supply_v=SUPPLY_V)
    ranges, _ = wire.decode_words(encode_words(np.array(currents_ua), SUPPLY_V))
    step_ua = 4 * wire.ADC_VOLTS_PER_COUNT / np.array(CALIBRATION.r)[ranges] * 1e6 * 1.02
    assert np.all(np.abs(decoded - np.array(currents_ua)) <= step_ua)


def test_a_recorded_square_wave_comes_back_within_the_calibration_accuracy(fake: FakePpk2) -> None:
    analyzer = open_analyzer(channel_for(fake.path, mode="source"), port=None)
    try:
        assert analyzer.identity.model == "Nordic PPK2 (HW 9173)"
        with record_current(analyzer, sample_rate_hz=1000.0) as recording:
            time.sleep(0.35)
        trace = recording.trace
    finally:
        analyzer.close()
    assert trace is not None
    check_trace(trace, "ppk2 trace")
    assert len(trace) >= 200  # 0.35 s at 1 kHz, less whatever a loaded machine did not stream in time
    expected = square_wave(np.round(trace["t_s"].to_numpy() * wire.RAW_RATE_HZ).astype(int))
    assert np.allclose(trace["current_ua"], expected, rtol=0.005, atol=0.1)
    assert set(trace["voltage_v"]) == {SUPPLY_V}
    sent = [command[0] for command in fake.commands]
    assert sent[:2] == [wire.GET_META_DATA, wire.SET_POWER_MODE]
    assert bytes((wire.SET_POWER_MODE, wire.SOURCE_MODE)) in fake.commands
    assert wire.regulator_command(3600) in fake.commands
    assert sent[-2:] == [wire.AVERAGE_START, wire.AVERAGE_STOP]


def test_a_kit_that_does_not_answer_is_one_line_naming_it() -> None:
    mute = FakePpk2(square_wave, supply_v=SUPPLY_V, is_mute=True)
    try:
        with pytest.raises(HarnessError, match=rf"^PPK2 {mute.path}: no metadata within 2 s") as caught:
            open_analyzer(channel_for(mute.path), port=None)
        assert "\n" not in str(caught.value)
    finally:
        mute.close()


def test_options_are_checked_with_their_field() -> None:
    power = Power(
        id="ppk",
        analyzer="ppk2",
        channels=MappingProxyType({"nb": 2}),
        sample_rate_hz=200_000.0,
        options=MappingProxyType({"mode": "volt", "gain": 2}),
    )
    fields = {field for field, _ in analyzer_problems(power)}
    assert fields == {"options.mode", "options.gain", "resource", "supply_v", "sample_rate_hz", "channels"}
