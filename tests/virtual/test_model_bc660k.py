"""harness.virtual.model_bc660k: the BC660K-like module through open_port("virtual://bc660k?..."), raw I/O.

Expected lines are the layouts of the BC660K AT manual [S5] (../shared/reference/cellular-iot.md §1, §3.1).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from harness.transport import open_port
from harness.virtual.options import is_luhn_valid

from .conftest import READ_TIMEOUT_S, StartModule, Terminal

LOCATION = '"1A2B","0123ABCD",9'


@pytest.fixture(scope="module")
def registered() -> Iterator[Terminal]:
    """One module shared by the read-only tests: echo off, registered."""
    url = "virtual://bc660k?attach_s=0&echo=0&imsi=001019876543210&imei=350000110000011&iccid=89001010000000000018"
    port = open_port(url, timeout=READ_TIMEOUT_S)
    terminal = Terminal(port)
    try:
        terminal.read_until(b"\r\nRDY\r\n")
        terminal.wait_registered()
        yield terminal
    finally:
        port.close()


def lines_of(response: bytes) -> list[str]:
    return [line for line in response.decode("latin-1").split("\r\n") if line]


def test_rdy_is_the_first_output_after_open(start_module: StartModule) -> None:
    terminal = start_module(is_rdy_awaited=False)
    assert terminal.read_until(b"RDY\r\n") == b"\r\nRDY\r\n"


def test_echo_is_on_by_default_and_ate0_turns_it_off(start_module: StartModule) -> None:
    terminal = start_module()
    assert terminal.command("AT") == b"AT\r\r\nOK\r\n"
    assert terminal.command("ATE0") == b"ATE0\r\r\nOK\r\n"
    assert terminal.command("AT") == b"\r\nOK\r\n"
    assert terminal.command("ATE1") == b"\r\nOK\r\n"
    assert terminal.command("AT+CMEE?") == b"AT+CMEE?\r\r\n+CMEE: 1\r\n\r\nOK\r\n"


def test_echo_option_starts_with_echo_off(start_module: StartModule) -> None:
    assert start_module("echo=0").command("AT") == b"\r\nOK\r\n"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ATI", ["Quectel_Ltd", "Quectel_BC660K-GL", "Revision: BC660KGLAAR01A03", "OK"]),
        ("AT+CGMI", ["Quectel_Ltd", "Quectel_BC660K-GL", "Revision: QCX", "OK"]),
        ("AT+CGMM", ["Quectel_BC660K-GL", "OK"]),
        ("AT+CGMR", ["Revision: BC660KGLAAR01A03", "OK"]),
        ("AT+CGSN", ["350000110000011", "OK"]),
        ("AT+CGSN=1", ["+CGSN: 350000110000011", "OK"]),
        ("AT+CGSN=2", ["+CGSN: 3500001100000101", "OK"]),
        ("AT+CGSN=?", ["+CGSN: (0-3)", "OK"]),
        ("AT+CIMI", ["001019876543210", "OK"]),
        ("AT+QCCID", ["+QCCID: 89001010000000000018", "OK"]),
        ("AT+CPIN?", ["+CPIN: READY", "OK"]),
        ("AT+CFUN?", ["+CFUN: 1", "OK"]),
        ("AT+CFUN=?", ["+CFUN: (0,1,4,),(0,1)", "OK"]),
        ("AT+CGPADDR", ['+CGPADDR: 0,"127.0.0.1"', "OK"]),
        ("AT+CGPADDR=0", ['+CGPADDR: 0,"127.0.0.1"', "OK"]),
        ("AT+CGATT?", ["+CGATT: 1", "OK"]),
        ("AT+COPS?", ['+COPS: 0,2,"00101",9', "OK"]),
        ("AT+CEREG=?", ["+CEREG: (0-5)", "OK"]),
        ("AT+CSCON=?", ["+CSCON: (0,1)", "OK"]),
        # CE0 defaults: RSRP -95 dBm -> index 46, RSRQ -8 dB -> index 24 (27.007 lower edges)
        ("AT+CESQ", ["+CESQ: 99,99,255,255,24,46", "OK"]),
        ("AT+QENG=0", ['+QENG: 0,3688,12,121,"0123ABCD",-95,-8,-84,12,8,"1A2B",0,10,3', "OK"]),
    ],
)
def test_identity_and_state_commands(registered: Terminal, command: str, expected: list[str]) -> None:
    assert registered.lines(command) == expected


def test_imei_is_luhn_valid(registered: Terminal) -> None:
    (imei, _) = registered.lines("AT+CGSN")
    assert len(imei) == 15
    assert is_luhn_valid(imei)


def test_identity_options_reach_the_answers(start_module: StartModule) -> None:
    terminal = start_module("echo=0&imei=490154203237518&iccid=8944500102198304826&ce=2")
    assert terminal.lines("AT+CGSN=1") == ["+CGSN: 490154203237518", "OK"]
    assert terminal.lines("AT+QCCID") == ["+QCCID: 8944500102198304826", "OK"]


@pytest.mark.parametrize(
    ("command", "final"),
    [("AT+NOSUCH", "ERROR"), ("AT+CGMM?", "ERROR"), ("ATX9", "ERROR"), ("AT+CEREG=6", "+CME ERROR: 50")],
)
def test_unknown_commands_give_error_and_wrong_arguments_cme_error(
    registered: Terminal, command: str, final: str
) -> None:
    assert registered.lines(command) == [final]


@pytest.mark.parametrize(
    ("mode", "final"),
    [("0", "ERROR"), ("1", "+CME ERROR: 50"), ("2", "+CME ERROR: Incorrect Parameters")],
)
def test_cme_error_modes(start_module: StartModule, mode: str, final: str) -> None:
    terminal = start_module("echo=0")
    assert terminal.lines(f"AT+CMEE={mode}") == ["OK"]
    assert terminal.lines("AT+CMEE?") == [f"+CMEE: {mode}", "OK"]
    assert terminal.lines("AT+CFUN=7") == [final]
    assert terminal.lines("AT+NOSUCH") == ["ERROR"]


@pytest.mark.parametrize(
    ("n", "urcs", "read"),
    [
        (0, [], "+CEREG: 0,1"),
        (1, ["+CEREG: 0", "+CEREG: 2", "+CEREG: 1"], "+CEREG: 1,1"),
        (2, ["+CEREG: 0", "+CEREG: 2", f"+CEREG: 1,{LOCATION}"], f"+CEREG: 2,1,{LOCATION}"),
        (3, ["+CEREG: 0", "+CEREG: 2", f"+CEREG: 1,{LOCATION}"], f"+CEREG: 3,1,{LOCATION}"),
        # no PSM requested, none granted: n=4/5 show no timers (24.301 grants T3324 only on request)
        (4, ["+CEREG: 0", "+CEREG: 2", f"+CEREG: 1,{LOCATION}"], f"+CEREG: 4,1,{LOCATION}"),
        (5, ["+CEREG: 0", "+CEREG: 2", f"+CEREG: 1,{LOCATION}"], f"+CEREG: 5,1,{LOCATION}"),
    ],
)
def test_cereg_urcs_and_read_form_per_n(
    start_module: StartModule, n: int, urcs: list[str], read: str
) -> None:
    terminal = start_module("echo=0&attach_s=0.1")
    terminal.wait_registered()
    seen: list[str] = []

    def run(command: str, *, info_lines: int = 0) -> list[str]:
        """The command's own lines; lines before them are URCs that arrived in between."""
        lines = terminal.lines(command)
        own = len(lines) - 1 - info_lines
        seen.extend(lines[:own])
        return lines[own:]

    run(f"AT+CEREG={n}")
    run("AT+CFUN=0")  # deregister: stat 0
    run("AT+CFUN=1")  # search (stat 2), registered attach_s later (stat 1)
    deadline_s = time.monotonic() + 5.0
    while (read_back := run("AT+CEREG?", info_lines=1)) != [read, "OK"]:
        assert read_back == [f"+CEREG: {n},2", "OK"]
        assert time.monotonic() < deadline_s, "not registered again in time"
        time.sleep(0.05)
    seen.extend(lines_of(terminal.collect(0.05)))
    assert seen == urcs


def test_cfun_0_deregisters_and_cfun_1_attaches_again(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0.6")  # long enough to see it searching
    terminal.wait_registered()
    assert terminal.lines("AT+CFUN=0") == ["OK"]
    assert terminal.lines("AT+CFUN?") == ["+CFUN: 0", "OK"]
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 0,0", "OK"]
    assert terminal.lines("AT+CGPADDR") == ["+CGPADDR: 0", "OK"]
    assert terminal.lines("AT+CESQ") == ["+CESQ: 99,99,255,255,255,255", "OK"]
    assert terminal.lines("AT+CFUN=1") == ["OK"]
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 0,2", "OK"]
    terminal.wait_registered()
    assert terminal.lines("AT+CGPADDR") == ['+CGPADDR: 0,"127.0.0.1"', "OK"]


def test_ce_level_and_rsrp_options_reach_the_radio_answers(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0&ce=2&rsrp=-125")
    terminal.wait_registered()
    # RSRP -125 dBm -> index 16; CE2 default RSRQ -16 dB -> index 8
    assert terminal.lines("AT+CESQ") == ["+CESQ: 99,99,255,255,8,16", "OK"]
    (qeng, _) = terminal.lines("AT+QENG=0")
    assert qeng.split(",")[5] == "-125"
    assert qeng.split(",")[11] == "2"


def test_default_pdp_context_is_kept_and_read_back(start_module: StartModule) -> None:
    terminal = start_module("echo=0")
    assert terminal.lines("AT+QCGDEFCONT?") == ['+QCGDEFCONT: "IP",""', "OK"]
    assert terminal.lines('AT+QCGDEFCONT="ip","iot.test"') == ["OK"]
    assert terminal.lines("AT+QCGDEFCONT?") == ['+QCGDEFCONT: "IP","iot.test"', "OK"]
    assert terminal.lines('AT+QCGDEFCONT="PPP","x"') == ["+CME ERROR: 50"]
    assert terminal.lines("AT+QCGDEFCONT?") == ['+QCGDEFCONT: "IP","iot.test"', "OK"]
