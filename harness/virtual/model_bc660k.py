"""virtual layer: model `bc660k`, a Quectel BC660K-GL-like NB-IoT module (`virtual://bc660k?...`).

Responses follow the "BC660K-GL & BC950K-GL AT Commands Manual" v1.4, 2024-01-26 [S5]
(../shared/reference/cellular-iot.md §1, §3.1): ATI, +CGMI and +CGMR as its chapter 2 examples show them
(+CGMI really answers three lines), +QCCID (§8.11), the AT+CFUN test reply exactly as printed in §9.3
(with its trailing comma), AT+QENG=0 (§4.8), AT+QCGDEFCONT (§5.6) for the attach context, cid 0, +CEREG's
read form without location while not registered (§4.1: `+CEREG: 3,3,,,,0,15` after a reject). The
standard commands come from ts27007_commands, with the NB-S1 eDRX values §9.1 lists (0010, 0011, 0101,
1001-1111; others +CME ERROR: 50), the power commands from quectel_power_commands, the socket commands from
quectel_sockets and AT+QPING (context 0) from quectel_ping. Defaults at power-on: echo on, CMEE 1, CFUN 1.
Model option: `qsclk` (0-2, default 1), the sleep mode at power-on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.model_spec import ModelOption, ModelSpec, fixed_profile
from harness.virtual.option_reader import integer
from harness.virtual.quectel_ping import QuectelPing
from harness.virtual.quectel_power_commands import QuectelPowerCommands
from harness.virtual.quectel_sockets import QuectelSockets
from harness.virtual.radio import rssi_dbm, tx_power_dbm
from harness.virtual.ts27007_commands import (
    OPERATION_NOT_SUPPORTED,
    Ts27007Commands,
    fixed_answer,
    standard_table,
)
from harness.virtual.ts27007_power_commands import Ts27007PowerCommands

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

MANUFACTURER = "Quectel_Ltd"
OBJECT_ID = "Quectel_BC660K-GL"
REVISION = "BC660KGLAAR01A03"
NO_NETWORK_SERVICE = 30
OPERATION_MODE_STANDALONE = 3
TX_POWER_INVALID = 128
INCORRECT_PARAMETERS = 50  # 27.007 §9.2 [S5 Table 5]
EDRX_CODES = ("0010", "0011", "0101", "1001", "1010", "1011", "1100", "1101", "1110", "1111")

MODEL = ModelSpec(
    profile_for=fixed_profile("nbiot"),
    ready_urc="RDY",
    attach_cid=0,
    # connectID 0-4: cellular-iot.md §3.1 notes this range for the family but not verified for BC660K
    max_sockets=5,
    options=(ModelOption(name="qsclk", parse=integer(0, 2), default=1),),
)


def build_commands(module: VirtualModule) -> dict[str, Handler]:
    # [S5] §4.1: the read form has <tac>, <ci>, <AcT> "only when ... MT is registered"; a URC has them "if
    # available", which they are for the cell that rejected the module; the cause fields follow <AcT>
    module.eps_report.is_read_location_registered_only = True
    standard = Ts27007Commands(module)
    power = Ts27007PowerCommands(module, edrx_codes=EDRX_CODES)
    model = Bc660kCommands(module, standard)
    return {
        **standard_table(module, power=power),
        **QuectelPowerCommands(module, power).table(),
        **QuectelSockets(module).table(),
        **QuectelPing(module, context_ids=range(1)).table(),
        "I": model.ati,
        "+CGMI": fixed_answer(MANUFACTURER, OBJECT_ID, "Revision: QCX"),
        "+CGMM": fixed_answer(OBJECT_ID),
        "+CGMR": fixed_answer(f"Revision: {REVISION}"),
        "+CFUN": model.cfun,
        "+QCCID": model.qccid,
        "+QENG": model.qeng,
        "+QCGDEFCONT": model.qcgdefcont,
    }


class Bc660kCommands:
    def __init__(self, module: VirtualModule, standard: Ts27007Commands) -> None:
        self._module = module
        self._standard = standard

    def ati(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.EXECUTE or command.args not in ((), ("0",)):
            return error()
        return ok(MANUFACTURER, OBJECT_ID, f"Revision: {REVISION}")

    def cfun(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok("+CFUN: (0,1,4,),(0,1)")
        return self._standard.cfun(command)

    def qccid(self, command: ATCommand) -> Reply:
        return fixed_answer(f"+QCCID: {self._module.sim_identity.iccid}")(command)

    def qeng(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok("+QENG: (0-3)")
        if command.kind is not CommandKind.WRITE:
            return error()
        if int_arg(command, 0, 0, 3) != 0:
            return cme_error(OPERATION_NOT_SUPPORTED)  # sleep times and EMM state are not modelled yet
        module = self._module
        if not module.registration.is_registered:
            return cme_error(NO_NETWORK_SERVICE)
        cell, radio = module.cell, module.radio
        tx_power = round(tx_power_dbm(radio)) if module.is_rrc_connected else TX_POWER_INVALID
        fields = (
            0, cell.earfcn, cell.earfcn_offset, cell.pci, f'"{cell.cell_id}"',
            round(radio.rsrp_dbm), round(radio.rsrq_db), round(rssi_dbm(radio, cell)), round(radio.sinr_db),
            cell.band, f'"{cell.tac}"', radio.ce_level, tx_power, OPERATION_MODE_STANDALONE,
        )  # fmt: skip
        return ok("+QENG: " + ",".join(str(field) for field in fields))

    def qcgdefcont(self, command: ATCommand) -> Reply:
        """AT+QCGDEFCONT=<PDP_type>[,<APN>[,<username>,<password>]] ([S5] §5.6; read form as in public
        BC660K examples: `+QCGDEFCONT: "IP","alliot.nbiot.at"`): the attach context, cid 0. The manual says a
        new setting takes effect after a reboot; this model keeps it, and its attach does not depend on the
        APN."""
        pdp = self._module.pdp
        match command.kind:
            case CommandKind.READ:
                context = pdp.attach_context
                return ok(f'+QCGDEFCONT: "{context.pdp_type.upper()}","{context.apn}"')
            case CommandKind.TEST:
                return ok('+QCGDEFCONT: ("IP","IPV6","IPV4V6","Non-IP"),,,')
            case CommandKind.WRITE:
                if not command.args or len(command.args) > 4:
                    return cme_error(INCORRECT_PARAMETERS)
                pdp.define(pdp.attach_cid, command.args[0], command.args[1] if len(command.args) > 1 else "")
                return ok()
        return error()
