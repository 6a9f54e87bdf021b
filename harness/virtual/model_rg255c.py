"""virtual layer: model `rg255c`, a Quectel RG255C-like 5G RedCap module in NR SA (`virtual://rg255c?rx=1`).

What harness.dialects.quectel_redcap sends, answered as its golden exchanges show
(fixtures/at/golden/quectel_redcap/, README there for the sources): identity like the RM520N's (+CGMI
"Quectel", +CGMM the model, +CGMR a bare revision; RG255C revision and RG255 layouts from the golden
rg255c-qeng-*.log files [R]), AT+QCCID, +C5GREG (the 5GS registration; +CEREG shows <stat> 0, the module is
not registered in EPS), AT+QENG="servingcell" / AT+QNWINFO / AT+QCSQ (quectel_redcap_commands), AT+QPING
(context 1-11, timed through the link: quectel_ping), AT+QCFG="usbnet" / AT+QNETDEVCTL / AT+QUIMSLOT
(quectel_netdev); no AT sockets (RedCap traffic goes via="host"). RDY when booted.
Model options: `rx` (1 or 2 receive antennas: the redcap_1rx / redcap_2rx profile, default 2, the
configuration behind the RG255C-class rates in cellular-iot.md §4.4), `usbnet` (1 ECM, 2 MBIM, 3 RNDIS;
default 1), `sim_slots` (1 or 2; default 1) with the second card's `sim2.*` (harness.virtual.sim_slots)
and the host data interface's `datapath`, `data_slot` and
`queue_ms` (host_data_path; its carrier follows AT+QNETDEVCTL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler
from harness.virtual.host_data_path import DATA_PATH_OPTIONS, start_host_data_path
from harness.virtual.model_spec import ModelOption, ModelSpec, Settings, int_setting
from harness.virtual.option_reader import integer
from harness.virtual.quectel_netdev import CIDS, QuectelNetdev
from harness.virtual.quectel_ping import QuectelPing
from harness.virtual.quectel_redcap_commands import QuectelRedcapCommands
from harness.virtual.sim_slots import SECOND_SLOT_OPTIONS
from harness.virtual.ts27007_commands import add_nr_report, fixed_answer, registration_report, standard_table

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

MANUFACTURER = "Quectel"
MODEL_NAME = "RG255C-GL"
REVISION = "RG255CGLAAR01A02M2G"


def _profile_for(settings: Settings) -> str:
    return f"redcap_{int_setting(settings, 'rx')}rx"


MODEL = ModelSpec(
    profile_for=_profile_for,
    ready_urc="RDY",
    attach_cid=1,
    max_sockets=1,
    options=(
        ModelOption(name="rx", parse=integer(1, 2), default=2),
        ModelOption(name="usbnet", parse=integer(1, 3), default=1),
        ModelOption(name="sim_slots", parse=integer(1, 2), default=1),
        *SECOND_SLOT_OPTIONS,
        *DATA_PATH_OPTIONS,
    ),
)


def build_commands(module: VirtualModule) -> dict[str, Handler]:
    nr_report = add_nr_report(module)
    start_host_data_path(module)
    return {
        **standard_table(module),
        **QuectelRedcapCommands(module).table(),
        **QuectelNetdev(module).table(),
        **QuectelPing(module, context_ids=CIDS).table(),
        "I": fixed_answer(MANUFACTURER, MODEL_NAME, f"Revision: {REVISION}"),
        "+CGMI": fixed_answer(MANUFACTURER),
        "+CGMM": fixed_answer(MODEL_NAME),
        "+CGMR": fixed_answer(REVISION),
        "+QCCID": lambda command: fixed_answer(f"+QCCID: {module.sim_identity.iccid}")(command),
        "+C5GREG": lambda command: registration_report(module, nr_report, command),
    }
