"""harness.sim_card.rotation on a virtual dual-SIM RG255C (harness.virtual.sim_slots): switching by the
module's AT+QUIMSLOT or the rig's switch command, the card checked (present, the rig's ICCID), registration
with the card's operator; a missing or wrong card is a SimRotationError naming module, slot and the expected
ICCID, with the read one only in its shown (hashed) form."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.dialects import ConnectOptions, ModemLink, connect
from harness.errors import InfrastructureError
from harness.rat import Rat
from harness.rig import Module, Sim, SimSwitch
from harness.sim_card.rotation import RotatingModem, SimRotationError, switch_sim

ICCID_1 = "89860000000000000017"
ICCID_2 = "89861100000000000025"
CARDS = (
    "attach_s=0&rrc_setup_ms=0&sim_slots=2&plmn=46000&imsi=460000000000017"
    f"&iccid={ICCID_1}&sim2.plmn=46011&sim2.imsi=460110000000025&sim2.iccid={ICCID_2}"
)
SIM_1 = Sim(operator="46000", apn="cmiot", iccid=ICCID_1, slot=1)
SIM_2 = Sim(operator="46011", apn="ctnet", iccid=ICCID_2, slot=2)
ATTACH_TIMEOUT_S = 10.0


def shown(value: str) -> str:
    """A stand-in for the run's keyed hash, recognisable in a message."""
    return f"<hashed {value[::-1]}>"


@pytest.fixture
def modem() -> Iterator[Callable[[str], RotatingModem]]:
    links: list[ModemLink] = []

    def open_(query: str) -> RotatingModem:
        link = connect(f"virtual://rg255c?{query}", ConnectOptions())
        links.append(link)
        assert isinstance(link.modem, RotatingModem)
        return link.modem

    yield open_
    for link in links:
        link.close()


def module_with(*sims: Sim, switch: SimSwitch | None = None) -> Module:
    return Module(id="redcap", port="virtual://rg255c", rat=Rat.REDCAP, sims=sims, sim_switch=switch)


def test_switching_registers_with_each_cards_operator(modem: Callable[[str], RotatingModem]) -> None:
    dual = modem(CARDS)
    module = module_with(SIM_1, SIM_2)
    for sim, imsi in ((SIM_2, "460110000000025"), (SIM_1, "460000000000017"), (SIM_2, "460110000000025")):
        report = switch_sim(dual, module, sim, {}, attach_timeout_s=ATTACH_TIMEOUT_S, show=shown)
        assert (report.identity.iccid, report.identity.imsi) == (sim.iccid, imsi)
        assert report.operator == sim.operator
        assert report.registration.is_registered
        assert not report.registration.is_roaming
        assert report.apn == sim.apn


def test_an_empty_slot_is_an_infrastructure_error_naming_module_slot_and_iccid(
    modem: Callable[[str], RotatingModem],
) -> None:
    dual = modem(f"{CARDS}&sim2.inserted=0")
    module = module_with(SIM_1, SIM_2)
    with pytest.raises(SimRotationError) as caught:
        switch_sim(dual, module, SIM_2, {}, attach_timeout_s=ATTACH_TIMEOUT_S, show=shown)
    assert isinstance(caught.value, InfrastructureError)
    assert str(caught.value) == (
        "module redcap slot 2, operator 46011: no SIM (+CME ERROR: 10, SIM not inserted); the rig expects "
        f"ICCID ending in 0025 ({shown(ICCID_2)})"
    )
    # the other card is still there to switch back to
    report = switch_sim(dual, module, SIM_1, {}, attach_timeout_s=ATTACH_TIMEOUT_S, show=shown)
    assert report.identity.iccid == ICCID_1


def test_a_wrong_card_names_the_expected_iccid_and_the_read_one_hashed(
    modem: Callable[[str], RotatingModem],
) -> None:
    other = "89861100000000000991"
    dual = modem(CARDS.replace(ICCID_2, other))
    with pytest.raises(SimRotationError) as caught:
        switch_sim(dual, module_with(SIM_1, SIM_2), SIM_2, {}, attach_timeout_s=ATTACH_TIMEOUT_S, show=shown)
    message = str(caught.value)
    assert message == (
        f"module redcap slot 2, operator 46011: wrong SIM: ICCID {shown(other)} read, the rig expects ICCID "
        f"ending in 0025 ({shown(ICCID_2)})"
    )
    assert other not in message


def test_the_rigs_switch_command_is_run_with_the_slot_instead_of_the_modules(
    modem: Callable[[str], RotatingModem], tmp_path: Path
) -> None:
    record = tmp_path / "switched"
    script = f"import sys; open({str(record)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')"
    switch = SimSwitch(command=(sys.executable, "-c", script, "--slot", "{slot}"), timeout_s=10)
    dual = modem(CARDS)
    # the command stands for a SIM multiplexer: the module's own slot stays 1, whose card is SIM_1
    report = switch_sim(
        dual,
        module_with(SIM_1, SIM_2, switch=switch),
        SIM_1,
        {},
        attach_timeout_s=ATTACH_TIMEOUT_S,
        show=shown,
    )
    assert report.identity.iccid == ICCID_1
    assert record.read_text() == "--slot 1\n"


def test_a_failing_switch_command_is_a_rotation_error(modem: Callable[[str], RotatingModem]) -> None:
    switch = SimSwitch(command=(sys.executable, "-c", "raise SystemExit('relay 3 busy')", "{slot}"))
    with pytest.raises(SimRotationError) as caught:
        switch_sim(
            modem(CARDS),
            module_with(SIM_1, SIM_2, switch=switch),
            SIM_2,
            {},
            attach_timeout_s=ATTACH_TIMEOUT_S,
            show=shown,
        )
    assert str(caught.value) == (
        f"module redcap slot 2, operator 46011: the SIM switch failed: SIM switch command {sys.executable} "
        "exited 1: relay 3 busy"
    )
