"""virtual layer: 3GPP TS 27.007 commands as a virtual module answers them, shared by every model.

Syntax and layouts as the BC660K AT manual [S5] documents the standard commands (chapters 2, 4, 8, 9;
../shared/reference/cellular-iot.md §1): +CFUN, +CEREG, +CESQ, +CSQ, +CSCON, +CIMI, +CPIN, +CGSN here;
`standard_table` adds the packet domain (harness.virtual.packet_domain_commands), power saving
(harness.virtual.ts27007_power_commands) and SIM access (harness.virtual.uicc_commands) commands. A model
replaces an entry where its firmware differs. Radio answers (+CESQ, +CSQ) say "not known" (99/255) while the
module is not registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.packet_domain_commands import PacketDomainCommands
from harness.virtual.radio import ACT_NR_5GCN, rsrp_index, rsrq_index, rssi_dbm, rssi_index
from harness.virtual.registration import Fun, RegistrationReport
from harness.virtual.ts27007_power_commands import Ts27007PowerCommands
from harness.virtual.uicc_commands import UiccCommands

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

OPERATION_NOT_ALLOWED = 3
OPERATION_NOT_SUPPORTED = 4
SVN = "01"  # judgement: software version number in the IMEISV


def standard_table(module: VirtualModule, *, power: Ts27007PowerCommands | None = None) -> dict[str, Handler]:
    """Every 27.007 command a virtual module has; `power` when the model restricts its eDRX values."""
    return {
        **Ts27007Commands(module).table(),
        **PacketDomainCommands(module).table(),
        **(power or Ts27007PowerCommands(module)).table(),
        **UiccCommands(module).table(),
    }


class Ts27007Commands:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module

    def table(self) -> dict[str, Handler]:
        return {
            "+CFUN": self.cfun,
            "+CEREG": self.cereg,
            "+CESQ": self.cesq,
            "+CSQ": self.csq,
            "+CSCON": self.cscon,
            "+CIMI": self.cimi,
            "+CPIN": self.cpin,
            "+CGSN": self.cgsn,
        }

    def cfun(self, command: ATCommand) -> Reply:
        registration = self._module.registration
        match command.kind:
            case CommandKind.READ:
                return ok(f"+CFUN: {int(registration.fun)}")
            case CommandKind.TEST:
                return ok("+CFUN: (0,1,4),(0,1)")
            case CommandKind.WRITE:
                fun = Fun(_one_of(command, 0, (0, 1, 4)))
                if int_arg(command, 1, 0, 1, default=0) == 1:
                    self._module.reboot(fun)
                else:
                    registration.set_fun(fun)
                return ok()
        return error()

    def cereg(self, command: ATCommand) -> Reply:
        return registration_report(self._module, self._module.eps_report, command)

    def cesq(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                radio = self._module.radio
                if not self._module.registration.is_registered:
                    return ok("+CESQ: 99,99,255,255,255,255")
                return ok(f"+CESQ: 99,99,255,255,{rsrq_index(radio.rsrq_db)},{rsrp_index(radio.rsrp_dbm)}")
            case CommandKind.TEST:
                return ok("+CESQ: (99),(99),(255),(255),(0-34,255),(0-97,255)")
        return error()

    def csq(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                if not self._module.registration.is_registered:
                    return ok("+CSQ: 99,99")
                return ok(f"+CSQ: {rssi_index(rssi_dbm(self._module.radio, self._module.cell))},99")
            case CommandKind.TEST:
                return ok("+CSQ: (0-31,99),(0-7,99)")
        return error()

    def cscon(self, command: ATCommand) -> Reply:
        module = self._module
        match command.kind:
            case CommandKind.READ:
                return ok(f"+CSCON: {int(module.is_cscon_urc_on)},{int(module.is_rrc_connected)}")
            case CommandKind.TEST:
                return ok("+CSCON: (0,1)")
            case CommandKind.WRITE:
                module.is_cscon_urc_on = int_arg(command, 0, 0, 1) == 1
                return ok()
        return error()

    def cimi(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                return ok(self._module.sim_identity.imsi)
            case CommandKind.TEST:
                return ok()
        return error()

    def cpin(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                return ok(f"+CPIN: {self._module.sim_lock.state}")
            case CommandKind.TEST:
                return ok()
            case CommandKind.WRITE:
                refusal = self._module.sim_lock.enter(command.args[0] if command.args else "")
                return ok() if refusal is None else refusal
        return error()

    def cgsn(self, command: ATCommand) -> Reply:
        imei = self._module.options.identity.imei
        match command.kind:
            case CommandKind.EXECUTE:
                return ok(imei)
            case CommandKind.TEST:
                return ok("+CGSN: (0-3)")
            case CommandKind.WRITE:
                snt = int_arg(command, 0, 0, 3)
                # <SN> is "determined by the MT manufacturer": the IMEI serves
                values = {0: imei, 1: f"+CGSN: {imei}", 2: f"+CGSN: {imei[:14]}{SVN}", 3: f"+CGSN: {SVN}"}
                return ok(values[snt])
        return error()


def fixed_answer(*lines: str) -> Handler:
    """An execution command that prints fixed lines (identity: 27.007 §5, V.250 ATI); its test form answers
    OK, any other form ERROR ([S5] chapter 2)."""

    def handler(command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                return ok(*lines)
            case CommandKind.TEST:
                return ok()
        return error()

    return handler


# Allowed NSSAI of the +C5GREG location fields: SST 1 (eMBB) with SD 000000, 4 octets, as in the example of
# the RM5xx network application note §3.1.5 (fixtures/at/golden/quectel_redcap/c5greg-registered.log).
ALLOWED_NSSAI = '4,"01.000000"'


def add_nr_report(module: VirtualModule) -> RegistrationReport:
    """+C5GREG (27.007 §10.1.37; cellular-iot.md §1.2): the 5GS registration of an NR module, n 0-3 (n=3
    adds the cause fields while rejected; no PSM timers in +C5GREG)."""
    cell = module.cell

    def location() -> list[str]:
        return [f'"{module.cell.tac}"', f'"{module.cell.cell_id}"', str(module.cell.act), ALLOWED_NSSAI]

    report = RegistrationReport(
        prefix="+C5GREG",
        max_n=3,
        is_in_domain=cell.act == ACT_NR_5GCN,
        location=location,
        reject_cause=lambda: module.registration.cause,
    )
    module.registration.reports.append(report)
    return report


def registration_report(module: VirtualModule, report: RegistrationReport, command: ATCommand) -> Reply:
    """+CEREG / +C5GREG: set <n>, read, test."""
    match command.kind:
        case CommandKind.READ:
            return ok(report.read_line(module.registration.stat))
        case CommandKind.TEST:
            return ok(f"{report.prefix}: (0-{report.max_n})")
        case CommandKind.WRITE:
            report.n = int_arg(command, 0, 0, report.max_n)
            report.due_urc(module.registration.stat, is_cell_change=False)  # what it shows from now on
            return ok()
    return error()


def _one_of(command: ATCommand, index: int, allowed: tuple[int, ...]) -> int:
    value = int_arg(command, index, min(allowed), max(allowed))
    if value not in allowed:
        raise ValueError(f"{command.name} argument {index + 1} must be one of {allowed}")
    return value
