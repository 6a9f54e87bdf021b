"""harness.dialects.sim: SIM preparation as a rig asks for it. The rules are checked against a plain fake
Modem (every decision, fast); the AT exchanges against a scripted module (the PIN never reaches the
transcript) and a virtual BC660K (the default rig's SIM, which the virtual module cannot fully show yet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import serial

from harness.at import ATCommandError, ATSession
from harness.dialects import ConnectOptions, Identity, Registration, SimState
from harness.dialects.modem import SIM_SLOTS
from harness.dialects.sim import SimModem, SimReport, prepare_sim
from harness.dialects.ts27007 import OperatorSelection, Ts27007Modem
from harness.errors import ModemError
from harness.rig import Sim
from tests.at.fake_module import FakeModule, lines

from .conftest import FAST, OpenLink

PIN = "2580"
PIN_ENV = "MIOT_TEST_SIM_PIN"
ICCID = "89001012345678901234"
HOME_IMSI = "001010123456789"
VISITOR_IMSI = "310410123456789"
HOME = Registration(stat=1, tac="4C10", ci="05C4EF33", act=9)
ROAMING = Registration(stat=5, tac="4C10", ci="05C4EF33", act=9)
TIMEOUT_S = 5.0


@dataclass
class FakeSimModem:
    """A Modem as SIM preparation sees it: states to report, and a log of what it was asked to do."""

    states: list[SimState] = field(default_factory=lambda: [SimState.READY])
    iccid: str | None = ICCID
    imsi: str | None = HOME_IMSI
    apn_now: str | None = "iot.test"
    apn_error: ATCommandError | None = None
    selection: OperatorSelection = field(
        default_factory=lambda: OperatorSelection(mode=0, plmn="00101", act=9)
    )
    plmn_after_manual: str | None = None
    registration: Registration = HOME
    capabilities: frozenset[str] = frozenset()
    calls: list[str] = field(default_factory=list)

    def identity(self) -> Identity:
        return Identity(
            manufacturer="ACME", model="X1", firmware="1", imei=None, imsi=self.imsi, iccid=self.iccid
        )

    def sim(self) -> SimState:
        self.calls.append("sim")
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def enter_pin(self, pin: str) -> None:
        self.calls.append(f"enter_pin {pin}")

    def select_sim_slot(self, slot: int) -> None:
        self.calls.append(f"select_sim_slot {slot}")

    def apn(self) -> str | None:
        if self.apn_error is not None:
            raise self.apn_error
        return self.apn_now

    def operator_selection(self) -> OperatorSelection:
        return self.selection

    def select_operator(self, plmn: str | None, *, timeout_s: float | None = None) -> None:
        self.calls.append(f"select_operator {plmn}")
        self.selection = OperatorSelection(mode=0 if plmn is None else 1, plmn=self.plmn_after_manual, act=9)

    def define_apn(self, apn: str) -> None:
        self.calls.append(f"define_apn {apn}")

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration:
        self.calls.append(f"attach {apn}")
        return self.registration


def prepare(modem: SimModem, sim: Sim | None, environ: dict[str, str] | None = None) -> SimReport:
    return prepare_sim(modem, sim, environ or {}, attach_timeout_s=TIMEOUT_S)


def test_the_fake_is_a_sim_modem_and_so_is_every_baseline_modem(fake_session: ATSession) -> None:
    assert isinstance(FakeSimModem(), SimModem)
    assert isinstance(Ts27007Modem(fake_session), SimModem)


# --- what is asked when -------------------------------------------------------------------------------------


def test_a_ready_sim_on_its_home_network_needs_nothing_but_the_attach() -> None:
    modem = FakeSimModem()
    report = prepare(modem, Sim(operator="00101", apn="iot.test", iccid=ICCID))
    assert modem.calls == ["sim", "attach None"]
    assert (report.registration, report.operator, report.apn, report.is_pin_entered) == (
        HOME,
        "00101",
        "iot.test",
        False,
    )
    assert report.notes == ()


def test_no_sim_section_attaches_as_the_module_is() -> None:
    modem = FakeSimModem()
    report = prepare(modem, None)
    assert modem.calls == ["sim", "attach None"]
    assert report.apn is None
    assert report.notes == ("home or roaming was not checked: the rig names no PLMN",)


@pytest.mark.parametrize(
    ("module_apn", "defined_apn"), [("IOT.TEST", None), ("other.apn", "iot.test"), (None, "iot.test")]
)
def test_the_apn_is_set_only_when_the_module_reports_another(
    module_apn: str | None, defined_apn: str | None
) -> None:
    modem = FakeSimModem(apn_now=module_apn)  # BC660K reads APNs back upper-cased ([S5] §5.4)
    report = prepare(modem, Sim(apn="iot.test"))
    defined = [] if defined_apn is None else [f"define_apn {defined_apn}", "sim"]
    assert modem.calls == ["sim", *defined, "attach None"]
    assert report.apn == (module_apn if defined_apn is None else defined_apn)


def test_a_sim_locked_again_by_the_apn_s_reset_gets_its_pin_again() -> None:
    states = [SimState.SIM_PIN, SimState.READY, SimState.SIM_PIN, SimState.READY]
    modem = FakeSimModem(states=states, apn_now=None)
    report = prepare(modem, Sim(apn="iot.test", pin_env=PIN_ENV), {PIN_ENV: PIN})
    pin_entry = ["sim", f"enter_pin {PIN}", "sim"]
    assert modem.calls == [*pin_entry, "define_apn iot.test", *pin_entry, "attach None"]
    assert report.is_pin_entered


def test_an_apn_the_module_cannot_report_is_left_alone_with_a_note() -> None:
    error = ATCommandError("AT+QCGDEFCONT?", "ERROR", None, (), None)
    modem = FakeSimModem(apn_error=error)
    report = prepare(modem, Sim(operator="00101", apn="iot.test"))
    assert modem.calls[-1] == "attach None"
    assert report.apn is None
    (note,) = report.notes
    assert "answered ERROR to AT+QCGDEFCONT?" in note
    assert "'iot.test'" in note


def test_a_sim_slot_is_selected_first_where_the_dialect_can() -> None:
    modem = FakeSimModem(capabilities=frozenset({SIM_SLOTS}))
    prepare(modem, Sim(slot=1))
    assert modem.calls[:2] == ["select_sim_slot 1", "sim"]


def test_a_sim_slot_the_dialect_cannot_select_is_an_error() -> None:
    modem = FakeSimModem()
    with pytest.raises(
        ModemError, match="the rig names SIM slot 1, but this module's dialect cannot switch SIM slots"
    ):
        prepare(modem, Sim(slot=1))
    assert modem.calls == []


# --- PIN ----------------------------------------------------------------------------------------------------


def test_the_pin_comes_from_the_variable_the_rig_names() -> None:
    modem = FakeSimModem(states=[SimState.SIM_PIN, SimState.READY])
    report = prepare(modem, Sim(pin_env=PIN_ENV), {PIN_ENV: f" {PIN}\n"})
    assert modem.calls[:3] == ["sim", f"enter_pin {PIN}", "sim"]
    assert report.is_pin_entered
    assert all(PIN not in note for note in report.notes)


def test_a_missing_pin_variable_is_named_and_nothing_is_entered() -> None:
    modem = FakeSimModem(states=[SimState.SIM_PIN])
    with pytest.raises(
        ModemError, match=f"the environment variable {PIN_ENV} that the rig names in pin_env is not set"
    ):
        prepare(modem, Sim(pin_env=PIN_ENV), {"OTHER": PIN})
    assert modem.calls == ["sim"]


def test_a_pin_request_without_pin_env_says_what_to_set() -> None:
    with pytest.raises(
        ModemError, match=r"asks for its PIN \(\+CPIN: SIM PIN\) and the rig names no pin_env"
    ):
        prepare(FakeSimModem(states=[SimState.SIM_PIN]), Sim(), {PIN_ENV: PIN})


def test_a_sim_that_stays_busy_after_the_pin_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.dialects.sim.SIM_READY_TIMEOUT_S", 0.3)
    modem = FakeSimModem(states=[SimState.SIM_PIN])
    with pytest.raises(
        ModemError, match=r"the PIN was accepted, but the SIM is not ready within 0\.3 s \(SIM PIN\)"
    ):
        prepare(modem, Sim(pin_env=PIN_ENV), {PIN_ENV: PIN})


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            SimState.NOT_INSERTED,
            r"no SIM: the module answers AT\+CPIN\? with \+CME ERROR: 10 \(SIM not inserted\)",
        ),
        (SimState.SIM_PUK, r"asks for its PUK \(\+CPIN: SIM PUK\).*the harness never enters a PUK"),
        (SimState.PH_SIM_PIN, r"the SIM asks for PH-SIM PIN"),
    ],
    ids=["absent", "puk", "ph-sim-pin"],
)
def test_sim_states_the_harness_does_not_handle_are_errors(state: SimState, message: str) -> None:
    modem = FakeSimModem(states=[state])
    with pytest.raises(ModemError, match=message):
        prepare(modem, Sim(pin_env=PIN_ENV), {PIN_ENV: PIN})
    assert modem.calls == ["sim"]  # no PIN, no PUK entered


# --- ICCID --------------------------------------------------------------------------------------------------


def test_a_wrong_iccid_is_an_error_that_shows_only_the_last_digits() -> None:
    other = "89001012345678909999"
    with pytest.raises(
        ModemError, match="wrong SIM: its ICCID ends in 9999, the rig expects one ending in 1234"
    ) as raised:
        prepare(FakeSimModem(iccid=other), Sim(iccid=ICCID))
    assert other not in str(raised.value)
    assert ICCID not in str(raised.value)


@pytest.mark.parametrize("read", [ICCID, "8900101234567890123F", " 8900101234567890123f"])
def test_the_iccid_matches_despite_padding_and_case(read: str) -> None:
    expected = ICCID if read == ICCID else "8900101234567890123"
    prepare(FakeSimModem(iccid=read), Sim(iccid=expected))


def test_an_iccid_the_dialect_cannot_read_is_noted() -> None:
    report = prepare(FakeSimModem(iccid=None), Sim(operator="00101", iccid=ICCID))
    assert report.notes == (
        "the rig names an ICCID, but this module's dialect reads none: the ICCID was not checked",
    )


# --- operator, home and roaming -----------------------------------------------------------------------------


def test_registered_elsewhere_means_a_manual_selection_of_the_rig_s_plmn() -> None:
    modem = FakeSimModem(selection=OperatorSelection(mode=0, plmn="00102", act=9), plmn_after_manual="00101")
    report = prepare(modem, Sim(operator="00101"))
    assert modem.calls == ["sim", "attach None", "select_operator 00101", "attach None"]
    assert report.operator == "00101"


def test_a_manual_selection_that_lands_elsewhere_is_an_error() -> None:
    modem = FakeSimModem(selection=OperatorSelection(mode=0, plmn="00102", act=9), plmn_after_manual="00103")
    with pytest.raises(ModemError, match="registered on PLMN 00103 after the manual selection of PLMN 00101"):
        prepare(modem, Sim(operator="00101"))


@pytest.mark.parametrize(
    ("selection", "plmn", "selected"),
    [
        (OperatorSelection(mode=1, plmn="00102", act=9), None, "select_operator None"),
        (OperatorSelection(mode=1, plmn="00102", act=9), "00101", "select_operator 00101"),
        (OperatorSelection(mode=2, plmn=None, act=None), None, "select_operator None"),
    ],
    ids=["manual-elsewhere-to-automatic", "manual-elsewhere-to-the-rig-s", "deregistered"],
)
def test_a_stale_selection_is_undone_before_the_attach(
    selection: OperatorSelection, plmn: str | None, selected: str
) -> None:
    modem = FakeSimModem(selection=selection, plmn_after_manual=plmn)
    report = prepare(modem, Sim(operator=plmn))
    assert modem.calls[:3] == ["sim", selected, "attach None"]
    assert f"operator selection was mode {selection.mode}" in report.notes[0]


def test_a_manual_selection_of_the_rig_s_plmn_is_kept() -> None:
    modem = FakeSimModem(selection=OperatorSelection(mode=1, plmn="00101", act=9))
    prepare(modem, Sim(operator="00101"))
    assert modem.calls == ["sim", "attach None"]


def test_an_operator_name_is_not_selected_and_says_so() -> None:
    modem = FakeSimModem(selection=OperatorSelection(mode=0, plmn="00102", act=9))
    report = prepare(modem, Sim(operator="Test Network"))
    assert modem.calls == ["sim", "attach None"]
    assert report.notes[0].startswith("operator 'Test Network' is a name, not a PLMN")


def test_roaming_where_home_was_expected_is_an_error() -> None:
    with pytest.raises(
        ModemError, match=r"roaming where home was expected: the SIM's IMSI begins with 00101"
    ):
        prepare(FakeSimModem(registration=ROAMING), Sim(operator="00101"))


def test_a_visiting_sim_roams_and_that_is_fine() -> None:
    modem = FakeSimModem(imsi=VISITOR_IMSI, registration=ROAMING)
    report = prepare(modem, Sim(operator="00101"))
    assert report.registration.is_roaming
    assert report.notes == ()


def test_a_visiting_sim_registered_as_home_is_accepted_with_the_reason() -> None:
    report = prepare(FakeSimModem(imsi=VISITOR_IMSI), Sim(operator="00101"))
    (note,) = report.notes
    assert note.startswith("home where roaming was expected")
    assert "equivalent home PLMN" in note


def test_without_an_imsi_home_or_roaming_is_not_checked() -> None:
    report = prepare(FakeSimModem(imsi=None, registration=ROAMING), Sim(operator="00101"))
    assert report.notes == ("home or roaming was not checked: the module gave no IMSI",)


# --- over AT: a scripted module and a virtual one -----------------------------------------------------------


def test_the_pin_is_entered_over_at_and_never_written_down(
    fake: tuple[FakeModule, serial.Serial], tmp_path: Path
) -> None:
    module, port = fake
    at_log = tmp_path / "at.log"

    def accept_pin(module: FakeModule) -> None:
        module.script["AT+CPIN?"] = lines("+CPIN: READY", "OK")
        module.reply("OK")

    module.script.update(
        {
            "AT+CPIN?": lines("+CPIN: SIM PIN", "OK"),
            f'AT+CPIN="{PIN}"': accept_pin,
            "AT+CGMI": lines("ACME", "OK"),
            "AT+CGMM": lines("X1", "OK"),
            "AT+CGMR": lines("R1", "OK"),
            "AT+CGSN": lines("490154203237518", "OK"),
            "AT+CIMI": lines(HOME_IMSI, "OK"),
            "AT+COPS?": lines('+COPS: 0,2,"00101",9', "OK"),
            "AT+CEREG=2": lines("OK"),
            "AT+CEREG?": lines('+CEREG: 2,1,"4C10","05C4EF33",9', "OK"),
        }
    )
    with ATSession(port, default_timeout_s=2.0, transcript_path=at_log) as session:
        report = prepare(Ts27007Modem(session), Sim(operator="00101", pin_env=PIN_ENV), {PIN_ENV: PIN})
    assert report.is_pin_entered
    assert report.registration == HOME
    assert module.commands[:3] == ["AT+CPIN?", f'AT+CPIN="{PIN}"', "AT+CPIN?"]
    assert PIN not in at_log.read_text(encoding="utf-8")


def test_a_wrong_pin_over_at_is_an_error_without_the_pin(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script.update(
        {"AT+CPIN?": lines("+CPIN: SIM PIN", "OK"), f'AT+CPIN="{PIN}"': lines("+CME ERROR: 16")}
    )
    with pytest.raises(ModemError, match=r"\+CME ERROR: 16 \(incorrect password\)") as raised:
        prepare(Ts27007Modem(fake_session), Sim(pin_env=PIN_ENV), {PIN_ENV: PIN})
    assert PIN not in str(raised.value)


def test_the_default_rig_s_sim_on_a_virtual_bc660k(open_link: OpenLink) -> None:
    link = open_link(FAST, ConnectOptions(dialect="quectel_nbiot"))
    assert isinstance(link.modem, SimModem)
    report = prepare(link.modem, Sim(operator="00101", apn="iot.test"))
    assert report.registration.is_registered
    assert not report.registration.is_roaming
    assert report.operator == "00101"
    assert report.apn == "iot.test"  # set through AT+QCGDEFCONT and a reset: the module had none
    assert report.notes == ()


def test_a_foreign_plmn_on_a_virtual_module_fails_at_the_manual_selection(open_link: OpenLink) -> None:
    link = open_link(FAST, ConnectOptions(dialect="quectel_nbiot"))
    assert isinstance(link.modem, SimModem)
    with pytest.raises(
        ModemError, match=r'manual selection of PLMN 00102 failed: AT\+COPS=1,2,"00102" answered \+CME ERROR'
    ):
        prepare(link.modem, Sim(operator="00102"))
