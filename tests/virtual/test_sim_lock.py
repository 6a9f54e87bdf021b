"""harness.virtual.sim_lock: a virtual SIM with `pin=` asks for it as 27.007 §8.3 says (+CPIN: SIM PIN until
the right PIN, no attach, the card's commands refused with +CME ERROR: 11), again after a reset, and blocks
after PIN_ATTEMPTS wrong ones; SIM preparation (harness.dialects.sim) unlocks it from the environment.
Codes: cellular-iot.md §1.6-1.7 [S5]."""

from __future__ import annotations

import pytest

from harness.dialects.sim import unlock_sim
from harness.errors import ModemError, UrlError
from harness.transport import shown_url
from harness.virtual.options import parse_virtual_url
from harness.virtual.sim_lock import PIN_ATTEMPTS

from .conftest import OpenLink, StartModule
from .test_registration import FAST, read_until

PIN = "4321"


def test_without_a_pin_the_card_is_ready_and_a_pin_is_not_allowed(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    assert terminal.lines("AT+CPIN?") == ["+CPIN: READY", "OK"]
    assert terminal.lines('AT+CPIN="1234"') == ["+CME ERROR: 3"]


def test_a_locked_card_keeps_the_module_off_the_network_until_its_pin(start_module: StartModule) -> None:
    terminal = start_module(f"{FAST}&pin={PIN}")
    assert terminal.lines("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
    assert terminal.lines("AT+CIMI") == ["+CME ERROR: 11"]
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 0,0", "OK"]  # not searching: attach_s went by at boot
    assert terminal.lines('AT+CPIN="0000"') == ["+CME ERROR: 16"]
    assert terminal.lines(f'AT+CPIN="{PIN}"') == ["OK"]
    assert terminal.lines("AT+CPIN?") == ["+CPIN: READY", "OK"]
    assert terminal.lines("AT+CIMI")[-1] == "OK"
    read_until(terminal, "AT+CEREG?", ["+CEREG: 0,1", "OK"])


def test_a_reset_asks_for_the_pin_again(start_module: StartModule) -> None:
    terminal = start_module(f"{FAST}&pin={PIN}")
    assert terminal.lines(f'AT+CPIN="{PIN}"') == ["OK"]
    terminal.command("AT+CFUN=1,1")
    terminal.read_until(b"RDY")
    assert terminal.lines("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]


def test_wrong_pins_block_the_card(start_module: StartModule) -> None:
    terminal = start_module(f"{FAST}&pin={PIN}")
    for _ in range(PIN_ATTEMPTS):
        assert terminal.lines('AT+CPIN="9999"') == ["+CME ERROR: 16"]
    assert terminal.lines("AT+CPIN?") == ["+CPIN: SIM PUK", "OK"]
    assert terminal.lines(f'AT+CPIN="{PIN}"') == ["+CME ERROR: 12"]
    assert terminal.lines("AT+CIMI") == ["+CME ERROR: 12"]


def test_sim_preparation_unlocks_it_from_the_environment(open_link: OpenLink) -> None:
    link = open_link(f"virtual://bc660k?{FAST}&pin={PIN}")
    with pytest.raises(ModemError, match="MIOT_TEST_PIN"):
        unlock_sim(link.modem, "MIOT_TEST_PIN", {})
    assert unlock_sim(link.modem, "MIOT_TEST_PIN", {"MIOT_TEST_PIN": PIN}) is True
    assert unlock_sim(link.modem, "MIOT_TEST_PIN", {"MIOT_TEST_PIN": PIN}) is False  # ready: nothing to enter


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", ""])
def test_a_pin_that_is_not_4_to_8_digits_is_a_url_error(pin: str) -> None:
    with pytest.raises(UrlError, match="option pin"):
        parse_virtual_url(f"virtual://bc660k?pin={pin}")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"virtual://bc660k?ce=1&pin={PIN}&seed=2", "virtual://bc660k?ce=1&pin=<redacted>&seed=2"),
        (f"virtual://bc660k?pin={PIN}#frag", "virtual://bc660k?pin=<redacted>#frag"),
        ("virtual://bc660k?ce=1", "virtual://bc660k?ce=1"),
        ("/dev/ttyUSB0", "/dev/ttyUSB0"),
    ],
)
def test_a_port_url_is_shown_without_its_pin(url: str, shown: str) -> None:
    assert shown_url(url) == shown


@pytest.mark.parametrize(
    "query", [f"pin={PIN}&ce=9", f"pin={PIN}&nope=1", "pin=12345678901", f"pin={PIN}&pin=1"]
)
def test_url_errors_never_show_the_pin(query: str) -> None:
    with pytest.raises(UrlError) as raised:
        parse_virtual_url(f"virtual://bc660k?{query}")
    assert PIN not in str(raised.value)
    assert "12345678901" not in str(raised.value)
