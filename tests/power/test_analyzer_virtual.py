"""harness.power.analyzer_virtual: the virtual rail against a virtual BC660K driven through its dialect, with
short timers (timer_scale) so each test takes seconds; every wait has a deadline."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
import serial

from harness.dialects import ModemLink, connect
from harness.dialects.quectel_nbiot import QuectelNbiotModem
from harness.errors import HarnessError, VirtualModuleError
from harness.power import (
    PowerAnalyzer,
    analyzer_problems,
    check_trace,
    find_psm_entry_s,
    known_analyzers,
    open_analyzer,
    record_current,
)
from harness.power.module_currents import BC660K
from harness.rig import Power, PowerChannel
from harness.virtual.link import airtime_ms
from harness.virtual.profiles import NBIOT
from harness.virtual.radio import tx_power_dbm

FAST = "attach_s=0&delay_ms=5&jitter_ms=0&rrc_setup_ms=50&loss_pct=0&inactivity_s=0.3&qsclk=0"
URC_TIMEOUT_S = 10.0
RATE_HZ = 1000.0


def channel_of(**options: object) -> PowerChannel:
    power = Power(
        id="rail", analyzer="virtual", channels=MappingProxyType({"nb": 1}), options=MappingProxyType(options)
    )
    return PowerChannel(power=power, channel=1, module_id="nb")


@pytest.fixture
def bc660k() -> Iterator[ModemLink]:
    link = connect(f"virtual://bc660k?{FAST}&timer_scale=0.1")
    try:
        assert isinstance(link.modem, QuectelNbiotModem)
        link.modem.attach(None, timeout_s=10)
        link.session.send("AT+QNBIOTEVENT=1,1")
        link.session.send("AT+CSCON=1")
        yield link
    finally:
        link.close()


def session_origin_s(link: ModemLink) -> float:
    """The monotonic time the session's t_s = 0 stands for."""
    return time.monotonic() - link.session.now_s()


def test_the_rail_is_a_power_analyzer_found_by_name(bc660k: ModemLink) -> None:
    assert "virtual" in known_analyzers()
    analyzer: PowerAnalyzer = open_analyzer(channel_of(), port=bc660k.port)
    assert analyzer.identity.analyzer == "virtual"
    assert analyzer.identity.supply_v == BC660K.supply_v
    with pytest.raises(HarnessError, match="not recording"):
        analyzer.stop()
    before_s = time.monotonic()
    started_s = analyzer.start(sample_rate_hz=200.0)
    assert before_s <= started_s <= time.monotonic()
    with pytest.raises(HarnessError, match="recording already"):
        analyzer.start()
    time.sleep(0.3)
    trace = analyzer.stop()
    check_trace(trace, "the rail's trace")
    assert 0.25 * 200 <= len(trace) <= (time.monotonic() - started_s) * 200
    assert np.allclose(np.diff(trace["t_s"]), 1 / 200)
    analyzer.close()


def test_psm_entry_reported_by_the_module_is_the_drop_to_the_floor(bc660k: ModemLink) -> None:
    modem = bc660k.modem
    assert isinstance(modem, QuectelNbiotModem)
    rate_hz = 1000.0
    with record_current(open_analyzer(channel_of(), port=bc660k.port), sample_rate_hz=rate_hz) as recording:
        modem.set_psm(periodic_tau_s=3600, active_time_s=20)  # T3324 20 s x 0.1: PSM 2 s after the release
        released = bc660k.session.wait_for_urc(
            "+CSCON", timeout_s=URC_TIMEOUT_S, match=lambda urc: urc.line.endswith("0")
        )
        entered = bc660k.session.wait_for_urc(
            "+QNBIOTEVENT", timeout_s=URC_TIMEOUT_S, match=lambda urc: "ENTER PSM" in urc.line
        )
        time.sleep(0.5)
    trace = recording.trace
    assert trace is not None
    origin_s = session_origin_s(bc660k) - recording.start_monotonic_s
    entry_s = find_psm_entry_s(trace, floor_ua=BC660K.psm_floor_ua, hold_s=0.3)
    assert entry_s is not None
    timeline = bc660k.port.virtual_module.control({"op": "timeline", "since_s": recording.start_monotonic_s})
    psm_s = next(c["t_s"] for c in timeline["changes"] if c["state"] == "psm") - recording.start_monotonic_s
    assert abs(entry_s - psm_s) <= 1 / rate_hz  # the module's own state change, to a sample
    urc_s = origin_s + entered.t_s
    assert entry_s - 1 / rate_hz <= urc_s < entry_s + 0.5  # the URC comes after (the slack is for load)
    # between the release and PSM: idle sleep with paging bursts, never the floor
    idle = trace[(trace["t_s"] > origin_s + released.t_s + 0.05) & (trace["t_s"] < entry_s - 0.01)]
    assert (idle["current_ua"] >= BC660K.idle_sleep_ua * 0.99).all()
    assert idle["current_ua"].max() > BC660K.rx_ua / 10  # paging occasions
    asleep = trace[trace["t_s"] > entry_s]["current_ua"]
    assert np.median(asleep) < BC660K.psm_floor_ua


def test_edrx_wakes_at_the_module_paging_time_windows(bc660k: ModemLink) -> None:
    modem = bc660k.modem
    assert isinstance(modem, QuectelNbiotModem)
    modem.set_edrx(20.48, ptw_s=2.56)  # x 0.1: a window of one paging occasion every 2.048 s
    deadline_s = time.monotonic() + URC_TIMEOUT_S
    while (status := bc660k.port.virtual_module.control({"op": "status"}))["state"] != "idle":
        assert time.monotonic() < deadline_s, status
        time.sleep(0.05)
    with record_current(open_analyzer(channel_of(), port=bc660k.port)) as recording:
        time.sleep(5.0)
    trace = recording.trace
    assert trace is not None
    is_awake = trace["current_ua"].to_numpy() > BC660K.rx_ua / 10
    wake_s = trace["t_s"].to_numpy()[1:][np.diff(is_awake.astype(int)) == 1]
    assert len(wake_s) >= 2
    assert np.allclose(np.diff(wake_s), 2.048, atol=2e-3)
    # the windows start where the module's schedule puts them (each wake-up ends there); the wake-up lasts
    # the table's charge at receive current, x timer_scale
    window_start_s = float(status["edrx"]["window_start_s"]) - recording.start_monotonic_s  # type: ignore[index]
    wake_burst_s = BC660K.edrx_wake_charge_uc / (BC660K.rx_ua - BC660K.edrx_sleep_ua) * 0.1
    phase_s = (window_start_s - wake_burst_s - wake_s) % 2.048
    assert np.all(np.minimum(phase_s, 2.048 - phase_s) < 2e-3)
    between = trace[(trace["t_s"] > wake_s[0] + 0.5) & (trace["t_s"] < wake_s[0] + 1.5)]["current_ua"]
    assert between.mean() == pytest.approx(BC660K.edrx_sleep_ua, rel=0.5)


def test_a_module_that_ends_while_recording_fails_the_recording() -> None:
    link = connect(f"virtual://bc660k?{FAST}")
    try:
        analyzer = open_analyzer(channel_of(poll_interval_s=0.05), port=link.port)
        analyzer.start()
        link.port.virtual_module.stop()
        time.sleep(0.2)
        with pytest.raises(VirtualModuleError):
            analyzer.stop()
    finally:
        link.close()


def test_a_port_without_a_virtual_module_is_refused() -> None:
    port = serial.serial_for_url("loop://")
    try:
        with pytest.raises(HarnessError, match="no virtual module behind it"):
            open_analyzer(channel_of(), port=port)
    finally:
        port.close()


def test_options_are_checked_by_name_and_value() -> None:
    assert analyzer_problems(channel_of(seed=3, psm_floor_ua=1.5, poll_interval_s=0.5).power) == []
    problems = dict(analyzer_problems(channel_of(seed=-1, rx_ma="many", colour=1).power))
    assert set(problems) == {"options.seed", "options.rx_ma", "options.colour"}
    assert "unknown option" in problems["options.colour"]
    unknown = Power(id="x", analyzer="ppk3", channels=MappingProxyType({"nb": 1}))
    known = "otii, ppk2, scpi, virtual"
    assert analyzer_problems(unknown) == [("analyzer", f"unknown analyzer 'ppk3' (known: {known})")]
    with pytest.raises(HarnessError, match="unknown analyzer"):
        open_analyzer(PowerChannel(power=unknown, channel=1, module_id="nb"), port=None)


def test_a_rig_override_changes_the_figure_the_rail_draws(bc660k: ModemLink) -> None:
    bc660k.session.send("AT+CFUN=0")  # deregistered, radio off
    with record_current(open_analyzer(channel_of(deregistered_ua=123.0), port=bc660k.port)) as recording:
        time.sleep(0.3)
    assert recording.trace is not None
    assert np.allclose(recording.trace["current_ua"].iloc[-100:], 123.0)


@pytest.fixture
def server() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(URC_TIMEOUT_S)
    try:
        yield sock
    finally:
        sock.close()


def receive(server: socket.socket, count: int) -> None:
    for _ in range(count):
        server.recvfrom(2048)


def tx_runs(trace: pd.DataFrame, threshold_ua: float) -> list[np.ndarray]:
    """The currents of each run of samples above `threshold_ua`."""
    currents = trace["current_ua"].to_numpy()
    edges = np.flatnonzero(np.diff(np.r_[0, (currents > threshold_ua).astype(int), 0]))
    return [currents[start:stop] for start, stop in zip(edges[::2], edges[1::2], strict=True)]


def test_a_long_uplink_stream_draws_transmit_current_for_its_whole_air_time(
    bc660k: ModemLink, server: socket.socket
) -> None:
    # 20 datagrams of 200 bytes at 20 kbit/s: 91.2 ms each on the air, 1.8 s in all, queued back to back
    # (the 50 ms RRC set-up of the old guess would be 3 % of it)
    control = bc660k.port.virtual_module.control
    control({"op": "conditions", "ul_kbps": 20})
    modem = bc660k.modem
    assert isinstance(modem, QuectelNbiotModem)
    sock = modem.open_udp(*server.getsockname())
    count, payload_bytes = 20, 200
    with record_current(open_analyzer(channel_of(), port=bc660k.port), sample_rate_hz=RATE_HZ) as recording:
        for _ in range(count):
            sock.send(bytes(payload_bytes))
        receive(server, count)
    trace = recording.trace
    assert trace is not None
    tx_ua = BC660K.tx_ua(tx_power_dbm(NBIOT.radio[0]))
    above_rx_uc = np.clip(trace["current_ua"].to_numpy() - BC660K.rx_ua, 0.0, None).sum() / RATE_HZ
    air_s = count * airtime_ms(payload_bytes, 20.0) / 1000
    # the stream's air time at transmit current; a set-up the module may have needed first (50 ms) and the
    # samples cut at each edge are the slack
    expected_uc = air_s * (tx_ua - BC660K.rx_ua)
    assert expected_uc <= above_rx_uc * (1 + 1e-3) + 2 * (tx_ua - BC660K.rx_ua) / RATE_HZ
    assert above_rx_uc <= expected_uc + (0.05 + 4 / RATE_HZ) * (tx_ua - BC660K.rx_ua)


def test_transmit_current_follows_a_change_of_rsrp(bc660k: ModemLink, server: socket.socket) -> None:
    control = bc660k.port.virtual_module.control
    control({"op": "conditions", "ul_kbps": 20})
    modem = bc660k.modem
    assert isinstance(modem, QuectelNbiotModem)
    sock = modem.open_udp(*server.getsockname())
    with record_current(open_analyzer(channel_of(), port=bc660k.port), sample_rate_hz=RATE_HZ) as recording:
        for rsrp_dbm in (-95, -101):  # CE0 both: 10 dBm, then 16 dBm, with no reselection between
            assert control({"op": "conditions", "rsrp": rsrp_dbm})["tx_power_dbm"] == -85 - rsrp_dbm
            sock.send(bytes(200))
            receive(server, 1)
    trace = recording.trace
    assert trace is not None
    runs = [run for run in tx_runs(trace, BC660K.rx_ua * 1.01) if len(run) > 50]  # the 91 ms packets
    assert [float(np.median(run)) for run in runs] == [
        pytest.approx(BC660K.tx_ua(10.0)),
        pytest.approx(BC660K.tx_ua(16.0)),
    ]
