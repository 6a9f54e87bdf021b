"""harness.virtual.model_generic: a 27.007-only module, driven by the baseline dialect (harness.dialects
detects no vendor in it), on each radio profile."""

from __future__ import annotations

import time

import pytest

from harness.dialects import EDRX, PSM
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError

from .conftest import OpenLink, StartModule

FAST = "attach_s=0&rrc_setup_ms=0"


def generic(open_link: OpenLink, profile: str) -> Ts27007Modem:
    link = open_link(f"virtual://generic?{FAST}&profile={profile}")
    assert link.dialect == "ts27007"
    modem = link.modem
    assert isinstance(modem, Ts27007Modem)
    return modem


@pytest.mark.parametrize(("profile", "act"), [("nbiot", 9), ("cat1", 7)])
def test_attach_and_registration_on_eps(open_link: OpenLink, profile: str, act: int) -> None:
    modem = generic(open_link, profile)
    registration = modem.attach(None, timeout_s=10)
    assert (registration.stat, registration.act) == (1, act)
    assert modem.capabilities == frozenset({PSM, EDRX})


def test_identity_without_iccid(open_link: OpenLink) -> None:
    identity = generic(open_link, "cat1").identity()
    assert (identity.manufacturer, identity.model, identity.firmware, identity.iccid) == (
        "MIOT",
        "VIRTUAL-27007",
        "MIOT-VIRTUAL-27007-1.0",
        None,
    )
    assert identity.imei is not None
    assert identity.imsi is not None


def test_radio_snapshot_from_cesq(open_link: OpenLink) -> None:
    modem = generic(open_link, "cat1")
    modem.attach(None, timeout_s=10)
    snapshot = modem.radio_snapshot()
    assert (snapshot.rsrp_dbm, snapshot.rsrq_db) == (-90, -9.0)  # the Cat-1 defaults, lower index edges


def test_edrx_on_lte_uses_wb_s1(open_link: OpenLink) -> None:
    modem = generic(open_link, "cat1")
    modem.attach(None, timeout_s=10)
    requested = modem.set_edrx(5.12)
    assert (requested.act_type, requested.requested_edrx_s) == (4, 5.12)
    granted = modem.edrx()
    assert (granted.act_type, granted.nw_edrx_s, granted.ptw_s) == (4, 5.12, 5.12)  # PTW "0011" on WB-S1


def test_nr_profile_reports_on_c5greg(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0&profile=redcap_1rx", model="generic")
    assert terminal.lines("AT+C5GREG=2") == ["OK"]
    registered = '+C5GREG: 2,1,"00A1B2","01A2B3C05",11,4,"01.000000"'
    deadline_s = time.monotonic() + 5.0
    while terminal.lines("AT+C5GREG?")[-2:] != [registered, "OK"]:
        assert time.monotonic() < deadline_s, "not registered on the 5GS in time"
        time.sleep(0.05)
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 0,0", "OK"]  # not registered in EPS
    assert terminal.lines("AT+CEDRXS=?") == ["+CME ERROR: 4"]  # no eDRX over AT on NR here


def test_no_vendor_commands(open_link: OpenLink, start_module: StartModule) -> None:
    modem = generic(open_link, "nbiot")
    with pytest.raises(ModemError, match="no AT socket commands"):
        modem.open_udp("127.0.0.1", 9)
    terminal = start_module("echo=0", model="generic")
    for command in ("AT+QCCID", "AT+MCCID", 'AT+QIOPEN=0,0,"UDP","127.0.0.1",9', 'AT+QPING=1,"127.0.0.1"'):
        assert terminal.lines(command) == ["ERROR"]
