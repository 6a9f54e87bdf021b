"""harness.dialects.quectel_nbiot: the Quectel NB-IoT Modem by family, against scripted exchanges written from
the BC660K-GL AT manual [S5] and the BC95 manual [S12] (cellular-iot.md §3.1, §3.2), and a virtual BC660K
where it shows the module as the harness meets it. Sockets, ping and cell reports have their own files."""

from __future__ import annotations

import pytest

from harness.at import ATSession
from harness.dialects import ConnectOptions, RadioSnapshot
from harness.dialects import quectel_nbiot as quectel_nbiot_module
from harness.dialects.modem import EDRX, PING, PSM, TCP_SOCKET, UDP_SOCKET, EdrxState, PsmTimers
from harness.dialects.quectel_nbiot import Family, QuectelNbiotModem, family_of, matches
from harness.dialects.release_assistance import RAI
from harness.errors import ATTimeout, ModemError
from tests.at.fake_module import FakeModule, lines

from .conftest import FAST, OpenLink

ICCID = "89001012345678901234"
BC660K_QENG = '+QENG: 0,3688,11,121,"05C4EF33",-72,-8,-64,14,8,"4C10",0,-128,3'  # [S5] §4.8 example


def bc660k(session: ATSession) -> QuectelNbiotModem:
    return QuectelNbiotModem(session, family=Family.BC660K)


def bc95(session: ATSession) -> QuectelNbiotModem:
    return QuectelNbiotModem(session, family=Family.BC95)


# --- family, detection rule, identity, capabilities ---------------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer", "model", "is_matched"),
    [
        ("Quectel_Ltd Quectel_BC660K-GL Revision: QCX", "Quectel_BC660K-GL", True),
        ("Quectel", "BC950K-GL", True),
        ("quectel", "bc95-g", True),
        ("Quectel", "BC28", True),
        ("Quectel", "BC68", True),
        ("Quectel", "BG95-M3", False),  # LTE-M/NB-IoT family with another socket set
        ("u-blox", "BC660K-GL", False),
        ("ACME", "X100", False),
    ],
)
def test_matches_only_quectel_nbiot_families(manufacturer: str, model: str, is_matched: bool) -> None:
    assert matches(manufacturer, model) is is_matched


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("Quectel_BC660K-GL", Family.BC660K),
        ("BC950K-GL", Family.BC660K),  # not a BC95: the BC660K's sibling, same manual
        ("BC66-NA", Family.BC660K),
        ("BC95-B5", Family.BC95),
        ("bc95-g", Family.BC95),
        ("BC95", Family.BC95),
        ("BC28", Family.BC95),
        ("BC68", Family.BC95),
    ],
)
def test_family_of_a_model(model: str, family: Family) -> None:
    assert family_of(model) is family


def test_the_family_is_asked_once_from_cgmm(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {"AT+CGMM": lines("BC95-B5", "OK"), "AT+NCCID": lines(f"+NCCID:{ICCID}", "OK")}  # BC95: no space
    )
    modem = QuectelNbiotModem(fake_session)
    assert modem.iccid() == ICCID
    assert modem.iccid() == ICCID
    assert modem.family is Family.BC95
    assert fake_module.commands == ["AT+CGMM", "AT+NCCID", "AT+NCCID"]


def test_identity_has_the_iccid_from_qccid(open_link: OpenLink) -> None:
    link = open_link(f"{FAST}&iccid={ICCID}")
    assert isinstance(link.modem, QuectelNbiotModem)
    identity = link.modem.identity()
    assert (identity.manufacturer, identity.model, identity.iccid) == (
        "Quectel_Ltd",
        "Quectel_BC660K-GL",
        ICCID,
    )


def test_iccid_of_the_bc660k_family(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+QCCID"] = lines("+QCCID: 89860446091891372008", "OK")  # [S5] §8.11
    assert bc660k(fake_session).iccid() == "89860446091891372008"


def test_capabilities(fake_module: FakeModule, fake_session: ATSession) -> None:
    """TCP and release assistance (AT+QISEND <RAI>) on the BC660K command set only (AT+NSOCR=STREAM,6 is
    not driven); nothing is asked of the module."""
    assert bc660k(fake_session).capabilities == frozenset({UDP_SOCKET, TCP_SOCKET, PING, PSM, EDRX, RAI})
    assert bc95(fake_session).capabilities == frozenset({UDP_SOCKET, PING, PSM, EDRX})
    assert fake_module.commands == []


@pytest.mark.parametrize(
    ("command", "timeout_s"),
    [('AT+COPS=1,2,"46000"', 305.0), ("AT+COPS=?", 305.0), ("AT+QENG=0", 15.0), ("AT+CFUN=1,1", 25.0)],
)
def test_default_timeouts_are_the_bc660k_manual_s(
    fake_session: ATSession, command: str, timeout_s: float
) -> None:
    assert bc660k(fake_session).command_timeout_s(command) == timeout_s


# --- attach APN ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "apn"),
    [
        (lines('+QCGDEFCONT: "IP","CMNBIOT"', "OK"), "CMNBIOT"),
        (lines('+QCGDEFCONT: "IPV4V6","iot.test","user","secret",1', "OK"), "iot.test"),
        (lines('+QCGDEFCONT: "IP"', "OK"), None),
        (lines("OK"), None),
    ],
    ids=["apn", "with-credentials", "no-apn", "no-line"],
)
def test_apn_of_the_bc660k_family_is_the_default_context_s(
    fake_module: FakeModule, fake_session: ATSession, answer: bytes, apn: str | None
) -> None:
    fake_module.script["AT+QCGDEFCONT?"] = answer
    assert bc660k(fake_session).apn() == apn
    assert fake_module.commands == ["AT+QCGDEFCONT?"]


def reset_ok(module: FakeModule) -> None:
    """AT+CFUN=1,1 as [S5] §9.3 shows it: OK, then RDY once the module is back."""
    module.reply("OK")
    module.reply("RDY")


def test_attach_with_an_apn_on_bc660k_sets_the_default_context_and_resets(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script.update(
        {
            "AT+QCGDEFCONT?": lines('+QCGDEFCONT: "IPV4V6","CMNBIOT"', "OK"),
            'AT+QCGDEFCONT="IPV4V6","iot.test"': lines("OK"),
            "AT+CFUN=1,1": reset_ok,
            "AT": lines("OK"),
            "AT+CEREG=2": lines("OK"),
            "AT+CEREG?": lines('+CEREG: 2,1,"4C10","05C4EF33",9', "OK"),
        }
    )
    registration = bc660k(fake_session).attach("iot.test", timeout_s=5.0)
    assert registration.is_registered
    assert fake_module.commands == [
        "AT+QCGDEFCONT?",
        'AT+QCGDEFCONT="IPV4V6","iot.test"',
        "AT+CFUN=1,1",  # "takes effect after the module is rebooted" ([S5] §5.6)
        "AT",
        "AT+CEREG=2",
        "AT+CEREG?",
    ]


def test_a_reset_without_rdy_is_an_at_timeout(
    fake_module: FakeModule, fake_session: ATSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quectel_nbiot_module, "REBOOT_TIMEOUT_S", 0.3)
    fake_module.script["AT+CFUN=1,1"] = lines("OK")
    with pytest.raises(ATTimeout, match=r"no RDY URC within 0\.3 s"):
        bc660k(fake_session).reset()


def test_apn_on_bc95_is_the_27007_context(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CGDCONT?": lines('+CGDCONT: 1,"IP","old"', "OK"),
            'AT+CGDCONT=1,"IP","iot.test"': lines("OK"),
            "AT+CFUN=0": lines("OK"),
        }
    )
    modem = bc95(fake_session)
    assert modem.apn() == "old"
    modem.define_apn("iot.test")
    assert fake_module.commands == ["AT+CGDCONT?", "AT+CGDCONT?", 'AT+CGDCONT=1,"IP","iot.test"', "AT+CFUN=0"]


# --- radio snapshot -----------------------------------------------------------------------------------------


def test_radio_snapshot_of_bc660k_is_the_serving_cell_of_qeng(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT+QENG=0"] = lines(BC660K_QENG, "+QENG: 1,3688,122,-80,-11", "OK")
    assert bc660k(fake_session).radio_snapshot() == RadioSnapshot(
        rsrp_dbm=-72, rsrq_db=-8, sinr_db=14, ce_level=0, cell_id="05C4EF33", pci=121, earfcn=3688, band=8
    )
    assert fake_module.commands == ["AT+QENG=0"]


def test_radio_snapshot_falls_back_to_cesq_when_qeng_answers_an_error(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script.update(
        {
            "AT+QENG=0": lines("+CME ERROR: 30"),
            "AT+CESQ": lines("+CESQ: 99,99,255,255,25,61", "OK"),
        }  # [S5] §4.2
    )
    assert bc660k(fake_session).radio_snapshot() == RadioSnapshot(rsrp_dbm=-80, rsrq_db=-7.5)
    assert fake_module.commands == ["AT+QENG=0", "AT+CESQ"]


def test_radio_snapshot_of_bc95_is_nuestats(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+NUESTATS"] = lines(
        "NUESTATS:RADIO,Signal power:-737",
        "NUESTATS:RADIO,Total power:-668",
        "NUESTATS:RADIO,TX power:-40",
        "NUESTATS:RADIO,TX time:418",
        "NUESTATS:RADIO,RX time:3552",
        "NUESTATS:RADIO,Cell ID:51939438",
        "NUESTATS:RADIO,ECL:0",
        "NUESTATS:RADIO,SNR:204",
        "NUESTATS:RADIO,EARFCN:2590",
        "NUESTATS:RADIO,PCI:133",
        "NUESTATS:RADIO,RSRQ:-108",
        "NUESTATS:RADIO,OPERATOR MODE:2",
        "NUESTATS:RADIO,CURRENT BAND:5",
        "OK",
    )
    assert bc95(fake_session).radio_snapshot() == RadioSnapshot(
        rsrp_dbm=-73.7,
        rsrq_db=-10.8,
        sinr_db=20.4,
        ce_level=0,
        cell_id="0318886E",
        pci=133,
        earfcn=2590,
        band=5,
    )


def test_radio_snapshot_of_a_virtual_bc660k(open_link: OpenLink) -> None:
    link = open_link(f"{FAST}&rsrp=-112", ConnectOptions(dialect="quectel_nbiot"))
    snapshot = link.modem.radio_snapshot()
    assert (snapshot.rsrp_dbm, snapshot.rsrq_db, snapshot.ce_level) == (-112, -12, 1)  # CE1 at -112 dBm
    assert snapshot.cell_id is not None
    assert snapshot.pci is not None


# --- power saving -------------------------------------------------------------------------------------------


def test_psm_of_bc660k_takes_the_granted_timers_from_qpsms_when_cereg_has_none(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script.update(
        {
            "AT+CPSMS?": lines('+CPSMS: 1,,,"01000011","00100100"', "OK"),
            "AT+CEREG=4": lines("OK"),
            "AT+CEREG?": lines('+CEREG: 4,1,"4C10","05C4EF33",9', "OK"),
            "AT+QPSMS?": lines("+QPSMS: 240,108000", "OK"),
        }
    )
    state = bc660k(fake_session).psm()
    assert state.granted == PsmTimers(
        periodic_tau_bits=None, active_time_bits=None, periodic_tau_s=108000, active_time_s=240
    )
    assert state.is_granted


def test_qpsms_one_means_not_granted(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CPSMS?": lines('+CPSMS: 1,,,"01000011","00100100"', "OK"),
            "AT+CEREG=4": lines("OK"),
            "AT+CEREG?": lines("+CEREG: 4,1", "OK"),
            "AT+QPSMS?": lines("+QPSMS: 1,1", "OK"),
        }
    )
    assert not bc660k(fake_session).psm().is_granted


def test_psm_of_bc95_does_not_ask_qpsms(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CPSMS?": lines("+CPSMS: 0", "OK"),
            "AT+CEREG=4": lines("OK"),
            "AT+CEREG?": lines("+CEREG: 4,1", "OK"),
        }
    )
    assert bc95(fake_session).psm().granted is None
    assert "AT+QPSMS?" not in fake_module.commands


@pytest.mark.parametrize(
    ("cycle_s", "ptw_s", "command", "state"),
    [
        (
            81.92,
            10.24,
            'AT+QEDRXCFG=2,5,"0101","0011"',
            EdrxState(act_type=5, requested_edrx_s=81.92, nw_edrx_s=None, ptw_s=10.24),
        ),
        (
            60.0,
            9.0,
            'AT+QEDRXCFG=2,5,"0101","0011"',
            EdrxState(act_type=5, requested_edrx_s=81.92, nw_edrx_s=None, ptw_s=10.24),
        ),
        (
            20.48,
            2.56,
            'AT+QEDRXCFG=2,5,"0010","0000"',
            EdrxState(act_type=5, requested_edrx_s=20.48, nw_edrx_s=None, ptw_s=2.56),
        ),
    ],
    ids=["manual-values", "rounded-up", "shortest"],
)
def test_set_edrx_with_a_ptw_on_bc660k_uses_qedrxcfg(
    fake_module: FakeModule,
    fake_session: ATSession,
    cycle_s: float,
    ptw_s: float,
    command: str,
    state: EdrxState,
) -> None:
    fake_module.script[command] = lines("OK")
    assert bc660k(fake_session).set_edrx(cycle_s, ptw_s=ptw_s) == state
    assert fake_module.commands == [command]


def test_set_edrx_without_a_ptw_is_nb_s1_cedrxs(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script['AT+CEDRXS=2,5,"0101"'] = lines("OK")  # [S5] §9.1's value, with +CEDRXP on
    assert bc660k(fake_session).set_edrx(81.92).requested_edrx_s == 81.92
    assert fake_module.commands == ['AT+CEDRXS=2,5,"0101"']  # NB-IoT: no need to ask the RAT


def test_a_ptw_on_bc95_or_without_a_cycle_is_refused_unsent(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    with pytest.raises(ModemError, match="BC95/BC28 firmware has no AT\\+QEDRXCFG"):
        bc95(fake_session).set_edrx(81.92, ptw_s=10.24)
    with pytest.raises(ModemError, match="a paging time window needs an eDRX cycle"):
        bc660k(fake_session).set_edrx(None, ptw_s=10.24)
    assert fake_module.commands == []
