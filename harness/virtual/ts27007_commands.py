"""virtual layer: 3GPP TS 27.007 commands as a virtual module answers them, shared by every model.

Syntax and layouts as the BC660K AT manual [S5] documents the standard commands (chapters 2, 4, 8, 9;
../shared/reference/cellular-iot.md §1): +CFUN, +CEREG, +CESQ, +CSQ, +CGPADDR, +CSCON, +CGATT, +COPS (read
and modes 0/2), +CIMI, +CPIN, +CGSN. A model replaces an entry where its firmware differs.
Radio answers (+CESQ, +CSQ) say "not known" (99/255) while the module is not registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.radio import rsrp_index, rsrq_index, rssi_index
from harness.virtual.registration import Fun

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

OPERATION_NOT_ALLOWED = 3
OPERATION_NOT_SUPPORTED = 4
SVN = "01"  # judgement: software version number in the IMEISV


class Ts27007Commands:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module

    def table(self) -> dict[str, Handler]:
        return {
            "+CFUN": self.cfun,
            "+CEREG": self.cereg,
            "+CESQ": self.cesq,
            "+CSQ": self.csq,
            "+CGPADDR": self.cgpaddr,
            "+CSCON": self.cscon,
            "+CGATT": self.cgatt,
            "+COPS": self.cops,
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
        registration = self._module.registration
        match command.kind:
            case CommandKind.READ:
                return ok(registration.read_line())
            case CommandKind.TEST:
                return ok("+CEREG: (0-5)")
            case CommandKind.WRITE:
                registration.n = int_arg(command, 0, 0, 5)
                return ok()
        return error()

    def cesq(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                radio = self._module.options.radio
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
                return ok(f"+CSQ: {rssi_index(self._module.options.radio.rssi_dbm)},99")
            case CommandKind.TEST:
                return ok("+CSQ: (0-31,99),(0-7,99)")
        return error()

    def cgpaddr(self, command: ATCommand) -> Reply:
        # cid 0 is the initial (attach) context, defined at startup ([S5] §4.3): the only one here
        match command.kind:
            case CommandKind.EXECUTE | CommandKind.READ:
                return ok(self._address_line())
            case CommandKind.WRITE:
                _one_of(command, 0, (0,))
                return ok(self._address_line())
            case CommandKind.TEST:
                return ok("+CGPADDR: (0)")

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

    def cgatt(self, command: ATCommand) -> Reply:
        registration = self._module.registration
        match command.kind:
            case CommandKind.READ:
                return ok(f"+CGATT: {int(registration.is_registered)}")
            case CommandKind.TEST:
                return ok("+CGATT: (0,1)")
            case CommandKind.WRITE:
                return self._attach(int_arg(command, 0, 0, 1) == 1)
        return error()

    def cops(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                if not self._module.registration.is_registered:
                    return ok("+COPS: 0")
                cell = self._module.cell
                return ok(f'+COPS: 0,2,"{cell.plmn}",{cell.act}')
            case CommandKind.WRITE:
                # modes 1, 3, 4 (manual selection, format) are not modelled: a single cell, one PLMN
                mode = int_arg(command, 0, 0, 4)
                if mode not in (0, 2):
                    return cme_error(OPERATION_NOT_SUPPORTED)
                return self._attach(mode == 0)
        return error()

    def cimi(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                return ok(self._module.options.identity.imsi)
            case CommandKind.TEST:
                return ok()
        return error()

    def cpin(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                return ok("+CPIN: READY")
            case CommandKind.TEST:
                return ok()
            case CommandKind.WRITE:
                return cme_error(OPERATION_NOT_ALLOWED)  # no PIN is pending ([S5] §8.6)
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

    def _attach(self, is_attach: bool) -> Reply:
        registration = self._module.registration
        if registration.fun is not Fun.FULL:
            return cme_error(OPERATION_NOT_ALLOWED)
        if is_attach:
            registration.attach()
        else:
            registration.detach()
        return ok()

    def _address_line(self) -> str:
        if not self._module.registration.is_registered:
            return "+CGPADDR: 0"
        return f'+CGPADDR: 0,"{self._module.options.ip_address}"'


def _one_of(command: ATCommand, index: int, allowed: tuple[int, ...]) -> int:
    value = int_arg(command, index, min(allowed), max(allowed))
    if value not in allowed:
        raise ValueError(f"{command.name} argument {index + 1} must be one of {allowed}")
    return value
