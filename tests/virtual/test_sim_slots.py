"""harness.virtual.sim_slots: the cards of a virtual dual-SIM RG255C, seen through its dialect. The network
shown in +COPS is the home network of the card in use; an empty slot in use answers the card's commands
+CME ERROR: 10 and never registers; slot 2's card is derived from the URL when its options are absent."""

from __future__ import annotations

import pytest

from harness.at import ATCommandError
from harness.dialects.modem import SimState
from harness.errors import ModemError
from harness.sim_card import sim_card_of
from harness.virtual.options import parse_virtual_url
from harness.virtual.sim_slots import SlotSim, first_card, second_card

from .conftest import OpenLink
from .test_model_rg255c import FAST, rg255c

CARDS = (
    f"{FAST}&sim_slots=2&plmn=46000&imsi=460000000000017&iccid=89860000000000000017"
    "&sim2.plmn=46011&sim2.imsi=460110000000025&sim2.iccid=89861100000000000025"
)


def test_the_network_follows_the_card_in_use(open_link: OpenLink) -> None:
    modem = rg255c(open_link, CARDS)
    modem.attach(None, timeout_s=10)
    assert modem.operator_selection().plmn == "46000"
    modem.select_sim_slot(2)
    assert modem.attach(None, timeout_s=10).is_registered
    assert modem.operator_selection().plmn == "46011"
    assert (modem.identity().imsi, modem.iccid()) == ("460110000000025", "89861100000000000025")
    card = sim_card_of(modem)  # the UICC behind +CRSM is the card in use's too
    assert (card.read_imsi(), card.read_iccid()) == ("460110000000025", "89861100000000000025")
    modem.select_sim_slot(1)
    modem.attach(None, timeout_s=10)
    assert modem.operator_selection().plmn == "46000"


def test_an_empty_slot_answers_sim_not_inserted_and_never_registers(open_link: OpenLink) -> None:
    modem = rg255c(open_link, f"{CARDS}&sim2.inserted=0")
    modem.attach(None, timeout_s=10)
    modem.select_sim_slot(2)
    assert modem.sim() is SimState.NOT_INSERTED
    with pytest.raises(ATCommandError) as caught:
        modem.send_command("AT+CIMI")
    assert caught.value.code == 10
    with pytest.raises(ModemError):
        modem.attach(None, timeout_s=1)
    modem.select_sim_slot(1)
    assert modem.sim() is SimState.READY
    assert modem.attach(None, timeout_s=10).is_registered


def test_cards_from_the_url() -> None:
    options = parse_virtual_url(f"virtual://rg255c?{CARDS}")
    assert first_card(options) == SlotSim(imsi="460000000000017", iccid="89860000000000000017", plmn="46000")
    assert second_card(options) == SlotSim(imsi="460110000000025", iccid="89861100000000000025", plmn="46011")
    derived = second_card(parse_virtual_url("virtual://rg255c?sim_slots=2&sim2.plmn=46011"))
    assert derived is not None
    assert derived.plmn == "46011"
    assert derived.imsi.startswith("46011")
    assert len(derived.imsi) == 15
    assert derived.iccid != first_card(parse_virtual_url("virtual://rg255c?sim_slots=2")).iccid
    assert second_card(parse_virtual_url("virtual://rg255c?sim_slots=2&sim2.inserted=0")) is None
