"""harness.dialects.ts27007: the 27.007 baseline Modem against a virtual BC660K and a scripted fake module.

Golden exchanges use the syntax and examples of the BC660K-GL AT manual [S5] for the 27.007 commands
(../shared/reference/cellular-iot.md §1), never the virtual module's answers."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATCommandError, ATResponse, ATSession, Direction, FinalKind, read_transcript
from harness.dialects import ConnectOptions, Identity, RadioSnapshot, Registration, SimState
from harness.dialects.modem import EDRX, PSM
from harness.dialects.ts27007 import OperatorSelection, Ts27007Modem
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


# --- identity -----------------------------------------------------------------------------------------------


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


# --- SIM ----------------------------------------------------------------------------------------------------


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


# --- radio and registration ---------------------------------------------------------------------------------


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


# --- attach -------------------------------------------------------------------------------------------------


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
    with pytest.raises(
        ModemError, match=r"not registered within 0\.4 s \(registration stat 2: not registered, searching\)"
    ):
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
    with pytest.raises(
        ModemError,
        match=r"not registered within 0\.3 s \(registration stat 0: not registered, not searching\)",
    ):
        Ts27007Modem(fake_session).attach(None, timeout_s=0.3)
    assert fake_module.commands[:3] == ["AT+CEREG=2", "AT+CEREG?", "AT+CFUN=1"]


def test_attach_with_an_apn_defines_it_and_attaches_again(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    # [S5] §5.4's read example; cid 1 is the context the baseline attaches with
    fake_module.script.update(
        {
            "AT+CGDCONT?": lines(
                '+CGDCONT: 0,"IP","CMNBIOT","100.81.144.240"', '+CGDCONT: 1,"IP","CMNET"', "OK"
            ),
            'AT+CGDCONT=1,"IP","iot.test"': lines("OK"),
            "AT+CFUN=0": lines("OK"),
            "AT+CEREG=2": lines("OK"),
            "AT+CEREG?": lines('+CEREG: 2,1,"4C10","05C4EF33",9', "OK"),
        }
    )
    registration = Ts27007Modem(fake_session).attach("iot.test", timeout_s=5.0)
    assert registration == Registration(stat=1, tac="4C10", ci="05C4EF33", act=9)
    assert fake_module.commands == [
        "AT+CGDCONT?",
        'AT+CGDCONT=1,"IP","iot.test"',
        "AT+CFUN=0",  # detach: the next attach uses the new APN
        "AT+CEREG=2",
        "AT+CEREG?",
    ]


@pytest.mark.parametrize(
    ("contexts", "written"),
    [
        (['+CGDCONT: 1,"IPV4V6","old.apn","0.0.0.0",0,0'], 'AT+CGDCONT=1,"IPV4V6","iot.test"'),
        (['+CGDCONT: 0,"IP","CMNBIOT"'], 'AT+CGDCONT=1,"IP","iot.test"'),  # no context 1 yet
    ],
    ids=["keeps-the-pdp-type", "new-context"],
)
def test_define_apn_keeps_the_pdp_type_of_the_context(
    fake_module: FakeModule, fake_session: ATSession, contexts: list[str], written: str
) -> None:
    fake_module.script.update(
        {"AT+CGDCONT?": lines(*contexts, "OK"), written: lines("OK"), "AT+CFUN=0": lines("OK")}
    )
    Ts27007Modem(fake_session).define_apn("iot.test")
    assert fake_module.commands == ["AT+CGDCONT?", written, "AT+CFUN=0"]


@pytest.mark.parametrize(
    ("contexts", "apn"),
    [
        (['+CGDCONT: 0,"IP","CMNBIOT","100.81.144.240"', '+CGDCONT: 1,"IP","CMNET"'], "CMNET"),
        (['+CGDCONT: 1,"IP","oai","0.0.0.0",0,0,0,0,,,,,,,,,"",,,,0'], "oai"),  # RM520N [S14]
        (['+CGDCONT: 1,"IP",""'], None),
        (['+CGDCONT: 0,"IP","CMNBIOT"'], None),
        ([], None),
    ],
    ids=["bc660k", "rm520n", "empty", "no-context-1", "none-defined"],
)
def test_apn_is_the_attach_context_s(
    fake_module: FakeModule, fake_session: ATSession, contexts: list[str], apn: str | None
) -> None:
    fake_module.script["AT+CGDCONT?"] = lines(*contexts, "OK")
    assert Ts27007Modem(fake_session).apn() == apn


def test_apn_with_a_quote_is_refused_before_any_write(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT+CGDCONT?"] = lines("OK")
    with pytest.raises(ValueError, match="not allowed"):
        Ts27007Modem(fake_session).attach('x";+CFUN=0;"', timeout_s=1.0)
    assert fake_module.commands == ["AT+CGDCONT?"]


# --- operator selection (+COPS, 27.007 §7.3; [S5] §7.2 examples) --------------------------------------------


@pytest.mark.parametrize(
    ("answer", "selection"),
    [
        ('+COPS: 0,2,"46000", 9', OperatorSelection(mode=0, plmn="46000", act=9)),
        ('+COPS: 1,2,"310410",7', OperatorSelection(mode=1, plmn="310410", act=7)),
        ("+COPS: 0", OperatorSelection(mode=0, plmn=None, act=None)),
        ("+COPS: 2", OperatorSelection(mode=2, plmn=None, act=None)),
    ],
    ids=["bc660k-example", "manual", "none-selected", "deregistered"],
)
def test_operator_selection(
    fake_module: FakeModule, fake_session: ATSession, answer: str, selection: OperatorSelection
) -> None:
    fake_module.script["AT+COPS?"] = lines(answer, "OK")
    assert Ts27007Modem(fake_session).operator_selection() == selection
    assert fake_module.commands == ["AT+COPS?"]


def test_operator_selection_asks_for_the_numeric_form_when_the_module_shows_names(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    def numeric_from_now_on(module: FakeModule) -> None:
        module.script["AT+COPS?"] = lines('+COPS: 0,2,"99970",11', "OK")
        module.reply("OK")

    fake_module.script.update(
        {"AT+COPS?": lines('+COPS: 0,0,"999 70 Magic",11', "OK"), "AT+COPS=3,2": numeric_from_now_on}
    )
    assert Ts27007Modem(fake_session).operator_selection() == OperatorSelection(mode=0, plmn="99970", act=11)
    assert fake_module.commands == ["AT+COPS?", "AT+COPS=3,2", "AT+COPS?"]


@pytest.mark.parametrize(
    ("plmn", "command"),
    [("46000", 'AT+COPS=1,2,"46000"'), ("310410", 'AT+COPS=1,2,"310410"'), (None, "AT+COPS=0")],
)
def test_select_operator(
    fake_module: FakeModule, fake_session: ATSession, plmn: str | None, command: str
) -> None:
    fake_module.script[command] = lines("OK")
    Ts27007Modem(fake_session).select_operator(plmn)
    assert fake_module.commands == [command]


def test_select_operator_error_names_the_plmn_and_the_code(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script['AT+COPS=1,2,"46001"'] = lines("+CME ERROR: 111")
    with pytest.raises(
        ModemError,
        match=r'manual selection of PLMN 46001 failed: AT\+COPS=1,2,"46001" answered \+CME ERROR: 111 '
        r"\(PLMN not allowed\)",
    ):
        Ts27007Modem(fake_session).select_operator("46001")


@pytest.mark.parametrize("plmn", ["4600", "4600012", "46O00", '460";+CFUN=0;"'])
def test_select_operator_refuses_what_is_not_a_plmn(
    fake_module: FakeModule, fake_session: ATSession, plmn: str
) -> None:
    with pytest.raises(ModemError, match="is not a PLMN"):
        Ts27007Modem(fake_session).select_operator(plmn)
    assert fake_module.commands == []


# --- SIM PIN ------------------------------------------------------------------------------------------------

PIN = "4711"


def test_enter_pin_never_writes_the_pin_to_the_transcript(
    fake: tuple[FakeModule, serial.Serial], tmp_path: Path
) -> None:
    module, port = fake
    module.script[f'AT+CPIN="{PIN}"'] = lines("OK")
    at_log = tmp_path / "at.log"
    with ATSession(port, default_timeout_s=2.0, transcript_path=at_log) as session:
        Ts27007Modem(session).enter_pin(PIN)
    assert module.commands == [f'AT+CPIN="{PIN}"']  # the module got it
    text = at_log.read_text(encoding="utf-8")
    assert PIN not in text
    assert "<redacted>" in text


def test_a_refused_pin_is_a_modem_error_without_the_pin(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script[f'AT+CPIN="{PIN}"'] = lines("+CME ERROR: 16")
    with pytest.raises(
        ModemError, match=r"refused the SIM PIN: \+CME ERROR: 16 \(incorrect password\)"
    ) as raised:
        Ts27007Modem(fake_session).enter_pin(PIN)
    assert PIN not in str(raised.value)
    assert PIN not in str(raised.value.__cause__)


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", '12";+CFUN=0;"'])
def test_a_pin_that_is_not_4_to_8_digits_is_refused_unsent_and_unshown(
    fake_module: FakeModule, fake_session: ATSession, pin: str
) -> None:
    with pytest.raises(ModemError, match="4 to 8 digits") as raised:
        Ts27007Modem(fake_session).enter_pin(pin)
    assert pin not in str(raised.value) or not pin
    assert fake_module.commands == []


# --- signal -------------------------------------------------------------------------------------------------


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


# --- sockets and capabilities -------------------------------------------------------------------------------


def test_baseline_has_power_saving_but_no_sockets_ping_interface_or_slots(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    modem = Ts27007Modem(fake_session)
    assert modem.capabilities == frozenset({PSM, EDRX})
    with pytest.raises(ModemError, match="dialect ts27007 has no AT socket commands"):
        modem.open_udp("127.0.0.1", 7)
    with pytest.raises(ModemError, match="dialect ts27007 has no ping command"):
        modem.ping("127.0.0.1")
    with pytest.raises(ModemError, match="dialect ts27007 cannot name a host network interface"):
        modem.data_interface()
    with pytest.raises(ModemError, match="dialect ts27007 cannot switch SIM slots"):
        modem.select_sim_slot(1)
    assert fake_module.commands == []


# --- per-command default timeouts ---------------------------------------------------------------------------


class RecordingSession:
    """Stands in for an ATSession: records what send() was given, answers OK."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float | None, bool]] = []

    def send(self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False) -> ATResponse:
        self.sent.append((cmd, timeout_s, is_secret))
        return ATResponse(
            command=cmd,
            lines=(),
            final="OK",
            kind=FinalKind.OK,
            code=None,
            data=b"",
            started_s=0.0,
            ended_s=0.0,
        )


@pytest.mark.parametrize(
    ("command", "timeout_s"),
    [
        ('AT+COPS=1,2,"46000"', 180.0),
        ("AT+COPS=?", 180.0),
        ("at+cops=0", 180.0),
        ("AT+COPS?", None),  # a read answers at once: the session's default
        ("AT+CFUN=1", 25.0),
        ("AT+CGATT=1", 70.0),
        ("AT+CGACT=1,1", 70.0),
        ("AT+CEREG?", None),
        ("AT", None),
    ],
)
def test_send_command_gives_the_dialect_s_timeout(command: str, timeout_s: float | None) -> None:
    session = RecordingSession()
    modem = Ts27007Modem(session)  # type: ignore[arg-type]
    modem.send_command(command)
    assert session.sent == [(command, timeout_s, False)]
    modem.send_command(command, timeout_s=1.5)
    assert session.sent[-1] == (command, 1.5, False)


def test_select_operator_waits_as_long_as_the_table_says_unless_told() -> None:
    session = RecordingSession()
    modem = Ts27007Modem(session)  # type: ignore[arg-type]
    modem.select_operator("46000")
    modem.select_operator(None, timeout_s=600.0)
    assert [timeout for _, timeout, _ in session.sent] == [180.0, 600.0]


def test_a_subclass_extends_the_timeout_table_and_the_longest_key_wins() -> None:
    class Slow(Ts27007Modem):
        command_timeouts_s = MappingProxyType(
            {**Ts27007Modem.command_timeouts_s, "+COPS=?": 900.0, "+QPING=": 60.0}
        )

    modem = Slow(RecordingSession())  # type: ignore[arg-type]
    assert [modem.command_timeout_s(c) for c in ("AT+COPS=?", "AT+COPS=0", 'AT+QPING=0,"x"')] == [
        900.0,
        180.0,
        60.0,
    ]


def test_enter_pin_is_sent_as_a_secret() -> None:
    session = RecordingSession()
    modem = Ts27007Modem(session)  # type: ignore[arg-type]
    modem.enter_pin(PIN)
    assert session.sent == [(f'AT+CPIN="{PIN}"', None, True)]


# --- registration rejects -----------------------------------------------------------------------------------


def test_a_denied_attach_reads_the_cause_at_n3_and_fails_at_once_for_a_permanent_one(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    def read(module: FakeModule) -> None:
        # 27.007 §10.1.22: n=3 adds <cause_type>,<reject_cause>; #7 EPS services not allowed (24.301)
        modes = [command for command in module.commands if command.startswith("AT+CEREG=")]
        if modes[-1] == "AT+CEREG=3":
            module.reply('+CEREG: 3,3,"4C10","05C4EF33",9,0,7', "OK")
        else:
            module.reply('+CEREG: 2,3,"4C10","05C4EF33",9', "OK")

    fake_module.script.update(
        {"AT+CEREG=2": lines("OK"), "AT+CEREG=3": lines("OK"), "AT+CEREG?": read, "AT+CFUN=1": lines("OK")}
    )
    with pytest.raises(
        ModemError,
        match=r"^registration denied: EMM cause #7 \(EPS services not allowed\): the module does not try",
    ):
        Ts27007Modem(fake_session).attach(None, timeout_s=30.0)
    assert fake_module.commands[-3:] == ["AT+CEREG=3", "AT+CEREG?", "AT+CEREG=2"]


def test_a_temporary_reject_waits_and_its_timeout_names_the_cause(open_link: OpenLink) -> None:
    # #17 is retried after T3411 (10 s here): the attach waits, and its timeout says why it failed
    link = open_link(f"{FAST}&reject=17", BASELINE)
    with pytest.raises(
        ModemError,
        match=r"not registered within 1 s \(registration denied: EMM cause #17 \(network failure\)\)",
    ):
        link.modem.attach(None, timeout_s=1.0)
    registration = link.modem.registration()
    assert (registration.stat, registration.reject_cause) == (3, None)  # back at attach's n=2: no cause
    link.session.send("AT+CEREG=3")
    registration = link.modem.registration()
    assert (registration.cause_type, registration.reject_cause) == (0, 17)
    assert registration.describe_reject() == "EMM cause #17 (network failure)"
