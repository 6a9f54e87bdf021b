"""virtual layer: model `bc660k`, a Quectel BC660K-GL-like NB-IoT module (`virtual://bc660k?...`).

Responses follow the "BC660K-GL & BC950K-GL AT Commands Manual" v1.4, 2024-01-26 [S5]
(../shared/reference/cellular-iot.md §1, §3.1): ATI, +CGMI and +CGMR as its chapter 2 examples show them
(+CGMI really answers three lines), +QCCID (§8.11), the AT+CFUN test reply exactly as printed in §9.3
(with its trailing comma), AT+QENG=0 (§4.8). The standard commands come from ts27007_commands, the socket
commands from quectel_sockets. Defaults at power-on: echo on, CMEE 1, CFUN 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.quectel_sockets import QuectelSockets
from harness.virtual.ts27007_commands import OPERATION_NOT_SUPPORTED, Ts27007Commands

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

MANUFACTURER = "Quectel_Ltd"
OBJECT_ID = "Quectel_BC660K-GL"
REVISION = "BC660KGLAAR01A03"
NO_NETWORK_SERVICE = 30
OPERATION_MODE_STANDALONE = 3
TX_POWER_INVALID = 128
INCORRECT_PARAMETERS = 50  # 27.007 §9.2 [S5 Table 5]
PDP_TYPES = ("IP", "IPV6", "IPV4V6", "NON-IP")
# Judgement: UE transmit power per CE level while connected (CE1/CE2 repeat at full power, 23 dBm max).
TX_POWER_DBM = (10, 23, 23)


def build_commands(module: VirtualModule) -> dict[str, Handler]:
    standard = Ts27007Commands(module)
    model = Bc660kCommands(module, standard)
    return {
        **standard.table(),
        **QuectelSockets(module).table(),
        "I": model.ati,
        "+CGMI": model.cgmi,
        "+CGMM": model.cgmm,
        "+CGMR": model.cgmr,
        "+CFUN": model.cfun,
        "+QCCID": model.qccid,
        "+QENG": model.qeng,
        "+QCGDEFCONT": model.qcgdefcont,
    }


class Bc660kCommands:
    def __init__(self, module: VirtualModule, standard: Ts27007Commands) -> None:
        self._module = module
        self._standard = standard
        # The default PDP context of the initial attach; NVRAM on the real module, so it outlives a reset.
        self._pdp_type = "IP"
        self._apn = ""

    def ati(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.EXECUTE or command.args not in ((), ("0",)):
            return error()
        return ok(MANUFACTURER, OBJECT_ID, f"Revision: {REVISION}")

    def cgmi(self, command: ATCommand) -> Reply:
        return _identity(command, MANUFACTURER, OBJECT_ID, "Revision: QCX")

    def cgmm(self, command: ATCommand) -> Reply:
        return _identity(command, OBJECT_ID)

    def cgmr(self, command: ATCommand) -> Reply:
        return _identity(command, f"Revision: {REVISION}")

    def cfun(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok("+CFUN: (0,1,4,),(0,1)")
        return self._standard.cfun(command)

    def qccid(self, command: ATCommand) -> Reply:
        return _identity(command, f"+QCCID: {self._module.options.identity.iccid}")

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
        cell, radio = module.cell, module.options.radio
        tx_power = TX_POWER_DBM[radio.ce_level] if module.is_rrc_connected else TX_POWER_INVALID
        fields = (
            0, cell.earfcn, cell.earfcn_offset, cell.pci, f'"{cell.cell_id}"',
            round(radio.rsrp_dbm), round(radio.rsrq_db), round(radio.rssi_dbm), round(radio.sinr_db),
            cell.band, f'"{cell.tac}"', radio.ce_level, tx_power, OPERATION_MODE_STANDALONE,
        )  # fmt: skip
        return ok("+QENG: " + ",".join(str(field) for field in fields))


    def qcgdefcont(self, command: ATCommand) -> Reply:
        """AT+QCGDEFCONT=<PDP_type>[,<APN>[,<username>,<password>]] ([S5] §5.6; read form as in public
        BC660K examples: `+QCGDEFCONT: "IP","alliot.nbiot.at"`). The manual says a new setting takes effect
        after a reboot; this model keeps it, and its attach does not depend on the APN."""
        match command.kind:
            case CommandKind.READ:
                return ok(f'+QCGDEFCONT: "{self._pdp_type}","{self._apn}"')
            case CommandKind.TEST:
                return ok('+QCGDEFCONT: ("IP","IPV6","IPV4V6","Non-IP"),,,')
            case CommandKind.WRITE:
                pdp_type = command.args[0].upper() if command.args else ""
                if pdp_type not in PDP_TYPES or len(command.args) > 4:
                    return cme_error(INCORRECT_PARAMETERS)
                self._pdp_type = pdp_type
                self._apn = command.args[1] if len(command.args) > 1 else ""
                return ok()
        return error()


def _identity(command: ATCommand, *lines: str) -> Reply:
    """An execution command that prints fixed lines; its test form answers OK ([S5] chapter 2)."""
    match command.kind:
        case CommandKind.EXECUTE:
            return ok(*lines)
        case CommandKind.TEST:
            return ok()
    return error()
