"""harness.rig_probe_module: the steps of a module's probe against a plain fake Modem (each decision, fast):
a PIN entered from the rig's variable and never shown, a missing PIN variable, an ICCID checked, a module
still searching watched until it registers, a denied registration and a failing step that hides no other."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from harness.dialects import Identity, RadioSnapshot, Registration, SimState
from harness.dialects.ts27007 import OperatorSelection
from harness.errors import ModemError
from harness.rat import Rat
from harness.results import hash_identifier
from harness.rig import Module, Sim
from harness.rig_probe import Findings, ProbeRow, ProbeSettings, ProbeStatus
from harness.rig_probe_module import ProbedModem, probe_modem

KEY = b"k" * 32
PIN = "2580"
PIN_ENV = "MIOT_TEST_RIG_PIN"
IMEI = "350000113320341"
ICCID = "89001012345678901234"
HOME = Registration(stat=1, act=9)


@dataclass
class FakeModem:
    """Answers as scripted; `registrations` are returned in turn, the last one for good."""

    states: list[SimState] = field(default_factory=lambda: [SimState.READY])
    registrations: list[Registration] = field(default_factory=lambda: [HOME])
    identity_error: ModemError | None = None
    rsrp_dbm: float | None = -95.0
    entered: list[str] = field(default_factory=list)

    def identity(self) -> Identity:
        if self.identity_error is not None:
            raise self.identity_error
        return Identity(
            manufacturer="Quectel_Ltd", model="BC660K-GL", firmware="A05", imei=IMEI, imsi=None, iccid=ICCID
        )

    def sim(self) -> SimState:
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def enter_pin(self, pin: str) -> None:
        self.entered.append(pin)

    def registration(self) -> Registration:
        return self.registrations.pop(0) if len(self.registrations) > 1 else self.registrations[0]

    def operator_selection(self) -> OperatorSelection:
        return OperatorSelection(mode=0, plmn="00101", act=9)

    def radio_snapshot(self) -> RadioSnapshot:
        return RadioSnapshot(rsrp_dbm=self.rsrp_dbm)


def probed(
    modem: FakeModem, sim: Sim | None = None, environ: dict[str, str] | None = None, wait_s: float = 0.0
) -> ProbeRow:
    assert isinstance(modem, ProbedModem)
    module = Module(id="nb-ce0", port="loop://", rat=Rat.NB_IOT, sim=sim)
    settings = ProbeSettings(id_key=KEY, environ=environ or {}, registration_wait_s=wait_s)
    findings = Findings("module", module.id)
    probe_modem(modem, module, settings, findings)
    return findings.row()


def test_a_ready_module_answers_every_step_with_its_imei_hashed() -> None:
    row = probed(FakeModem(), Sim(iccid=ICCID))

    assert row.status is ProbeStatus.OK
    assert row.answered == (
        f"BC660K-GL A05, IMEI {hash_identifier(IMEI, KEY)}",
        "SIM ready",
        "ICCID as expected",
        "registered home on 00101",
        "RSRP -95 dBm",
    )
    assert IMEI not in repr(row)


def test_the_pin_comes_from_the_rigs_variable_and_is_never_shown() -> None:
    modem = FakeModem(states=[SimState.SIM_PIN, SimState.READY])

    row = probed(modem, Sim(pin_env=PIN_ENV), {PIN_ENV: PIN})

    assert modem.entered == [PIN]
    assert f"SIM ready (PIN from ${PIN_ENV})" in row.answered
    assert row.status is ProbeStatus.OK
    assert PIN not in repr(row)


def test_a_pin_variable_not_set_is_a_failed_sim_step_naming_it() -> None:
    modem = FakeModem(states=[SimState.SIM_PIN])

    row = probed(modem, Sim(pin_env=PIN_ENV), {})

    assert modem.entered == []
    assert row.status is ProbeStatus.FAILED
    (sim_failure,) = row.failed
    assert sim_failure.startswith("SIM: the SIM asks for its PIN")
    assert PIN_ENV in sim_failure
    assert "registered home on 00101" in row.answered  # the other steps still ran


def test_a_wrong_iccid_fails_showing_last_digits_only() -> None:
    expected = "89001012345678905678"

    row = probed(FakeModem(), Sim(iccid=expected))

    assert row.failed == ("ICCID: wrong SIM: its ICCID ends in 1234, the rig expects one ending in 5678",)
    assert ICCID not in repr(row)
    assert expected not in repr(row)


def test_a_searching_module_is_watched_until_it_registers() -> None:
    searching = Registration(stat=2)
    modem = FakeModem(registrations=[searching, searching, HOME])

    row = probed(modem, wait_s=5.0)

    assert "registered home on 00101" in row.answered
    assert row.status is ProbeStatus.OK


def test_a_module_still_searching_is_reported_as_found_not_failed() -> None:
    row = probed(FakeModem(registrations=[Registration(stat=2)], rsrp_dbm=None), wait_s=0.0)

    assert row.status is ProbeStatus.OK
    assert row.answered[-2:] == ("registration stat 2 (not registered, searching)", "no RSRP reported")


def test_a_denied_registration_fails_with_its_cause() -> None:
    denied = Registration(stat=3, cause_type=0, reject_cause=15)

    row = probed(FakeModem(registrations=[denied]))

    assert row.failed == (
        "registration: registration denied: EMM cause #15 (no suitable cells in tracking area)",
    )


def test_a_failing_step_hides_no_other() -> None:
    row = probed(
        FakeModem(identity_error=ModemError("AT+CGMM answered no information line")), Sim(iccid=ICCID)
    )

    assert row.failed == ("identity: AT+CGMM answered no information line",)
    assert row.answered == ("SIM ready", "registered home on 00101", "RSRP -95 dBm")


@pytest.mark.parametrize("state", [SimState.NOT_INSERTED, SimState.SIM_PUK])
def test_a_sim_absent_or_blocked_is_a_failed_sim_step(state: SimState) -> None:
    row = probed(FakeModem(states=[state]), Sim(pin_env=PIN_ENV), {PIN_ENV: PIN})

    assert [failure.split(":")[0] for failure in row.failed] == ["SIM"]


def probed_with_sims(modem: FakeModem, sims: tuple[Sim, ...], environ: dict[str, str]) -> ProbeRow:
    module = Module(id="redcap", port="loop://", rat=Rat.REDCAP, sims=sims)
    findings = Findings("module", module.id)
    probe_modem(modem, module, ProbeSettings(id_key=KEY, environ=environ), findings)
    return findings.row()


def test_of_several_sims_the_one_whose_iccid_is_read_gives_the_pin_and_passes() -> None:
    sims = (
        Sim(operator="46000", iccid="89860000000000000017", slot=1, pin_env="MIOT_TEST_OTHER_PIN"),
        Sim(operator="46011", iccid=ICCID, slot=2, pin_env=PIN_ENV),
    )
    modem = FakeModem(states=[SimState.SIM_PIN, SimState.READY])

    row = probed_with_sims(modem, sims, {PIN_ENV: PIN, "MIOT_TEST_OTHER_PIN": "1111"})

    assert modem.entered == [PIN]
    assert "ICCID as expected" in row.answered
    assert row.status is ProbeStatus.OK


def test_a_card_none_of_the_modules_sims_fails_naming_its_last_digits() -> None:
    sims = (
        Sim(operator="46000", iccid="89860000000000000017", slot=1),
        Sim(operator="46011", iccid="89861100000000000025", slot=2),
    )

    row = probed_with_sims(FakeModem(), sims, {})

    assert row.failed == (
        "ICCID: wrong SIM: its ICCID ends in 1234, not one of the rig's SIMs of this module (46000, 46011)",
    )
    assert ICCID not in repr(row)
