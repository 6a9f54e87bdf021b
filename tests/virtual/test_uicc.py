"""The virtual UICC (harness/virtual/uicc.py) as the module's registration meets it: an attach with a valid
stored EF_EPSLOCI takes `attach_s` (warm), one after cold preparation `cold_attach_s`, and stores a new GUTI;
a PLMN in EF_FPLMN is not registered on automatically. Through the public API (connect, SimCard)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from harness.dialects import ModemLink, connect
from harness.sim_card import EF_EPSLOCI, EF_FPLMN, EfPlmnList, Preparation, SimCard, prepare, sim_card_of

WARM_S = 0.2
COLD_S = 1.0
DEADLINE_S = 5.0


@pytest.fixture
def link() -> Iterator[ModemLink]:
    with connect(f"virtual://bc660k?attach_s={WARM_S}&cold_attach_s={COLD_S}") as opened:
        yield opened


@pytest.fixture
def card(link: ModemLink) -> SimCard:
    return sim_card_of(link.modem, is_writable=True)


def _registered_after_s(link: ModemLink) -> float:
    """From now (the radio just turned on) until the module says it is registered."""
    start_s = time.monotonic()
    while time.monotonic() - start_s < DEADLINE_S:
        if link.modem.registration().is_registered:
            return time.monotonic() - start_s
        time.sleep(0.02)
    raise AssertionError(f"not registered within {DEADLINE_S} s")


def _cycle_radio(link: ModemLink) -> None:
    link.modem.set_radio(False)
    link.modem.set_radio(True)


def test_cold_preparation_makes_the_next_attach_full_and_it_stores_a_new_guti(
    link: ModemLink, card: SimCard
) -> None:
    _registered_after_s(link)  # the first attach, with the card as issued
    guti_before = card.read(EF_EPSLOCI).guti

    prepare(card, Preparation.COLD)  # radio on again at its end
    cold_s = _registered_after_s(link)
    _cycle_radio(link)
    warm_s = _registered_after_s(link)

    assert COLD_S - 0.05 <= cold_s < COLD_S + 1.0
    assert warm_s < COLD_S - 0.3
    stored = card.read(EF_EPSLOCI)
    assert stored.is_valid
    assert stored.guti is not None
    assert guti_before is not None
    assert stored.guti.m_tmsi != guti_before.m_tmsi


def test_a_forbidden_serving_plmn_is_not_selected_automatically(link: ModemLink, card: SimCard) -> None:
    _registered_after_s(link)
    card.write(EF_FPLMN, EfPlmnList(plmns=("00101",)))
    _cycle_radio(link)
    time.sleep(COLD_S + 0.3)
    assert link.modem.registration().stat == 2  # searching, never registered

    card.write(EF_FPLMN, EfPlmnList(plmns=()))
    _cycle_radio(link)
    _registered_after_s(link)


@pytest.mark.parametrize("model", ["bc660k", "rg255c", "ml307r", "generic"])
def test_every_model_has_a_card_that_says_what_the_module_says(model: str) -> None:
    """The ICCID and IMSI the card's files code are the module's own (+CIMI and the vendor ICCID command),
    and its stored TAI is the serving cell's (the last two bytes of a 5G TAC)."""
    with connect(f"virtual://{model}?attach_s=0") as opened:
        identity = opened.modem.identity()
        card = sim_card_of(opened.modem)
        assert card.read_imsi() == identity.imsi
        if identity.iccid is not None:  # a dialect that reads an ICCID at all
            assert card.read_iccid() == identity.iccid
        registration = opened.modem.attach(None, timeout_s=DEADLINE_S)
        assert registration.tac is not None
        assert card.read(EF_EPSLOCI).tai.code == int(registration.tac[-4:], 16)
