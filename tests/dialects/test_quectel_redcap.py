"""harness.dialects.quectel_redcap: the Quectel RM5xx / RG255C Modem against golden exchanges written from
the vendors' documents (fixtures/at/golden/quectel_redcap, README there), played by the scripted fake module
of the AT tests."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from harness.at import ATCommandError, ATSession
from harness.dialects import RadioSnapshot, Registration, detect
from harness.dialects.modem import DATA_INTERFACE, PING, UDP_SOCKET, PingResult
from harness.dialects.quectel_redcap import COMMAND_TIMEOUTS_S, QuectelRedcapModem, matches
from harness.dialects.quectel_redcap_cells import ServingRat
from harness.dialects.quectel_redcap_layouts import RG255_LAYOUT, RM5XX_LAYOUT, UNKNOWN_LAYOUT
from harness.dialects.quectel_redcap_netdev import CallMode, DataCall, UsbNet
from harness.errors import ModemError, ParseError
from tests.at.fake_module import FakeModule, lines

from . import golden
from .conftest import script_identity
from .test_quectel_redcap_netdev import FakeSysfs


def play(module: FakeModule, name: str) -> None:
    golden.play(module, "quectel_redcap", name)


@pytest.fixture
def modem(fake_session: ATSession) -> QuectelRedcapModem:
    return QuectelRedcapModem(fake_session)


# --- detection, identity, capabilities, timeouts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer", "model", "is_matched"),
    [
        ("Quectel", "RG255C-GL", True),
        ("Quectel", "RG255C-CN", True),
        ("Quectel", "RM255C-GL", True),
        ("Quectel", "RM520N-GL", True),
        ("QUECTEL", "rm500q-ae", True),
        ("Quectel", "RG502Q-EA", True),
        ("Quectel_Ltd", "Quectel_RM530N-GL", True),
        ("Quectel", "RM500U-CN", False),  # Unisoc platform, another AT set
        ("Quectel", "BC660K-GL", False),
        ("Quectel", "EC25", False),
        ("Quectel", "XRM520N", False),
        ("Fibocom", "RM520N-GL", False),
    ],
)
def test_matches_the_5g_families_it_drives(manufacturer: str, model: str, is_matched: bool) -> None:
    assert matches(manufacturer, model) is is_matched


def test_detect_picks_this_dialect_for_an_rg255c(fake_module: FakeModule, fake_session: ATSession) -> None:
    script_identity(fake_module, manufacturer="Quectel", model="RG255C-GL")
    assert detect(fake_session) == "quectel_redcap"


def test_identity_reads_the_iccid_with_qccid(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "rm520n-identity")
    identity = modem.identity()
    assert (identity.model, identity.firmware, identity.imei, identity.iccid) == (
        "RM520N-GL",
        "RM520NGLAAR03A07M4G",
        "864839040123452",
        "89860118802012345678",
    )


def test_iccid_is_none_without_a_sim(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    fake_module.script["AT+QCCID"] = lines("+CME ERROR: 10")
    assert modem.iccid() is None


def test_capabilities_are_ping_and_the_data_interface_without_sockets(modem: QuectelRedcapModem) -> None:
    assert {PING, DATA_INTERFACE} <= modem.capabilities
    assert UDP_SOCKET not in modem.capabilities


@pytest.mark.parametrize(
    ("command", "timeout_s"),
    [
        ('AT+QENG="servingcell"', 2.3),
        ("AT+QNWINFO", 2.3),
        ("AT+QCSQ", 2.3),
        ("AT+C5GREG?", 2.3),
        ('AT+QPING=1,"198.18.0.10",4,4', 2.3),
        ("AT+CFUN=1", COMMAND_TIMEOUTS_S["+CFUN="]),  # the baseline's table carries over
        ('AT+QCFG="usbnet"', None),
    ],
)
def test_default_timeouts_come_from_the_manual(
    modem: QuectelRedcapModem, command: str, timeout_s: float | None
) -> None:
    assert modem.command_timeout_s(command) == pytest.approx(timeout_s)


@pytest.mark.parametrize(
    ("golden", "layout"),
    [
        ("rm520n-qeng-sa", RM5XX_LAYOUT),
        ("rg255c-qeng-sa", RG255_LAYOUT),
        ("rm5xx-qeng-endc-short", RM5XX_LAYOUT),
    ],
)
def test_the_revision_picks_the_layout(
    fake_module: FakeModule, modem: QuectelRedcapModem, golden: str, layout: object
) -> None:
    play(fake_module, golden)
    assert modem.layout is layout
    modem.radio_snapshot()
    assert fake_module.commands.count("AT+CGMR") == 1  # asked once


def test_an_unknown_revision_reads_only_what_every_layout_agrees_on(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "rm520n-qeng-lte")
    fake_module.script["AT+CGMR"] = lines("XYZ100R01", "OK")
    cell = modem.serving_cell().lte
    assert modem.layout is UNKNOWN_LAYOUT
    assert cell is not None
    assert (cell.radio.rsrp_dbm, cell.sinr_raw, cell.radio.sinr_db, cell.cqi) == (-100, 11, None, None)
    assert cell.tail == ("0", "-32768", "27")


# --- radio ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden", "snapshot"),
    [
        (
            "rm520n-qeng-sa",
            RadioSnapshot(
                rsrp_dbm=-107, rsrq_db=-13, sinr_db=2, cell_id="19013B004", pci=299, earfcn=633984, band=78
            ),
        ),
        (
            "rm520n-qeng-lte",
            RadioSnapshot(
                rsrp_dbm=-100, rsrq_db=-12, sinr_db=2.0, cell_id="5F1EA15", pci=12, earfcn=1650, band=3
            ),
        ),
        (
            "rm520n-qeng-endc",
            RadioSnapshot(
                rsrp_dbm=-99, rsrq_db=-12, sinr_db=2.0, cell_id="5F1EA15", pci=12, earfcn=1650, band=3
            ),
        ),
        (
            "rg255c-qeng-sa",
            RadioSnapshot(
                rsrp_dbm=-83, rsrq_db=-10, sinr_db=3, cell_id="17DAED001", pci=292, earfcn=504990, band=41
            ),
        ),
        (
            "rg255c-qeng-lte",
            RadioSnapshot(
                rsrp_dbm=-70, rsrq_db=-6, sinr_db=None, cell_id="848459E", pci=207, earfcn=3590, band=8
            ),
        ),
        ("qeng-search", RadioSnapshot()),
    ],
)
def test_radio_snapshot_from_qeng(
    fake_module: FakeModule, modem: QuectelRedcapModem, golden: str, snapshot: RadioSnapshot
) -> None:
    play(fake_module, golden)
    assert modem.radio_snapshot() == snapshot


def test_serving_cell_in_endc_keeps_the_nr_leg(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "rm520n-qeng-endc")
    cell = modem.serving_cell()
    assert cell.rat is ServingRat.EN_DC
    assert cell.nsa_nr is not None
    radio = cell.nsa_nr.radio
    assert (cell.nsa_nr.pci, radio.rsrp_dbm, radio.sinr_db, radio.rsrq_db, cell.nsa_nr.scs_khz) == (
        747,
        -71,
        33,
        -11,
        30,
    )


def test_serving_cell_of_older_firmware_with_a_short_nr_leg(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "rm5xx-qeng-endc-short")
    cell = modem.serving_cell()
    assert cell.lte is not None
    assert cell.nsa_nr is not None
    assert (cell.lte.cell_id, cell.lte.radio.sinr_db, cell.lte.tx_power_dbm) == ("1C3C70B", 10.0, 19.0)
    assert (cell.nsa_nr.radio.rsrp_dbm, cell.nsa_nr.arfcn, cell.nsa_nr.scs_khz) == (-78, None, None)


def test_serving_cell_of_rg255_keeps_its_unnamed_tail(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "rg255c-qeng-sa")
    nr = modem.serving_cell().nr
    assert nr is not None
    assert (nr.dl_bandwidth_mhz, nr.scs_khz, nr.srxlev, nr.tail) == (20, None, None, ("19", "34", "1"))


def test_a_forced_layout_reads_the_tx_power_variant(fake_module: FakeModule, fake_session: ATSession) -> None:
    # Same field count as the manual's layout: only the layout, never the line, can tell them apart.
    variant = replace(RM5XX_LAYOUT, name="tx_power variant", sa_tail=("tx_power", "srxlev"))
    play(fake_module, "rm520n-qeng-sa")
    nr = QuectelRedcapModem(fake_session, layout=variant).serving_cell().nr
    assert nr is not None
    assert (nr.scs_khz, nr.tx_power_dbm, nr.srxlev, nr.tail) == (None, 0.1, None, ("1", "-"))
    assert "AT+CGMR" not in fake_module.commands


@pytest.mark.parametrize(
    "answer",
    [
        lines('+QENG: "servingcell","NOCONN","NR5G-SA","TDD",460,01,19013B004,299,690E0F,633984,78,12', "OK"),
        lines('+QENG: "servingcell","IDLE","LTE"', "OK"),
        lines('+QENG: "servingcell","NOCONN","GSM",1,2', "OK"),
        lines("OK"),
        lines('+QENG: "servingcell","SEARCH"', '+QENG: "servingcell","SEARCH"', "OK"),
    ],
    ids=["truncated", "unknown-state", "unknown-rat", "no-line", "two-lines"],
)
def test_a_qeng_answer_it_cannot_read_is_a_parse_error(
    fake_module: FakeModule, fake_session: ATSession, answer: bytes
) -> None:
    fake_module.script['AT+QENG="servingcell"'] = answer
    with pytest.raises(ParseError):
        QuectelRedcapModem(fake_session, layout=RM5XX_LAYOUT).radio_snapshot()


def test_network_info_in_sa(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "qnwinfo-sa")
    (info,) = modem.network_info()
    assert (info.act, info.oper, info.band, info.channel, info.is_nr) == (
        "TDD NR5G",
        "99970",
        78,
        641280,
        True,
    )


def test_network_info_in_endc_has_both_rats(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "qnwinfo-endc")
    assert [(info.band, info.is_nr) for info in modem.network_info()] == [(3, False), (78, True)]


def test_network_info_without_service_is_empty(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "qnwinfo-no-service")
    assert modem.network_info() == ()


@pytest.mark.parametrize(
    ("golden", "expected"),
    [("qcsq", ("NR5G", -75, 4, -11)), ("qcsq-lte", ("LTE", -81, 19.0, -10))],
)
def test_signal_quality(
    fake_module: FakeModule, modem: QuectelRedcapModem, golden: str, expected: tuple[object, ...]
) -> None:
    play(fake_module, golden)
    quality = modem.signal_quality()
    assert (quality.sysmode, quality.rsrp_dbm, quality.sinr_db, quality.rsrq_db) == expected


def test_signal_quality_without_a_line_is_a_modem_error(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    fake_module.script["AT+QCSQ"] = lines("OK")
    with pytest.raises(ModemError, match=r"AT\+QCSQ gave no \+QCSQ line"):
        modem.signal_quality()


# --- registration -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden", "registration"),
    [
        ("c5greg-registered", Registration(stat=1, tac="690E0F", ci="9013B004", act=11, domain="5GMM")),
        ("c5greg-crossing-urc", Registration(stat=1, tac="690E0F", ci="9013B004", act=11, domain="5GMM")),
        ("c5greg-lte-fallback", Registration(stat=1, tac="DE10", ci="5A29C0B", act=7)),
    ],
)
def test_registration_on_nr_then_lte(
    fake_module: FakeModule, modem: QuectelRedcapModem, golden: str, registration: Registration
) -> None:
    play(fake_module, golden)
    assert modem.registration() == registration


def test_registration_with_neither_reports_the_5gs_state(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    fake_module.script["AT+C5GREG?"] = lines("+C5GREG: 2,2", "OK")
    fake_module.script["AT+CEREG?"] = lines("+CEREG: 2,0", "OK")
    assert modem.registration() == Registration(stat=2, domain="5GMM")


def test_registration_of_a_module_without_5gs_is_the_eps_one(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    fake_module.script["AT+C5GREG?"] = lines("ERROR")
    fake_module.script["AT+CEREG?"] = lines("+CEREG: 2,3", "OK")
    assert modem.registration() == Registration(stat=3)


def test_registration_without_a_read_form_line_is_a_modem_error(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    fake_module.script["AT+C5GREG?"] = lines('+C5GREG: 1,"690E0F","9013B004",11,4,"01.000000"', "OK")
    with pytest.raises(ModemError, match=r"AT\+C5GREG\? gave no \+C5GREG line in read form"):
        modem.registration()


def test_attach_switches_5gs_reports_on_first(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "attach-sa")
    registered = Registration(stat=1, tac="690E0F", ci="9013B004", act=11, domain="5GMM")
    assert modem.attach(None, timeout_s=5.0) == registered
    assert fake_module.commands[:2] == ["AT+C5GREG=2", "AT+CEREG=2"]


# --- ping ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("golden", "host", "count", "timeout_s", "result"),
    [
        ("qping-ok", "198.18.0.10", 4, 4.0, PingResult(host="198.18.0.10", sent=4, rtts_ms=(38, 25, 31, 22))),
        ("qping-lost", "198.18.0.10", 4, 0.5, PingResult(host="198.18.0.10", sent=4, rtts_ms=(40, 44))),
        ("qping-silent-host", "198.18.0.99", 4, 1.0, PingResult(host="198.18.0.99", sent=4, rtts_ms=())),
        ("qping-before-ok", "198.18.0.10", 2, 4.0, PingResult(host="198.18.0.10", sent=2, rtts_ms=(9, 11))),
    ],
)
def test_ping_collects_results_that_come_after_ok(
    fake_module: FakeModule,
    modem: QuectelRedcapModem,
    golden: str,
    host: str,
    count: int,
    timeout_s: float,
    result: PingResult,
) -> None:
    play(fake_module, golden)
    assert modem.ping(host, count=count, timeout_s=timeout_s) == result


def test_ping_of_a_name_that_does_not_resolve_is_a_modem_error(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "qping-dns-failure")
    with pytest.raises(ModemError, match=r"565 \(DNS parse failed\) after 0 of 4 requests"):
        modem.ping("no-such-host.invalid")


def test_ping_refused_by_the_module_raises_its_error(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "qping-refused")
    with pytest.raises(ATCommandError):
        modem.ping("198.18.0.10")


def test_ping_whose_summary_disagrees_is_a_modem_error(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    fake_module.script['AT+QPING=1,"198.18.0.10",4,1'] = lines("OK", "+QPING: 0,1,1,0,5,5,5")
    with pytest.raises(ModemError, match="summary counts 1 replies, 0 reply lines"):
        modem.ping("198.18.0.10", count=1)


def test_ping_without_an_end_fails_after_its_own_deadline(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    fake_module.script['AT+QPING=1,"198.18.0.10",1,1'] = lines("OK", '+QPING: 0,"198.18.0.10",32,9,64')
    started_s = time.monotonic()
    with pytest.raises(ModemError, match=r"did not finish within 3 s"):
        modem.ping("198.18.0.10", count=1, timeout_s=0.2)
    assert time.monotonic() - started_s < 30  # a deadline, not a hang (generous: the host may be loaded)


@pytest.mark.parametrize("count", [0, 11])
def test_ping_count_outside_the_manual_range_is_refused(modem: QuectelRedcapModem, count: int) -> None:
    with pytest.raises(ValueError, match="1 to 10 echo requests"):
        modem.ping("198.18.0.10", count=count)


def test_ping_host_that_could_break_the_command_is_refused(modem: QuectelRedcapModem) -> None:
    with pytest.raises(ValueError, match="quotes"):
        modem.ping('198.18.0.10",1;+CFUN=0')


# --- host data path ------------------------------------------------------------------------------------


def test_connect_data_waits_until_the_call_is_connected(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "data-call-ecm")
    call = modem.connect_data(timeout_s=10.0)
    assert call == DataCall(mode=CallMode.CONNECT_AUTO, cid=1, is_urc_enabled=True, is_connected=True)
    assert fake_module.commands.count("AT+QNETDEVCTL?") == 2


def test_connect_data_that_never_connects_is_a_modem_error(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "data-call-ecm")
    fake_module.script["AT+QNETDEVCTL?"] = lines("+QNETDEVCTL: 3,1,1,0", "OK")
    with pytest.raises(ModemError, match=r"not connected within 0\.3 s"):
        modem.connect_data(timeout_s=0.3)


def test_connect_data_in_mbim_mode_is_refused(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "data-call-mbim")
    with pytest.raises(ModemError, match="MBIM: the host runs the data call"):
        modem.connect_data()
    assert not any(cmd.startswith("AT+QNETDEVCTL") for cmd in fake_module.commands)


def test_data_call_of_another_context_is_none(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    fake_module.script["AT+QNETDEVCTL?"] = lines("+QNETDEVCTL: 1,2,1,1", "OK")
    assert modem.data_call(1) is None
    assert modem.data_call(2) == DataCall(
        mode=CallMode.CONNECT_ONCE, cid=2, is_urc_enabled=True, is_connected=True
    )


def test_disconnect_data_sends_op_0(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    fake_module.script["AT+QNETDEVCTL=0,1,0"] = lines("OK")
    modem.disconnect_data()
    assert fake_module.commands == ["AT+QNETDEVCTL=0,1,0"]


@pytest.mark.parametrize(("current", "is_changed"), [(1, False), (0, True)])
def test_set_usbnet_mode_writes_only_a_change(
    fake_module: FakeModule, modem: QuectelRedcapModem, current: int, is_changed: bool
) -> None:
    fake_module.script['AT+QCFG="usbnet"'] = lines(f'+QCFG: "usbnet",{current}', "OK")
    fake_module.script['AT+QCFG="usbnet",1'] = lines("OK")
    assert modem.set_usbnet_mode(UsbNet.ECM) is is_changed
    assert ('AT+QCFG="usbnet",1' in fake_module.commands) is is_changed


def test_data_interface_named_by_the_rig_must_exist(fake_session: ATSession, tmp_path: Path) -> None:
    (tmp_path / "class" / "net" / "usb0").mkdir(parents=True)
    assert QuectelRedcapModem(fake_session, interface="usb0", sysfs=tmp_path).data_interface() == "usb0"
    with pytest.raises(ModemError, match="'enx001122334455', which this host does not have"):
        QuectelRedcapModem(fake_session, interface="enx001122334455", sysfs=tmp_path).data_interface()


def test_data_interface_of_a_module_on_a_pty_is_none(
    fake_module: FakeModule, fake_session: ATSession, tmp_path: Path
) -> None:
    # The fake module's pty is not a tty the (fake) kernel lists: nothing on the host can be its interface.
    fake_module.script['AT+QCFG="usbnet"'] = lines('+QCFG: "usbnet",1', "OK")
    assert QuectelRedcapModem(fake_session, sysfs=tmp_path).data_interface() is None


def test_data_interface_found_through_sysfs(
    fake_module: FakeModule, fake_session: ATSession, tmp_path: Path
) -> None:
    # The pty stands for a UART the kernel lists: the only Quectel ECM interface on the host is the module's.
    sysfs = FakeSysfs(tmp_path / "sys")
    sysfs.tty(Path(fake_session.port_name).name, sysfs.platform_device("serial8250"))
    sysfs.net("enx0a1b2c3d4e5f", sysfs.usb_device("1-2"), interface=4, driver="cdc_ether")
    fake_module.script['AT+QCFG="usbnet"'] = lines('+QCFG: "usbnet",1', "OK")
    assert QuectelRedcapModem(fake_session, sysfs=sysfs.root).data_interface() == "enx0a1b2c3d4e5f"
    fake_module.script['AT+QCFG="usbnet"'] = lines('+QCFG: "usbnet",3', "OK")  # RNDIS: rndis_host, none here
    assert QuectelRedcapModem(fake_session, sysfs=sysfs.root).data_interface() is None


# --- SIM slots --------------------------------------------------------------------------------------------


def test_sim_slot_switch_turns_the_radio_off_and_confirms_the_slot(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "sim-slot-switch")
    modem.select_sim_slot(2)
    assert fake_module.commands[-5:] == [
        "AT+QUIMSLOT?",
        "AT+CFUN=0",
        "AT+QUIMSLOT=2",
        "AT+CFUN=1",
        "AT+QUIMSLOT?",
    ]


def test_selecting_the_active_slot_changes_nothing(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "sim-slot-switch")
    fake_module.script["AT+QUIMSLOT?"] = lines("+QUIMSLOT: 1", "OK")
    modem.select_sim_slot(1)
    assert "AT+CFUN=0" not in fake_module.commands


def test_a_slot_the_module_lacks_is_refused_before_anything_changes(
    fake_module: FakeModule, modem: QuectelRedcapModem
) -> None:
    play(fake_module, "sim-slot-switch")
    with pytest.raises(ModemError, match=r"SIM slot 3 does not exist on this module \(it has \[1, 2\]\)"):
        modem.select_sim_slot(3)
    assert fake_module.commands == ["AT+QUIMSLOT=?"]


def test_a_single_sim_module_says_so(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "sim-slot-single")
    with pytest.raises(ModemError, match=r"one SIM slot \(AT\+QUIMSLOT=\? answered ERROR\)"):
        modem.select_sim_slot(2)


def test_a_switch_that_does_not_take_is_reported(fake_module: FakeModule, modem: QuectelRedcapModem) -> None:
    play(fake_module, "sim-slot-switch")
    fake_module.script["AT+QUIMSLOT?"] = lines("+QUIMSLOT: 1", "OK")
    with pytest.raises(ModemError, match=r"AT\+QUIMSLOT=2 answered OK, but slot 1 is active"):
        modem.select_sim_slot(2)
