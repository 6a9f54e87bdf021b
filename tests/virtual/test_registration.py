"""harness.virtual.registration (and packet_domain_commands): searching, home and roaming registration, +COPS,
+CGATT, +CGDCONT, and the network deregistering a module, seen through the port (open_port), a Modem
(harness.dialects) and the module's control channel. Expected layouts: 27.007 as the BC660K manual [S5] §4.1,
§4.3, §5.4, §7.2 prints them (cellular-iot.md §1)."""

from __future__ import annotations

import time

import pytest

from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError

from .conftest import OpenLink, StartModule, Terminal, control

FAST = "echo=0&attach_s=0.2&delay_ms=1&jitter_ms=0&rrc_setup_ms=0&inactivity_s=0.3"
LOCATION = '"1A2B","0123ABCD",9'


def read_until(terminal: Terminal, command: str, expected: list[str], *, timeout_s: float = 5.0) -> None:
    deadline_s = time.monotonic() + timeout_s
    while (lines := terminal.lines(command)) != expected:
        assert time.monotonic() < deadline_s, f"{command} still answers {lines}, not {expected}"
        time.sleep(0.05)


def test_searching_then_registered_home(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 0,2", "OK"]
    read_until(terminal, "AT+CEREG?", ["+CEREG: 0,1", "OK"])
    assert terminal.lines("AT+COPS?") == ['+COPS: 0,2,"00101",9', "OK"]


def test_roaming_option_registers_with_stat_5_on_the_visited_network(start_module: StartModule) -> None:
    terminal = start_module(f"{FAST}&roaming=1")
    terminal.lines("AT+CEREG=2")
    read_until(terminal, "AT+CEREG?", [f"+CEREG: 2,5,{LOCATION}", "OK"])
    assert terminal.lines("AT+COPS?") == ['+COPS: 0,2,"00102",9', "OK"]


def test_modem_sees_roaming(open_link: OpenLink) -> None:
    link = open_link(f"virtual://generic?{FAST}&roaming=1&profile=nbiot")
    assert isinstance(link.modem, Ts27007Modem)
    registration = link.modem.attach(None, timeout_s=10)
    assert (registration.is_registered, registration.is_roaming) == (True, True)


def test_cgatt_detaches_and_attaches_again(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines("AT+CEREG=1") == ["OK"]
    assert terminal.lines("AT+CGATT=0") == ["OK"]
    terminal.read_until(b"\r\n+CEREG: 0\r\n")  # a URC raised by a command follows its OK
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 1,0", "OK"]
    assert terminal.lines("AT+CGPADDR") == ["+CGPADDR: 0", "OK"]
    assert terminal.lines("AT+CGATT=1") == ["OK"]
    terminal.read_until(b"\r\n+CEREG: 2\r\n")
    terminal.read_until(b"\r\n+CEREG: 1\r\n")
    assert terminal.lines("AT+CGATT?") == ["+CGATT: 1", "OK"]


def test_cgatt_needs_full_functionality(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    assert terminal.lines("AT+CFUN=0") == ["OK"]
    assert terminal.lines("AT+CGATT=1") == ["+CME ERROR: 3"]


def test_cops_manual_selection_of_the_serving_plmn_and_back_to_automatic(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines('AT+COPS=1,2,"00101"') == ["OK"]
    assert terminal.lines("AT+COPS?") == ['+COPS: 1,2,"00101",9', "OK"]
    assert terminal.lines("AT+COPS=0") == ["OK"]
    assert terminal.lines("AT+COPS?") == ['+COPS: 0,2,"00101",9', "OK"]


def test_cops_refuses_a_plmn_that_is_not_there(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines('AT+COPS=1,2,"46000"') == ["+CME ERROR: 30"]
    # manual then automatic (mode 4) falls back to automatic instead
    assert terminal.lines('AT+COPS=4,2,"46000"') == ["OK"]
    assert terminal.lines("AT+COPS?") == ['+COPS: 0,2,"00101",9', "OK"]


def test_cops_2_deregisters_until_selection_is_asked_for_again(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines("AT+COPS=2") == ["OK"]
    assert terminal.lines("AT+COPS?") == ["+COPS: 2", "OK"]
    assert terminal.lines("AT+CFUN=0;+CFUN=1") == ["OK"]
    time.sleep(0.4)  # longer than attach_s: it would have registered
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 0,0", "OK"]
    assert terminal.lines("AT+COPS=0") == ["OK"]
    read_until(terminal, "AT+CEREG?", ["+CEREG: 0,1", "OK"])


def test_cops_format_and_the_operator_list(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines("AT+COPS=3,0") == ["OK"]
    assert terminal.lines("AT+COPS?") == ['+COPS: 0,0,"TEST 001-01",9', "OK"]
    assert terminal.lines("AT+COPS=?") == ['+COPS: (2,"TEST 001-01","TEST","00101",9),,(0-4),(0-2)', "OK"]


def test_modem_select_operator_reads_back_in_numeric_form(open_link: OpenLink) -> None:
    link = open_link(f"virtual://generic?{FAST}&profile=nbiot", dialect="ts27007")
    modem = link.modem
    assert isinstance(modem, Ts27007Modem)
    modem.attach(None, timeout_s=10)
    modem.select_operator("00101", timeout_s=5)
    selection = modem.operator_selection()
    assert (selection.mode, selection.plmn, selection.act) == (1, "00101", 9)
    with pytest.raises(ModemError, match="manual selection of PLMN 46000 failed"):
        modem.select_operator("46000", timeout_s=5)


def test_cgdcont_defines_reads_and_undefines_contexts(start_module: StartModule) -> None:
    terminal = start_module(FAST, model="generic")
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines('AT+CGDCONT=2,"ipv4v6","iot.test"') == ["OK"]
    assert terminal.lines("AT+CGDCONT?") == [
        '+CGDCONT: 1,"IP","","127.0.0.1",0,0',
        '+CGDCONT: 2,"IPV4V6","iot.test","0.0.0.0",0,0',
        "OK",
    ]
    assert terminal.lines("AT+CGDCONT=2") == ["OK"]
    assert terminal.lines("AT+CGDCONT=1") == ["+CME ERROR: 3"]  # the attach context stays
    assert terminal.lines('AT+CGDCONT=3,"PPP"') == ["+CME ERROR: 50"]
    assert terminal.lines("AT+CGDCONT?") == ['+CGDCONT: 1,"IP","","127.0.0.1",0,0', "OK"]


def test_modem_apn_round_trip_through_cgdcont(open_link: OpenLink) -> None:
    link = open_link(f"virtual://generic?{FAST}&profile=cat1", dialect="ts27007")
    modem = link.modem
    assert isinstance(modem, Ts27007Modem)
    modem.define_apn("iot.test")  # defines the APN, then switches the radio off to re-attach
    assert modem.apn() == "iot.test"
    assert modem.attach(None, timeout_s=10).is_registered


def test_network_deregisters_the_module_and_lets_it_back(start_module: StartModule) -> None:
    terminal = start_module(FAST.replace("inactivity_s=0.3", "inactivity_s=30"))
    read_until(terminal, "AT+CGATT?", ["+CGATT: 1", "OK"])
    assert terminal.lines("AT+CEREG=1;+CSCON=1") == ["OK"]
    status = control(terminal.port, {"op": "network", "registration": "deregister"})
    assert (status["stat"], status["state"]) == (2, "searching")
    terminal.read_until(b"\r\n+CEREG: 2\r\n")
    terminal.read_until(b"\r\n+CSCON: 0\r\n")
    time.sleep(0.4)  # longer than attach_s: kept out
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 1,2", "OK"]
    control(terminal.port, {"op": "network", "registration": "register"})
    terminal.read_until(b"\r\n+CEREG: 1\r\n")


def test_roaming_set_during_a_run_applies_at_the_next_registration(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    read_until(terminal, "AT+CEREG?", ["+CEREG: 0,1", "OK"])
    assert control(terminal.port, {"op": "network", "roaming": True})["stat"] == 1
    assert terminal.lines("AT+CFUN=0;+CFUN=1") == ["OK"]
    read_until(terminal, "AT+CEREG?", ["+CEREG: 0,5", "OK"])
