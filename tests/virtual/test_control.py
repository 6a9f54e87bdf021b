"""harness.virtual.control: the ops of a virtual module's control channel (status, conditions, network,
timeline), sent as the harness sends them (VirtualModuleProcess.control through the port) and checked
against what the module then answers on its AT port."""

from __future__ import annotations

import time

import pytest

from harness.errors import VirtualModuleError
from harness.virtual.link import CE_PROFILES

from .conftest import StartModule, Terminal, control, wait_for_state

QUERY = "echo=0&attach_s=0&rrc_setup_ms=0&inactivity_s=30"


@pytest.fixture
def module(start_module: StartModule) -> Terminal:
    terminal = start_module(QUERY)
    terminal.wait_registered()
    return terminal


def test_status_names_the_module_and_its_state(module: Terminal) -> None:
    status = control(module.port, {"op": "status"})
    assert (status["model"], status["profile"], status["state"], status["stat"]) == (
        "bc660k",
        "nbiot",
        "connected",  # the attach's connection, until the 30 s inactivity timer
        1,
    )
    assert (status["ce_level"], status["rsrp_dbm"], status["psm_granted"], status["held_dl_count"]) == (
        0,
        -95.0,
        None,
        0,
    )
    link = status["link"]
    assert isinstance(link, dict)
    assert (link["delay_ms"], link["inactivity_s"], link["is_half_duplex"]) == (
        CE_PROFILES[0].delay_ms,
        30.0,
        True,
    )


def test_conditions_move_the_module_to_ce2_and_back(module: Terminal) -> None:
    assert module.lines("AT+CEREG=2;+CSCON=1") == ["OK"]
    status = control(module.port, {"op": "conditions", "ce": 2})
    assert (status["ce_level"], status["rsrp_dbm"]) == (2, -124.0)
    link = status["link"]
    assert isinstance(link, dict)
    # CE2's figures, with the fields the URL pinned kept
    assert (link["delay_ms"], link["ul_kbps"], link["rrc_setup_ms"], link["inactivity_s"]) == (
        CE_PROFILES[2].delay_ms,
        CE_PROFILES[2].ul_kbps,
        0.0,
        30.0,
    )
    # a reselection: the connection drops and the location is reported again
    module.read_until(b"\r\n+CSCON: 0\r\n")
    module.read_until(b'\r\n+CEREG: 1,"1A2B","0123ABCD",9\r\n')
    (qeng, _) = module.lines("AT+QENG=0")
    assert qeng.split(",")[5] == "-124"  # RSRP
    assert module.lines("AT+CESQ") == ["+CESQ: 99,99,255,255,8,17", "OK"]
    status = control(module.port, {"op": "conditions", "ce": 0})
    assert (status["ce_level"], status["rsrp_dbm"]) == (0, -95.0)
    assert status["link"]["delay_ms"] == CE_PROFILES[0].delay_ms  # type: ignore[index]


def test_rsrp_alone_picks_the_ce_level_and_radio_only_changes_do_not_reselect(module: Terminal) -> None:
    assert module.lines("AT+CEREG=2;+CSCON=1") == ["OK"]
    status = control(module.port, {"op": "conditions", "rsrp": -104, "sinr_db": 7})
    assert (status["ce_level"], status["rsrp_dbm"], status["sinr_db"]) == (0, -104.0, 7.0)
    assert module.collect(0.3) == b""  # same coverage level: no URC
    status = control(module.port, {"op": "conditions", "rsrp": -112})
    assert (status["ce_level"], status["rsrp_dbm"]) == (1, -112.0)
    module.read_until(b"\r\n+CSCON: 0\r\n")


def test_link_fields_apply_and_stay_pinned(module: Terminal) -> None:
    status = control(module.port, {"op": "conditions", "delay_ms": 7, "loss_pct": 1.5})
    assert (status["link"]["delay_ms"], status["link"]["loss_pct"]) == (7.0, 1.5)  # type: ignore[index]
    status = control(module.port, {"op": "conditions", "ce": 1})
    assert (status["link"]["delay_ms"], status["link"]["ul_kbps"]) == (7.0, CE_PROFILES[1].ul_kbps)  # type: ignore[index]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"op": "conditions", "ce": 3}, "ce must be an integer from 0 to 2"),
        ({"op": "conditions", "rsrp": -10}, "rsrp must be a number"),
        ({"op": "conditions", "colour": 1}, "no field 'colour'"),
        ({"op": "conditions", "delay_ms": "soon"}, "delay_ms must be a number"),
        ({"op": "network", "registration": "maybe"}, "registration must be"),
        ({"op": "network", "dl_buffer_count": -1}, "dl_buffer_count"),
        ({"op": "status", "x": 1}, "no field 'x'"),
        ({"op": "nosuch"}, "unknown control op 'nosuch'"),
    ],
)
def test_bad_requests_are_refused_with_what_is_wrong(
    module: Terminal, request_: dict[str, object], message: str
) -> None:
    with pytest.raises(VirtualModuleError, match=message):
        control(module.port, request_)
    assert control(module.port, {"op": "status"})["stat"] == 1  # nothing changed, still answering


def test_ce_levels_exist_only_on_nb_iot(start_module: StartModule) -> None:
    terminal = start_module(QUERY, model="ml307r")
    with pytest.raises(VirtualModuleError, match="ce must be an integer from 0 to 0"):
        control(terminal.port, {"op": "conditions", "ce": 1})
    status = control(terminal.port, {"op": "conditions", "rsrp": -118})
    assert (status["ce_level"], status["rsrp_dbm"]) == (0, -118.0)


def test_timeline_lists_the_state_changes_in_order(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0.2&rrc_setup_ms=0&inactivity_s=0.2")
    wait_for_state(terminal.port, "idle")
    before_s = time.monotonic()
    answer = control(terminal.port, {"op": "timeline"})
    changes = answer["changes"]
    assert isinstance(changes, list)
    assert [change["state"] for change in changes] == ["off", "searching", "connected", "idle"]
    times = [change["t_s"] for change in changes]
    assert times == sorted(times)
    assert times[2] - times[1] >= 0.2  # attach_s
    assert times[3] - times[2] >= 0.2  # inactivity_s
    assert answer["now_s"] <= time.monotonic()  # one clock for every process here
    later = control(terminal.port, {"op": "timeline", "since_s": before_s})["changes"]
    assert [change["state"] for change in later] == ["idle"]  # the state in force, nothing since


def test_status_reports_the_tx_power_qeng_shows_and_it_follows_rsrp(module: Terminal) -> None:
    for rsrp_dbm, expected_dbm in ((-95, 10.0), (-101, 16.0)):  # CE0: the attach's connection stays up
        status = control(module.port, {"op": "conditions", "rsrp": rsrp_dbm})
        assert (status["tx_power_dbm"], status["is_rrc_connected"]) == (expected_dbm, True)
        (qeng, _) = module.lines("AT+QENG=0")
        assert qeng.split(",")[12] == str(round(expected_dbm))
    assert control(module.port, {"op": "conditions", "rsrp": -112})["tx_power_dbm"] == 23.0  # CE1


def test_timeline_lists_the_air_each_packet_used(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0&rrc_setup_ms=200&inactivity_s=0.2&ul_kbps=8&dl_kbps=4")
    status = wait_for_state(terminal.port, "idle")
    terminal.command('AT+QPING=0,"127.0.0.1",5,1')
    terminal.read_until(b"+QPING: 0,1,", timeout_s=10.0)  # the summary: the reply (a refusal) came back
    air = control(terminal.port, {"op": "timeline", "since_s": status["now_s"]})["air"]
    assert isinstance(air, list)
    # from idle: set-up and the request; the reply finds the connection released (0.2 s inactivity against
    # 0.38 s of network delay each way) and sets one up again
    assert [use["kind"] for use in air] == ["rrc_setup", "ul", "rrc_setup", "dl"]
    setup, request, _, reply = air
    assert setup["duration_s"] == pytest.approx(0.2)
    assert request["start_s"] == pytest.approx(setup["start_s"] + 0.2)
    assert (request["tx_power_dbm"], reply["tx_power_dbm"]) == (10.0, None)
    # 32 bytes of echo data with IPv4 and UDP headers: 60 ms at 8 kbit/s up, 120 ms at 4 kbit/s down
    assert (request["duration_s"], reply["duration_s"]) == (pytest.approx(0.06), pytest.approx(0.12))
