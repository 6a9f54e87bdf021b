"""The first-packet engine against virtual modules: the first packet from RRC idle, PSM or eDRX idle pays
the configured rrc_setup_ms on top of the connected round trip, the state it left from is the one the
module reported, and a module that cannot tell PSM is refused instead of assumed. Every wait has a
deadline (settle_timeout_s, timeout_s, the session's command timeouts)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from harness.dialects import ModemLink, connect
from harness.errors import ModemError
from harness.server.reflector import UdpReflector
from harness.traffic.first_packet import FirstPacketSpec, StartState, run_first_packet

DELAY_MS = 50.0
RRC_SETUP_MS = 600.0
# Link figures pinned so the round trips are known: no jitter or loss, air time negligible (10 Mbit/s),
# a short inactivity timer, and idle timers (T3324, the UART's sleep countdown) 20 times shorter.
LINK = (
    f"attach_s=0.2&delay_ms={DELAY_MS:g}&jitter_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
    f"&rrc_setup_ms={RRC_SETUP_MS:g}&inactivity_s=0.3&timer_scale=0.05"
)
CONNECTED_RTT_MS = 2 * DELAY_MS
# The harness learns of the echo through an AT exchange and a URC: a few ms here, more on a loaded machine.
SLACK_MS = 250.0
FAST = FirstPacketSpec(attempts=2, timeout_s=5.0, settle_timeout_s=10.0, off_s=0.05, attempt_timeout_s=10.0)


@pytest.fixture
def reflector() -> Iterator[UdpReflector]:
    with UdpReflector(host="127.0.0.1") as running:
        yield running


@pytest.fixture
def link(request: pytest.FixtureRequest) -> Iterator[ModemLink]:
    model: str = getattr(request, "param", "bc660k")
    with connect(f"virtual://{model}?{LINK}") as opened:
        opened.modem.attach(None, timeout_s=10.0)
        yield opened


def assert_first_packets_pay_the_rrc_setup(samples: pd.DataFrame, state: str) -> None:
    assert samples.columns[0] == "t_s"
    assert (samples["state"] == state).all(), samples
    expected_ms = CONNECTED_RTT_MS + RRC_SETUP_MS
    assert samples["rtt_ms"].between(expected_ms, expected_ms + SLACK_MS).all(), samples
    assert samples["connected_rtt_ms"].between(CONNECTED_RTT_MS, CONNECTED_RTT_MS + SLACK_MS).all(), samples
    assert samples["wakeup_delay_ms"].between(RRC_SETUP_MS - SLACK_MS, RRC_SETUP_MS + SLACK_MS).all()
    # +CSCON: 1 came once the set-up was over, not before the probe left
    assert samples["connected_after_ms"].between(RRC_SETUP_MS, RRC_SETUP_MS + SLACK_MS).all(), samples


@pytest.mark.parametrize("link", ["bc660k", "ml307r"], indirect=True)
def test_first_packet_from_idle_pays_the_rrc_setup(link: ModemLink, reflector: UdpReflector) -> None:
    result = run_first_packet(link.modem, reflector.address, FAST)
    assert_first_packets_pay_the_rrc_setup(result.samples, "idle")
    summary = result.summary
    assert summary["rtt_idle_p50_ms"].n_samples == 2
    assert summary["first_packet_loss_pct"].value == 0.0
    p50_ms = summary["wakeup_delay_p50_ms"].value
    assert p50_ms is not None
    assert abs(p50_ms - RRC_SETUP_MS) < SLACK_MS


def test_first_packet_from_psm_wakes_the_uart_and_pays_the_rrc_setup(
    link: ModemLink, reflector: UdpReflector
) -> None:
    """T3324 of 60 s runs 3 s at timer_scale 0.05; the dwell outlasts the BC660K's sleep countdown (10 s,
    0.5 s here), so the UART is asleep and the first AT is lost: its time is recorded, not in the RTT."""
    spec = FirstPacketSpec(
        start=StartState.PSM, attempts=2, active_time_s=60, dwell_s=0.8, timeout_s=5.0,
        settle_timeout_s=15.0, off_s=0.05, attempt_timeout_s=10.0,
    )  # fmt: skip
    result = run_first_packet(link.modem, reflector.address, spec)
    assert_first_packets_pay_the_rrc_setup(result.samples, "psm")
    assert (result.samples["uart_wake_ms"] >= 100).all(), result.samples  # the lost AT's wait
    assert set(result.summary) >= {"rtt_psm_p50_ms", "rtt_psm_max_ms"}
    assert not link.modem.psm().is_enabled  # the request put back as it was


@pytest.mark.parametrize("link", ["ml307r"], indirect=True)
def test_first_packet_from_edrx_idle(link: ModemLink, reflector: UdpReflector) -> None:
    spec = FirstPacketSpec(
        start=StartState.EDRX, attempts=2, timeout_s=5.0, settle_timeout_s=10.0, off_s=0.05,
        attempt_timeout_s=10.0,
    )  # fmt: skip
    result = run_first_packet(link.modem, reflector.address, spec)
    assert_first_packets_pay_the_rrc_setup(result.samples, "idle")
    assert (result.samples["start"] == "edrx").all()
    assert result.summary["rtt_edrx_p50_ms"].n_samples == 2
    assert link.modem.edrx().requested_edrx_s is None  # the request put back as it was


@pytest.mark.parametrize("link", ["ml307r"], indirect=True)
def test_psm_is_not_assumed_on_a_module_that_does_not_report_it(
    link: ModemLink, reflector: UdpReflector
) -> None:
    with pytest.raises(ModemError, match="names no PSM entry report"):
        run_first_packet(link.modem, reflector.address, FirstPacketSpec(start=StartState.PSM))


def test_a_module_that_never_goes_idle_fails_with_the_states_seen(
    link: ModemLink, reflector: UdpReflector
) -> None:
    link.port.virtual_module.control({"op": "conditions", "inactivity_s": 3600})  # type: ignore[attr-defined]
    spec = FirstPacketSpec(attempts=1, settle_timeout_s=1.0, timeout_s=2.0)
    with pytest.raises(ModemError, match="did not report idle or psm within 1 s; last states: connected"):
        run_first_packet(link.modem, reflector.address, spec)
