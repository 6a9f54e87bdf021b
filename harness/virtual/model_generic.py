"""virtual layer: model `generic`, a module that knows 3GPP TS 27.007 and nothing else
(`virtual://generic?profile=nbiot`), for the baseline dialect (harness.dialects.ts27007).

Identity per 27.007 §5 (+CGMI, +CGMM, +CGMR, +CGSN) and V.250 ATI, with names of our own that no vendor
dialect claims; +CIMI, +CPIN; registration (+CEREG, and +C5GREG on NR), +COPS, +CGATT, +CGDCONT (attach
context cid 1), +CGPADDR, +CSCON, +CESQ, +CSQ; power saving +CPSMS, +CEDRXS, +CEDRXRDP with every 24.008
code. No sockets, ping, ICCID or vendor commands (27.007 has none, cellular-iot.md §1.6), and no boot URC
(27.007 defines none). Model option `profile`: the radio profile (harness.virtual.profiles), default cat1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler
from harness.virtual.model_spec import ModelOption, ModelSpec, Settings, str_setting
from harness.virtual.option_reader import one_of
from harness.virtual.profiles import PROFILES
from harness.virtual.radio import ACT_NR_5GCN
from harness.virtual.ts27007_commands import add_nr_report, fixed_answer, registration_report, standard_table

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

MANUFACTURER = "MIOT"
MODEL_NAME = "VIRTUAL-27007"
REVISION = "MIOT-VIRTUAL-27007-1.0"


def _profile_for(settings: Settings) -> str:
    return str_setting(settings, "profile")


MODEL = ModelSpec(
    profile_for=_profile_for,
    ready_urc=None,
    attach_cid=1,
    max_sockets=1,
    options=(ModelOption(name="profile", parse=one_of(tuple(PROFILES)), default="cat1"),),
)


def build_commands(module: VirtualModule) -> dict[str, Handler]:
    table = {
        **standard_table(module),
        "I": fixed_answer(MANUFACTURER, MODEL_NAME, REVISION),
        "+CGMI": fixed_answer(MANUFACTURER),
        "+CGMM": fixed_answer(MODEL_NAME),
        "+CGMR": fixed_answer(REVISION),
    }
    if module.cell.act == ACT_NR_5GCN:
        report = add_nr_report(module)
        table["+C5GREG"] = lambda command: registration_report(module, report, command)
    return table
