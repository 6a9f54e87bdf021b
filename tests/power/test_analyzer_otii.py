"""harness.power.analyzer_otii and otii_link against a simulated Otii TCP server on loopback
(tests/power/fake_otii.py): a recording comes back averaged from the server's chunks, the password comes
from the environment only and never shows in an error, and a missing device is one line naming the server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import MappingProxyType

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.power import analyzer_otii, analyzer_problems, check_trace, open_analyzer, record_current
from harness.rig import Power, PowerChannel
from tests.power.fake_otii import PASSWORD, FakeOtii, otii_amps

PASSWORD_ENV = "MIOT_TEST_OTII_PASSWORD"


def channel_for(resource: str, **options: object) -> PowerChannel:
    power = Power(
        id="otii",
        analyzer="otii",
        resource=resource,
        channels=MappingProxyType({"nb": 1}),
        supply_v=3.3,
        options=MappingProxyType({"timeout_s": 2, **options}),
    )
    return PowerChannel(power=power, channel=1, module_id="nb")


@pytest.fixture
def fake() -> Iterator[FakeOtii]:
    server = FakeOtii()
    yield server
    server.close()


def test_a_recording_comes_back_averaged_from_the_servers_chunks(
    fake: FakeOtii, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyzer_otii, "CHUNK_VALUES", 500)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    analyzer = open_analyzer(channel_for(fake.resource, user="lab", password_env=PASSWORD_ENV), port=None)
    try:
        assert analyzer.identity.model == "Qoitech Otii Arc"
        with record_current(analyzer) as recording:
            time.sleep(0.3)
        trace = recording.trace
    finally:
        analyzer.close()
    assert trace is not None
    check_trace(trace, "otii trace")
    assert len(trace) >= 290  # 0.3 s at 1 kHz (longer when the machine is busy)
    expected_ua = [np.mean([otii_amps(4 * row + n) for n in range(4)]) * 1e6 for row in range(len(trace))]
    assert np.allclose(trace["current_ua"], expected_ua)
    assert np.allclose(np.diff(trace["t_s"]), 0.001)
    cmds = [request["cmd"] for request in fake.requests]
    assert cmds[0] == "otii_login"
    assert "otii_create_project" in cmds
    assert cmds.count("recording_get_channel_data") == -(-len(trace) * 4 // 500)
    voltage = next(r for r in fake.requests if r["cmd"] == "arc_set_main_voltage")
    assert voltage["data"] == {"device_id": "dev-1", "value": 3.3}


def test_a_wrong_password_is_refused_without_showing_it(
    fake: FakeOtii, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-" + PASSWORD)
    with pytest.raises(
        HarnessError, match=r"^Otii 127\.0\.0\.1:\d+: otii_login failed: Login failed"
    ) as caught:
        open_analyzer(channel_for(fake.resource, user="lab", password_env=PASSWORD_ENV), port=None)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in caplog.text


def test_an_unset_password_variable_is_named(fake: FakeOtii, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(HarnessError, match=f"the environment variable {PASSWORD_ENV} .* is not set"):
        open_analyzer(channel_for(fake.resource, user="lab", password_env=PASSWORD_ENV), port=None)


def test_a_missing_device_is_one_line_naming_the_server_and_the_devices(fake: FakeOtii) -> None:
    with pytest.raises(HarnessError) as caught:
        open_analyzer(channel_for(fake.resource, device="bench-2"), port=None)
    assert (
        str(caught.value) == f"Otii {fake.resource}: a device named 'bench-2' is not connected (devices: Arc)"
    )


def test_no_server_is_one_line() -> None:
    with pytest.raises(HarnessError, match=r"^Otii 127\.0\.0\.1:1: cannot connect"):
        open_analyzer(channel_for("127.0.0.1:1"), port=None)


def test_options_are_checked_with_their_field() -> None:
    power = Power(
        id="otii",
        analyzer="otii",
        resource="host:port:x",
        channels=MappingProxyType({"nb": 1}),
        options=MappingProxyType({"password_env": "hunter2!", "colour": "red"}),
    )
    assert {field for field, _ in analyzer_problems(power)} == {
        "resource",
        "options.password_env",
        "options.user",
        "options.colour",
    }
