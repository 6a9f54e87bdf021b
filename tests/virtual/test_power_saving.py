"""harness.virtual.power_saving (with ts27007_power_commands and network_policy): PSM and eDRX requests, what
the network grants under each policy, and how the module reports both, through Modem.psm()/set_psm()/edrx()/
set_edrx() (harness.dialects) and the raw commands. Read forms per 27.007 as the BC660K manual [S5] §9.1,
§9.2, §9.4 prints them (cellular-iot.md §1.5)."""

from __future__ import annotations

import pytest

from harness.dialects.modem import PsmTimers
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import VirtualModuleError

from .conftest import OpenLink, StartModule, control

FAST = "attach_s=0&delay_ms=1&jitter_ms=0&rrc_setup_ms=0&inactivity_s=0.2"


def generic(open_link: OpenLink, query: str = "") -> Ts27007Modem:
    link = open_link(f"virtual://generic?{FAST}&profile=nbiot{query}")
    modem = link.modem
    assert isinstance(modem, Ts27007Modem)
    modem.attach(None, timeout_s=10)
    return modem


def timers(active_time_s: int | None, periodic_tau_s: int | None) -> tuple[int | None, int | None]:
    return active_time_s, periodic_tau_s


def granted(modem: Ts27007Modem) -> tuple[int | None, int | None]:
    state = modem.psm()
    assert state.granted is not None
    return state.granted.active_time_s, state.granted.periodic_tau_s


def test_nothing_requested_nothing_granted(open_link: OpenLink) -> None:
    state = generic(open_link).psm()
    assert (state.is_enabled, state.requested, state.granted) == (False, None, None)


def test_accept_grants_the_request(open_link: OpenLink) -> None:
    modem = generic(open_link)
    requested = modem.set_psm(periodic_tau_s=3600, active_time_s=60)
    # the finest unit that codes each: 6 x 10 min, 30 x 2 s (harness.timer_codes)
    assert requested == PsmTimers(
        periodic_tau_bits="00000110", active_time_bits="00011110", periodic_tau_s=3600, active_time_s=60
    )
    state = modem.psm()
    assert (state.is_enabled, state.requested, state.is_granted) == (True, requested, True)
    assert granted(modem) == timers(60, 3600)


def test_clamp_raises_the_periodic_tau_to_the_operator_minimum(open_link: OpenLink) -> None:
    modem = generic(open_link, "&psm=clamp&min_tau_s=11400")  # 190 min [S28], 19 x 10 min
    modem.set_psm(periodic_tau_s=600, active_time_s=60)
    assert granted(modem) == timers(60, 11400)
    modem.set_psm(periodic_tau_s=36000, active_time_s=60)  # above the minimum: as requested
    assert granted(modem) == timers(60, 36000)


def test_clamp_rounds_a_minimum_up_to_a_timer_value(open_link: OpenLink) -> None:
    modem = generic(open_link, "&psm=clamp&min_tau_s=11500")
    modem.set_psm(periodic_tau_s=600, active_time_s=60)
    assert granted(modem) == timers(60, 12000)  # the next GPRS Timer 3 value above 11500 s: 20 x 10 min


def test_reject_answers_deactivated_timers(open_link: OpenLink) -> None:
    modem = generic(open_link, "&psm=reject")
    modem.set_psm(periodic_tau_s=3600, active_time_s=60)
    state = modem.psm()
    assert state.granted is not None
    assert (state.granted.active_time_bits, state.granted.periodic_tau_bits) == ("11100000", "11100000")
    assert not state.is_granted


def test_network_policy_grants_its_own_values(open_link: OpenLink) -> None:
    modem = generic(open_link, "&psm=network&active_time=00000101&periodic_tau=00100010")
    modem.set_psm(periodic_tau_s=3600, active_time_s=60)
    assert granted(modem) == timers(10, 2 * 3600)


def test_psm_off_withdraws_the_grant(open_link: OpenLink) -> None:
    modem = generic(open_link)
    modem.set_psm(periodic_tau_s=3600, active_time_s=60)
    modem.set_psm(periodic_tau_s=None, active_time_s=None)
    state = modem.psm()
    assert (state.is_enabled, state.granted) == (False, None)


def test_cereg_4_urc_reports_a_new_grant(start_module: StartModule) -> None:
    terminal = start_module(f"echo=0&{FAST}")
    terminal.wait_registered()
    assert terminal.lines("AT+CEREG=4") == ["OK"]
    assert terminal.lines('AT+CPSMS=1,,,"00100001","00000101"') == ["OK"]
    assert terminal.read_until(b'"00000101","00100001"\r\n').endswith(
        b'+CEREG: 1,"1A2B","0123ABCD",9,,,"00000101","00100001"\r\n'
    )
    assert terminal.lines("AT+CPSMS?") == ['+CPSMS: 1,,,"00100001","00000101"', "OK"]


def test_cpsms_refuses_what_is_not_a_timer(start_module: StartModule) -> None:
    terminal = start_module(f"echo=0&{FAST}")
    assert terminal.lines('AT+CPSMS=1,,,"0010001","00000101"') == ["+CME ERROR: 50"]
    assert terminal.lines("AT+CPSMS=3") == ["+CME ERROR: 50"]
    assert terminal.lines("AT+CPSMS=?") == [
        '+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")',
        "OK",
    ]


def test_qpsms_rounds_down_and_reads_the_grant_in_seconds(start_module: StartModule) -> None:
    terminal = start_module(f"echo=0&{FAST}")
    terminal.wait_registered()
    assert terminal.lines("AT+QPSMS?") == ["+QPSMS: 1,3240", "OK"]  # nothing granted, legacy T3412
    # neither is a timer value: T3324 100 s -> 62 s (31 x 2 s), T3412-ext 7000 s -> 6600 s (11 x 10 min)
    assert terminal.lines("AT+QPSMS=100,7000") == ["OK"]
    assert terminal.lines("AT+CPSMS?") == ['+CPSMS: 1,,,"00001011","00011111"', "OK"]
    assert terminal.lines("AT+QPSMS?") == ["+QPSMS: 62,6600", "OK"]


def test_edrx_request_grant_and_urc(start_module: StartModule) -> None:
    terminal = start_module(f"echo=0&{FAST}")
    terminal.wait_registered()
    assert terminal.lines("AT+CEDRXRDP") == ["+CEDRXRDP: 0", "OK"]
    assert terminal.lines('AT+CEDRXS=2,5,"0101"') == ["OK"]
    assert (
        terminal.read_until(b"+CEDRXP: ") + terminal.read_until(b"\r\n")
        == b'\r\n+CEDRXP: 5,"0101","0101","0011"\r\n'
    )
    assert terminal.lines("AT+CEDRXS?") == ['+CEDRXS: 5,"0101"', "OK"]
    assert terminal.lines("AT+CEDRXRDP") == ['+CEDRXRDP: 5,"0101","0101","0011"', "OK"]
    assert terminal.lines("AT+CEDRXS=0") == ["OK"]
    assert terminal.lines("AT+CEDRXRDP") == ["+CEDRXRDP: 0", "OK"]


@pytest.mark.parametrize("code", ["0000", "0001", "0100", "1000"])
def test_bc660k_refuses_the_nb_s1_codes_its_manual_does_not_list(
    start_module: StartModule, code: str
) -> None:
    terminal = start_module(f"echo=0&{FAST}")
    assert terminal.lines(f'AT+CEDRXS=1,5,"{code}"') == ["+CME ERROR: 50"]
    assert terminal.lines(f'AT+QEDRXCFG=1,5,"{code}","0000"') == ["+CME ERROR: 50"]
    assert terminal.lines('AT+CEDRXS=1,4,"0010"') == ["+CME ERROR: 50"]  # WB-S1: not an NB-IoT module


def test_qedrxcfg_requests_a_ptw_and_the_network_grants_it(open_link: OpenLink) -> None:
    link = open_link(f"virtual://bc660k?{FAST}")
    modem = link.modem
    modem.attach(None, timeout_s=10)
    modem.set_edrx(81.92, ptw_s=5.12)
    state = modem.edrx()
    assert (state.act_type, state.requested_edrx_s, state.nw_edrx_s, state.ptw_s) == (5, 81.92, 81.92, 5.12)
    assert link.session.send("AT+QEDRXCFG?").lines == ('+QEDRXCFG: 5,"0101","0001"',)


def test_edrx_reject_policy_and_a_network_value(open_link: OpenLink) -> None:
    rejected = open_link(f"virtual://bc660k?{FAST}&edrx=reject").modem
    rejected.attach(None, timeout_s=10)
    rejected.set_edrx(81.92)
    assert rejected.edrx().act_type == 0
    imposed = open_link(f"virtual://bc660k?{FAST}&edrx_nw=0011&ptw=0000").modem
    imposed.attach(None, timeout_s=10)
    imposed.set_edrx(81.92)
    state = imposed.edrx()
    assert (state.requested_edrx_s, state.nw_edrx_s, state.ptw_s) == (81.92, 40.96, 2.56)


def test_network_op_changes_the_psm_policy_for_the_next_request(start_module: StartModule) -> None:
    terminal = start_module(f"echo=0&{FAST}")
    terminal.wait_registered()
    assert terminal.lines("AT+CEREG=4") == ["OK"]
    status = control(terminal.port, {"op": "network", "psm": "reject"})
    assert status["network"]["psm"] == "reject"  # type: ignore[index]
    terminal.lines('AT+CPSMS=1,,,"00100001","00000101"')
    terminal.read_until(b'"11100000","11100000"\r\n')
    with pytest.raises(VirtualModuleError, match="refused: network option psm must be one of"):
        control(terminal.port, {"op": "network", "psm": "sometimes"})
