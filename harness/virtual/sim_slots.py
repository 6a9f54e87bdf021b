"""virtual layer: the SIM cards in a virtual module's slots, and which one is in use (issue 11 item 3).

Slot 1 holds the card of the URL's `imsi`, `iccid` and `plmn` options (every model has them). A dual-SIM
model (RG255C firmware with `sim_slots=2`, harness.virtual.quectel_netdev) reads its second card from
`sim2.imsi`, `sim2.iccid`, `sim2.plmn` (each derived from the URL when absent, as the first card's) and
`sim2.inserted=0` for an empty slot. `plmn` is the card's home network (MCC+MNC, 3GPP TS 23.003 §2.2): the
module registers there, so +COPS shows the network of the card in use (roaming networks aside:
harness.virtual.network_policy). An empty slot in use answers the card's commands with +CME ERROR: 10 (SIM
not inserted, 27.007 §9.2) and never registers, as the `sim_removed` fault does (harness.virtual.
fault_effects). A card is a SlotSim, small and frozen; each card present has its own UICC
(harness.virtual.uicc, issued on the card's home network), which keeps what was written to it while the
other slot is in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.virtual.fault_effects import no_sim_answer
from harness.virtual.model_spec import ModelOption, Settings, int_setting, str_setting
from harness.virtual.option_reader import digits, integer
from harness.virtual.options import ModuleOptions, derived_identity
from harness.virtual.profiles import VISITED_PLMN
from harness.virtual.uicc import Uicc

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

SECOND = "sim2"
DERIVED = ""  # a sim2 option not given: derived from the URL
SECOND_SLOT_OPTIONS = (
    ModelOption(name=f"{SECOND}.imsi", parse=digits(14, 15), default=DERIVED),
    ModelOption(name=f"{SECOND}.iccid", parse=digits(18, 20), default=DERIVED),
    ModelOption(name=f"{SECOND}.plmn", parse=digits(5, 6), default=DERIVED),
    ModelOption(name=f"{SECOND}.inserted", parse=integer(0, 1), default=1),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotSim:
    """The card in one slot: who it says it is, and the network it belongs to."""

    imsi: str
    iccid: str
    plmn: str


def first_card(options: ModuleOptions) -> SlotSim:
    return SlotSim(imsi=options.identity.imsi, iccid=options.identity.iccid, plmn=options.plmn)


def second_card(options: ModuleOptions) -> SlotSim | None:
    """The card in slot 2 as the model's sim2.* options say; None for an empty slot."""
    settings: Settings = options.settings
    if int_setting(settings, f"{SECOND}.inserted") == 0:
        return None
    derived = derived_identity(f"{options.url}#{SECOND}")
    plmn = str_setting(settings, f"{SECOND}.plmn") or options.plmn
    return SlotSim(
        imsi=str_setting(settings, f"{SECOND}.imsi") or plmn + derived.imsi[len(plmn) :],
        iccid=str_setting(settings, f"{SECOND}.iccid") or derived.iccid,
        plmn=plmn,
    )


def issue_uicc(card: SlotSim, *, tac: str) -> Uicc:
    """The card's UICC as issued: its identity, home network and a registration in area `tac` there."""
    return Uicc.issued(
        imsi=card.imsi, iccid=card.iccid, home_plmn=card.plmn, visited_plmn=VISITED_PLMN, tac=tac
    )


def insert_card(module: VirtualModule, card: SlotSim | None, uicc: Uicc | None) -> None:
    """Put `card` (None: an empty slot) and its UICC in use: a registered module detaches and attaches with
    it."""
    registration = module.registration
    module.sim_card = card
    if uicc is not None:
        module.uicc = uicc
    if card is None:
        if no_sim_answer not in module.front.guards:
            module.front.guards.append(no_sim_answer)
        registration.remove_sim()
        return
    if no_sim_answer in module.front.guards:
        module.front.guards.remove(no_sim_answer)
    registration.detach()
    registration.insert_sim()
