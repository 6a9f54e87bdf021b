"""harness.dialects.ts27007: the 27.007 baseline Modem against a virtual BC660K and a scripted fake module."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATCommandError, ATSession, Direction, read_transcript
from harness.dialects import ConnectOptions, Identity, RadioSnapshot, Registration, SimState
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, lines

from .conftest import FAST, OpenLink

IMEI = "490154203237518"  # Luhn-valid, as the virtual module demands
IMSI = "001010123456789"
ICCID = "89001012345678901234"
IDENTITY_QUERY = f"{FAST}&imei={IMEI}&imsi={IMSI}&iccid={ICCID}"
BASELINE = ConnectOptions(dialect="ts27007")


def written_commands(path: Path) -> list[str]:
    return [entry.text for entry in read_transcript(path) if entry.direction is Direction.WRITTEN]


# --- identity ------------------------------------------------------------------------------------------


def test_identity_of_a_virtual_bc660k_has_no_iccid(open_link: OpenLink) -> None:
    link = open_link(IDENTITY_QUERY, BASELINE)
    assert type(link.modem) is Ts27007Modem
    assert link.modem.identity() == Identity(
        manufacturer="Quectel_Ltd",  # the first of the three lines +CGMI answers
        model="Quectel_BC660K-GL",
        firmware="BC660KGLAAR01A03",  # without "Revision:"
        imei=IMEI,
        imsi=IMSI,
        iccid=None,
    )


@pytest.mark.parametrize(
    "cgsn", [IMEI, f"+CGSN: {IMEI}", f'+CGSN: "{IMEI}"'], ids=["bare", "prefixed", "quoted"]
)
def test_identity_reads_the_answer_shapes_of_other_modules(
    fake_module: FakeModule, fake_session: ATSession, cgsn: str
) -> None:
    fake_module.script.update(
        {
            "AT+CGMI": lines("ACME Wireless", "OK"),
            "AT+CGMM": lines("X100", "OK"),
            "AT+CGMR": lines("Revision:  X100R02A07 ", "OK"),
            "AT+CGSN": lines(cgsn, "OK"),
            "AT+CIMI": lines(IMSI, "OK"),
        }
    )
    assert Ts27007Modem(fake_session).identity() == Identity(
        manufacturer="ACME Wireless", model="X100", firmware="X100R02A07", imei=IMEI, imsi=IMSI, iccid=None
    )


def test_identity_without_sim_has_no_imsi(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CGMI": lines("ACME", "OK"),
            "AT+CGMM": lines("X100", "OK"),
            "AT+CGMR": lines("R1", "OK"),
            "AT+CGSN": lines(IMEI, "OK"),
            "AT+CIMI": lines("+CME ERROR: 10"),
        }
    )
    identity = Ts27007Modem(fake_session).identity()
    assert (identity.imei, identity.imsi) == (IMEI, None)


def test_identity_refuses_an_empty_manufacturer_answer(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT+CGMI"] = lines("OK")
    with pytest.raises(ModemError, match=r"AT\+CGMI answered no information line"):
        Ts27007Modem(fake_session).identity()


# --- SIM -----------------------------------------------------------------------------------------------


def test_sim_of_a_virtual_module_is_ready(open_link: OpenLink) -> None:
    assert open_link(FAST, BASELINE).modem.sim() is SimState.READY


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (lines("+CPIN: READY", "OK"), SimState.READY),
        (lines("+CPIN: SIM PIN", "OK"), SimState.SIM_PIN),
        (lines("+CPIN: SIM PUK", "OK"), SimState.SIM_PUK),
        (lines("+CPIN: PH-SIM PIN", "OK"), SimState.PH_SIM_PIN),
        (lines("+CME ERROR: 10"), SimState.NOT_INSERTED),
    ],
    ids=["ready", "pin", "puk", "ph-sim-pin", "not-inserted"],
)
def test_sim_states(fake_module: FakeModule, fake_session: ATSession, answer: bytes, state: SimState) -> None:
    fake_module.script["AT+CPIN?"] = answer
    assert Ts27007Modem(fake_session).sim() is state


def test_sim_failure_other_than_absence_is_raised(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+CPIN?"] = lines("+CME ERROR: 13")  # SIM failure: not "not inserted"
    with pytest.raises(ATCommandError) as raised:
        Ts27007Modem(fake_session).sim()
    assert raised.value.code == 13


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lines("+CPIN: SIM BUSY", "OK"), "unknown SIM state 'SIM BUSY'"),
        (lines("OK"), r"AT\+CPIN\? gave no \+CPIN line"),
    ],
    ids=["unknown-state", "no-line"],
)
def test_sim_answer_it_cannot_read_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession, answer: bytes, message: str
) -> None:
    fake_module.script["AT+CPIN?"] = answer
    with pytest.raises(ModemError, match=message):
        Ts27007Modem(fake_session).sim()


# --- radio and registration ----------------------------------------------------------------------------


def test_set_radio_switches_cfun_and_registration(open_link: OpenLink) -> None:
    link = open_link(FAST, BASELINE)
    link.modem.set_radio(False)
    assert link.session.send("AT+CFUN?").value_of("+CFUN") == "0"
    assert link.modem.registration() == Registration(stat=0)
    link.modem.set_radio(True)
    assert link.session.send("AT+CFUN?").value_of("+CFUN") == "1"


@pytest.mark.parametrize(
    ("answer", "registration"),
    [
        ('+CEREG: 2,1,"1A2B","0123ABCD",9', Registration(stat=1, tac="1A2B", ci="0123ABCD", act=9)),
        ('+CEREG: 2,5,"00C3","0A0B0C0",7', Registration(stat=5, tac="00C3", ci="0A0B0C0", act=7)),
        ("+CEREG: 0,2", Registration(stat=2)),
        ("+CEREG: 0,3", Registration(stat=3)),
    ],
    ids=["home", "roaming", "searching", "denied"],
)
def test_registration_read_form(
    fake_module: FakeModule, fake_session: ATSession, answer: str, registration: Registration
) -> None:
    fake_module.script["AT+CEREG?"] = lines(answer, "OK")
    assert Ts27007Modem(fake_session).registration() == registration


def test_registration_flags() -> None:
    assert [(Registration(stat=s).is_registered, Registration(stat=s).is_roaming) for s in (0, 1, 2, 5)] == [
        (False, False),
        (True, False),
        (False, False),
        (True, True),
    ]


@pytest.mark.parametrize(
    "answer", [lines("OK"), lines('+CEREG: 1,"1A2B","0123ABCD",9', "OK")], ids=["no-line", "only-a-urc"]
)
def test_registration_without_a_read_form_line_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession, answer: bytes
) -> None:
    fake_module.script["AT+CEREG?"] = answer
    with pytest.raises(ModemError, match=r"AT\+CEREG\? gave no \+CEREG line"):
        Ts27007Modem(fake_session).registration()


def test_registration_ignores_a_urc_that_crosses_the_read(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    # The URC was on the wire before the module read the command: the session takes it as a response
    # line (urcs.py names this limit), so the dialect must pick the solicited line itself.
    fake_module.script["AT+CEREG?"] = lines(
        '+CEREG: 1,"1A2B","0123ABCD",9', '+CEREG: 2,1,"1A2B","0123ABCD",9', "OK"
    )
    assert Ts27007Modem(fake_session).registration() == Registration(stat=1, tac="1A2B", ci="0123ABCD", act=9)


# --- attach --------------------------------------------------------------------------------------------


def test_attach_when_already_registered_leaves_the_radio_alone(open_link: OpenLink, tmp_path: Path) -> None:
    at_log = tmp_path / "at.log"
    link = open_link(FAST, ConnectOptions(dialect="ts27007", transcript_path=at_log))
    registration = link.modem.attach(None, timeout_s=5.0)
    assert registration == Registration(stat=1, tac="1A2B", ci="0123ABCD", act=9)
    commands = written_commands(at_log)
    assert "AT+CEREG=2" in commands
    assert not any(command.startswith("AT+CFUN") for command in commands)


def test_attach_after_cfun0_switches_the_radio_on_and_waits(open_link: OpenLink, tmp_path: Path) -> None:
    at_log = tmp_path / "at.log"
    link = open_link(FAST.replace("attach_s=0", "attach_s=0.3"), ConnectOptions(transcript_path=at_log))
    link.modem.set_radio(False)
    assert not link.modem.registration().is_registered
    registration = link.modem.attach(None, timeout_s=10.0)
    assert registration.is_registered
    assert registration.tac == "1A2B"
    commands = written_commands(at_log)
    after_attach = commands[commands.index("AT+CEREG=2") :]
    assert after_attach[:3] == ["AT+CEREG=2", "AT+CEREG?", "AT+CFUN=1"]
    assert set(after_attach[3:]) == {"AT+CEREG?"}


def test_attach_times_out_with_a_modem_error_naming_the_timeout(open_link: OpenLink) -> None:
    link = open_link(FAST.replace("attach_s=0", "attach_s=3600"), BASELINE)
    with pytest.raises(ModemError, match=r"not registered within 0\.4 s \(\+CEREG stat 2\)"):
        link.modem.attach(None, timeout_s=0.4)


def test_attach_times_out_for_a_module_that_never_registers(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script.update(
        {
            "AT+CEREG=2": lines("OK"),
            "AT+CEREG?": lines("+CEREG: 2,0", "OK"),
            "AT+CFUN=1": lines("OK"),
        }
    )
    with pytest.raises(ModemError, match=r"not registered within 0\.3 s \(\+CEREG stat 0\)"):
        Ts27007Modem(fake_session).attach(None, timeout_s=0.3)
    assert fake_module.commands[:3] == ["AT+CEREG=2", "AT+CEREG?", "AT+CFUN=1"]


def test_attach_with_an_apn_is_refused_before_any_command(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    with pytest.raises(ModemError, match="setting the APN is not supported"):
        Ts27007Modem(fake_session).attach("x", timeout_s=1.0)
    assert fake_module.commands == []


# --- signal ----------------------------------------------------------------------------------------------


def test_radio_snapshot_of_a_virtual_module(open_link: OpenLink) -> None:
    # rsrp=-112 puts the module in CE1, whose RSRQ is -12 dB; both sit on an index's lower edge
    link = open_link(f"{FAST}&rsrp=-112", BASELINE)
    assert link.modem.radio_snapshot() == RadioSnapshot(rsrp_dbm=-112, rsrq_db=-12.0)


def test_radio_snapshot_reports_the_lower_edge_of_the_index(open_link: OpenLink) -> None:
    # -112.4 dBm lies in index 28's range [-113, -112): 27.007's lower edge is -113
    link = open_link(f"{FAST}&rsrp=-112.4", BASELINE)
    assert link.modem.radio_snapshot().rsrp_dbm == -113


def test_radio_snapshot_before_registration_is_unknown(open_link: OpenLink) -> None:
    link = open_link(FAST.replace("attach_s=0", "attach_s=3600"), BASELINE)
    assert link.modem.radio_snapshot() == RadioSnapshot()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rsrq=st.integers(0, 34) | st.just(255), rsrp=st.integers(0, 97) | st.just(255))
def test_radio_snapshot_converts_cesq_indices(
    fake_module: FakeModule, fake_session: ATSession, rsrq: int, rsrp: int
) -> None:
    fake_module.script["AT+CESQ"] = lines(f"+CESQ: 99,99,255,255,{rsrq},{rsrp}", "OK")
    snapshot = Ts27007Modem(fake_session).radio_snapshot()
    assert snapshot.rsrp_dbm == (None if rsrp == 255 else rsrp - 141)
    assert snapshot.rsrq_db == (None if rsrq == 255 else rsrq / 2 - 20)
    assert (snapshot.sinr_db, snapshot.ce_level, snapshot.cell_id) == (None, None, None)


def test_radio_snapshot_without_cesq_line_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT+CESQ"] = lines("OK")
    with pytest.raises(ModemError, match=r"AT\+CESQ gave no \+CESQ line"):
        Ts27007Modem(fake_session).radio_snapshot()


# --- sockets and capabilities ------------------------------------------------------------------------------


def test_baseline_has_no_sockets(fake_module: FakeModule, fake_session: ATSession) -> None:
    modem = Ts27007Modem(fake_session)
    assert modem.capabilities == frozenset()
    with pytest.raises(ModemError, match="dialect ts27007 has no AT socket commands"):
        modem.open_udp("127.0.0.1", 7)
    assert fake_module.commands == []
