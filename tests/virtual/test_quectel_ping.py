"""harness.virtual.quectel_ping (with module_ping): AT+QPING on a virtual BC660K, driven by its dialect and
through the port: round trips timed through the link model, lost requests, refusals (Quectel TCP/IP notes
[S13]; fixtures/at/golden/quectel_redcap/qping-*.log show the same command on RM5xx)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from harness.at import ATCommandError
from harness.dialects.quectel_nbiot import QuectelNbiotModem
from harness.errors import ModemError
from harness.virtual.link import CE_PROFILES, rtt_bounds_ms

from .conftest import OpenLink, StartModule

LINK = "delay_ms=50&jitter_ms=20&rrc_setup_ms=0&loss_pct=0&inactivity_s=60"


def bc660k(open_link: OpenLink, query: str) -> QuectelNbiotModem:
    modem = open_link(f"virtual://bc660k?attach_s=0&{query}").modem
    assert isinstance(modem, QuectelNbiotModem)
    modem.attach(None, timeout_s=10)
    return modem


def test_round_trips_lie_within_the_links_bounds(open_link: OpenLink) -> None:
    result = bc660k(open_link, LINK).ping("127.0.0.1", count=3, timeout_s=4)
    assert (result.host, result.sent, result.received) == ("127.0.0.1", 3, 3)
    profile = dataclasses.replace(CE_PROFILES[0], delay_ms=50.0, jitter_ms=20.0)
    low_ms, high_ms = rtt_bounds_ms(profile, 32)  # 32-byte echoes: CE0 air both ways, 100-140 ms of delay
    # never below the link's least RTT; the slack above is for the loop and a loaded machine
    assert all(math.floor(low_ms) <= rtt <= high_ms + 50 for rtt in result.rtts_ms), (low_ms, result.rtts_ms)


def test_a_silent_address_times_out_each_request(open_link: OpenLink) -> None:
    result = bc660k(open_link, LINK).ping("198.18.0.99", count=2, timeout_s=1)
    assert (result.sent, result.received, result.loss_pct) == (2, 0, 100.0)


def test_addresses_outside_the_network_rule_and_names_are_refused(open_link: OpenLink) -> None:
    modem = bc660k(open_link, LINK)
    with pytest.raises(ModemError, match="572"):
        modem.ping("192.0.2.1", count=1, timeout_s=1)
    with pytest.raises(ModemError, match="565"):
        modem.ping("example.invalid", count=1, timeout_s=1)


def test_no_ping_before_registration(open_link: OpenLink) -> None:
    modem = open_link("virtual://bc660k?attach_s=3600").modem
    with pytest.raises(ATCommandError):
        modem.ping("127.0.0.1", count=1, timeout_s=1)


def test_one_ping_at_a_time(start_module: StartModule) -> None:
    terminal = start_module(f"echo=0&attach_s=0&{LINK}")
    terminal.wait_registered()
    assert terminal.lines('AT+QPING=0,"198.18.0.99",1,2') == ["OK"]
    assert terminal.lines('AT+QPING=0,"127.0.0.1"') == ["ERROR"]
    assert terminal.lines('AT+QPING=1,"127.0.0.1"') == ["+CME ERROR: 50"]  # BC660K's context is 0
    terminal.read_until(b"+QPING: 0,2,0,2,0,0,0\r\n", timeout_s=10.0)
