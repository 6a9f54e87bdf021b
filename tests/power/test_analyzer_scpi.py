"""harness.power.analyzer_scpi over the raw-socket transport against a simulated N6705-style instrument on
loopback (tests/power/fake_scpi.py): sweeps come back as rows at the host time of their trigger, and an
instrument error, a timeout or garbage is one line naming the instrument."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import MappingProxyType

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.power import analyzer_problems, check_trace, open_analyzer, record_current
from harness.rig import Power, PowerChannel
from tests.power.fake_scpi import FakeScpi

RATE_HZ = 1000.0
CHUNK_S = 0.1
# A loaded machine may start a thread late: trigger times are compared within this.
TOLERANCE_S = 0.03


def channel_for(resource: str, **options: object) -> PowerChannel:
    power = Power(
        id="n6705",
        analyzer="scpi",
        resource=resource,
        channels=MappingProxyType({"nb": 2}),
        supply_v=3.8,
        sample_rate_hz=RATE_HZ,
        options=MappingProxyType({"transport": "socket", "chunk_s": CHUNK_S, "timeout_s": 0.3, **options}),
    )
    return PowerChannel(power=power, channel=2, module_id="nb")


@pytest.fixture
def fake() -> Iterator[FakeScpi]:
    instrument = FakeScpi()
    yield instrument
    instrument.close()


def test_sweeps_come_back_as_rows_at_their_trigger_times(fake: FakeScpi) -> None:
    analyzer = open_analyzer(channel_for(fake.resource, current_range_a=0.1), port=None)
    try:
        assert analyzer.identity.model == "Keysight Technologies N6705C"
        assert analyzer.identity.serial == "MY56000123"
        assert analyzer.identity.max_current_ua == pytest.approx(1e5)
        with record_current(analyzer) as recording:
            time.sleep(0.35)
        trace = recording.trace
    finally:
        analyzer.close()
    assert trace is not None
    check_trace(trace, "scpi trace")
    sent_ua = np.concatenate(fake.sent_amps) * 1e6
    assert len(fake.sent_amps) >= 2
    assert np.allclose(trace["current_ua"], sent_ua[: len(trace)], rtol=1e-6)
    first_rows = trace["t_s"].to_numpy()[:: round(CHUNK_S * RATE_HZ)]
    triggers = np.array(fake.triggers_s[: len(first_rows)]) - recording.start_monotonic_s
    assert np.allclose(first_rows, triggers, atol=TOLERANCE_S)
    assert float(trace["t_s"].iloc[-1]) < 0.35 + CHUNK_S + TOLERANCE_S
    for command in ("SENS:CURR:RANG 0.1,(@2)", "VOLT 3.8,(@2)", "OUTP ON,(@2)", "SENS:SWE:TINT 0.001,(@2)"):
        assert command in fake.commands


def test_an_instrument_error_is_one_line_naming_the_instrument() -> None:
    instrument = FakeScpi(errors_after={"SENS:CURR:RANG": '-222,"Data out of range"'})
    try:
        with pytest.raises(HarnessError) as caught:
            open_analyzer(channel_for(instrument.resource, current_range_a=50), port=None)
    finally:
        instrument.close()
    message = str(caught.value)
    assert message.startswith(f"SCPI Keysight Technologies N6705C MY56000123 at {instrument.resource}")
    assert message.endswith('instrument error setting it up: -222,"Data out of range"')
    assert "\n" not in message


def test_a_silent_instrument_times_out_naming_the_query() -> None:
    instrument = FakeScpi(silent_at="*IDN?")
    try:
        with pytest.raises(
            HarnessError, match=r"^SCPI TCPIP0::127\.0\.0\.1::\d+::SOCKET: no answer to '\*IDN\?'"
        ):
            open_analyzer(channel_for(instrument.resource), port=None)
    finally:
        instrument.close()


def test_garbage_is_one_line_naming_the_instrument_and_the_query() -> None:
    instrument = FakeScpi(fetch_answer=lambda sweep, points: "#GARBAGE,,1.0")
    try:
        analyzer = open_analyzer(channel_for(instrument.resource), port=None)
        try:
            garbage = r"N6705C MY56000123 at .*: the answer to FETC:ARR:CURR\? \(@2\) is not numbers: '#GARB"
            with pytest.raises(HarnessError, match=garbage), record_current(analyzer):
                time.sleep(0.05)
        finally:
            analyzer.close()
    finally:
        instrument.close()


def test_an_idn_that_is_not_four_fields_is_refused() -> None:
    instrument = FakeScpi(idn="hello")
    try:
        with pytest.raises(HarnessError, match=r"\*IDN\? answered 'hello'"):
            open_analyzer(channel_for(instrument.resource), port=None)
    finally:
        instrument.close()


def test_options_are_checked_with_their_field() -> None:
    power = Power(
        id="n6705",
        analyzer="scpi",
        resource="USB0::0x2A8D::0x0102::MY1::INSTR",
        channels=MappingProxyType({"nb": 1}),
        sample_rate_hz=100_000.0,
        options=MappingProxyType({"transport": "socket", "chunk_s": 10, "password": "x"}),
    )
    problems = dict(analyzer_problems(power))
    assert set(problems) == {"resource", "options.chunk_s", "options.password"}
    assert "TCPIP::<host>::<port>::SOCKET" in problems["resource"]
