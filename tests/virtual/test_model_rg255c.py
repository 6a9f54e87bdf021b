"""harness.virtual.model_rg255c: the RG255C-like RedCap module driven by its dialect
(harness.dialects.quectel_redcap, picked by detection): identity, attach on the 5GS, radio readings, the
module's ping timed through the link, the USB network mode and data call, SIM slots. Layouts are the golden
exchanges' (fixtures/at/golden/quectel_redcap/), whose sources that README names."""

from __future__ import annotations

import dataclasses
import math

import pytest

from harness.dialects.quectel_redcap import QuectelRedcapModem
from harness.dialects.quectel_redcap_netdev import UsbNet
from harness.errors import ModemError
from harness.virtual.link import rtt_bounds_ms
from harness.virtual.profiles import PROFILES

from .conftest import OpenLink, StartModule, control, wait_for_state

FAST = "attach_s=0&rrc_setup_ms=0"
IMSI = "001019876543210"
ICCID = "89001010000000000018"


def rg255c(open_link: OpenLink, query: str = FAST) -> QuectelRedcapModem:
    link = open_link(f"virtual://rg255c?{query}")
    assert link.dialect == "quectel_redcap"
    modem = link.modem
    assert isinstance(modem, QuectelRedcapModem)
    return modem


def test_identity(open_link: OpenLink) -> None:
    identity = rg255c(open_link, f"{FAST}&imsi={IMSI}&iccid={ICCID}").identity()
    assert (identity.manufacturer, identity.model, identity.firmware) == (
        "Quectel",
        "RG255C-GL",
        "RG255CGLAAR01A02M2G",
    )
    assert (identity.imsi, identity.iccid) == (IMSI, ICCID)
    assert identity.imei is not None


def test_attach_registers_on_the_5gs_not_in_eps(open_link: OpenLink) -> None:
    modem = rg255c(open_link, "attach_s=0.3")
    registration = modem.attach(None, timeout_s=10)
    assert (registration.stat, registration.tac, registration.ci, registration.act) == (
        1,
        "00A1B2",
        "01A2B3C05",
        11,
    )
    assert modem.nr_registration() == registration
    assert modem.session.send("AT+CEREG?").lines == ("+CEREG: 2,0",)


def test_radio_snapshot_and_network_info(open_link: OpenLink) -> None:
    modem = rg255c(open_link, f"{FAST}&rsrp=-97")
    modem.attach(None, timeout_s=10)
    snapshot = modem.radio_snapshot()
    assert (snapshot.rsrp_dbm, snapshot.rsrq_db, snapshot.sinr_db) == (-97, -11, 15)
    assert (snapshot.cell_id, snapshot.pci, snapshot.earfcn, snapshot.band) == ("01A2B3C05", 310, 504990, 41)
    cell = modem.serving_cell()
    assert cell.nr is not None
    assert (cell.nr.duplex, cell.nr.dl_bandwidth_mhz, cell.nr.mcc, cell.nr.mnc) == ("TDD", 20, "001", "01")
    (info,) = modem.network_info()
    assert (info.act, info.oper, info.band, info.channel, info.is_nr) == (
        "TDD NR5G",
        "00101",
        41,
        504990,
        True,
    )
    quality = modem.signal_quality()
    assert (quality.sysmode, quality.rsrp_dbm, quality.sinr_db, quality.rsrq_db) == ("NR5G", -97, 15, -11)


def test_readings_before_registration_say_no_service(open_link: OpenLink) -> None:
    modem = rg255c(open_link, "attach_s=3600")
    assert modem.network_info() == ()
    assert modem.signal_quality().sysmode == "NOSERVICE"
    assert modem.serving_cell().state == "SEARCH"


@pytest.mark.parametrize(("rx", "profile"), [(1, "redcap_1rx"), (2, "redcap_2rx")])
def test_rx_option_picks_the_profile(start_module: StartModule, rx: int, profile: str) -> None:
    terminal = start_module(f"echo=0&rx={rx}", model="rg255c")
    link = control(terminal.port, {"op": "status"})["link"]
    assert isinstance(link, dict)
    assert link["dl_kbps"] == PROFILES[profile].links[0].dl_kbps


def test_ping_round_trips_through_the_link(open_link: OpenLink) -> None:
    modem = rg255c(open_link, "attach_s=0&rrc_setup_ms=0&delay_ms=30&jitter_ms=10&inactivity_s=60")
    modem.attach(None, timeout_s=10)
    result = modem.ping("127.0.0.1", count=3, timeout_s=2)
    assert (result.host, result.sent, result.received) == ("127.0.0.1", 3, 3)
    profile = dataclasses.replace(PROFILES["redcap_2rx"].links[0], delay_ms=30.0, jitter_ms=10.0)
    low_ms, high_ms = rtt_bounds_ms(profile, 32)
    # never below the link's least RTT; the slack above is for the loop and a loaded machine
    assert all(math.floor(low_ms) <= rtt <= high_ms + 50 for rtt in result.rtts_ms), result.rtts_ms


def test_ping_to_a_silent_address_times_out_and_a_name_is_not_resolved(open_link: OpenLink) -> None:
    modem = rg255c(open_link)
    modem.attach(None, timeout_s=10)
    silent = modem.ping("198.18.0.99", count=2, timeout_s=1)  # no host there
    assert (silent.sent, silent.received) == (2, 0)
    with pytest.raises(ModemError, match="565"):
        modem.ping("example.invalid", count=1, timeout_s=1)


def test_usbnet_mode_and_the_ecm_data_call(open_link: OpenLink) -> None:
    modem = rg255c(open_link)
    modem.attach(None, timeout_s=10)
    assert modem.usbnet_mode() is UsbNet.ECM
    assert modem.data_call() is None
    call = modem.connect_data(timeout_s=10)
    assert (call.cid, call.is_connected) == (1, True)
    modem.disconnect_data()
    disconnected = modem.data_call()
    assert disconnected is not None
    assert not disconnected.is_connected
    assert modem.data_interface() is None  # a virtual module's port is no USB device: no guess


def test_usbnet_change_takes_effect_after_a_reboot(open_link: OpenLink) -> None:
    modem = rg255c(open_link, f"{FAST}&usbnet=2")
    modem.attach(None, timeout_s=10)
    assert modem.set_usbnet_mode(UsbNet.ECM) is True
    assert modem.usbnet_mode() is UsbNet.ECM  # saved at once


def test_mbim_mode_refuses_the_module_data_call(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0&usbnet=2", model="rg255c")
    wait_for_state(terminal.port, "connected")
    assert terminal.lines("AT+QNETDEVCTL=3,1,1") == ["+CME ERROR: 3"]
    assert terminal.lines('AT+QCFG="usbnet",1') == ["OK"]
    assert terminal.lines("AT+QNETDEVCTL=3,1,1") == ["+CME ERROR: 3"]  # still MBIM until a reboot
    assert terminal.lines("AT+CFUN=1,1") == ["OK"]
    terminal.read_until(b"RDY\r\n")
    wait_for_state(terminal.port, "connected")
    assert terminal.lines("AT+QNETDEVCTL=3,1,1") == ["OK"]


def test_auto_data_call_comes_back_after_the_registration_does(open_link: OpenLink) -> None:
    modem = rg255c(open_link, "attach_s=0.2&rrc_setup_ms=0")
    modem.attach(None, timeout_s=10)
    modem.connect_data(timeout_s=10)
    modem.set_radio(False)
    call = modem.data_call()
    assert call is not None
    assert not call.is_connected
    modem.set_radio(True)
    assert modem.connect_data(timeout_s=10).is_connected


def test_sim_slot_switch_on_dual_sim_firmware(open_link: OpenLink) -> None:
    modem = rg255c(open_link, f"{FAST}&sim_slots=2&iccid={ICCID}")
    modem.attach(None, timeout_s=10)
    modem.select_sim_slot(2)
    other = modem.iccid()
    assert other is not None
    assert other != ICCID
    assert modem.attach(None, timeout_s=10).is_registered
    modem.select_sim_slot(1)
    assert modem.iccid() == ICCID
    with pytest.raises(ModemError, match="SIM slot 3 does not exist"):
        modem.select_sim_slot(3)


def test_single_sim_firmware_has_no_slot_command(open_link: OpenLink) -> None:
    modem = rg255c(open_link)
    with pytest.raises(ModemError, match="one SIM slot"):
        modem.select_sim_slot(2)
