"""virtual layer: 3GPP TS 27.007 network access and packet domain commands as a virtual module answers them:
+COPS (§7.3), +CGATT (§10.1.9), +CGDCONT (§10.1.1), +CGPADDR (§10.1.14).

Syntax and refusals as the BC660K AT manual [S5] documents them (§4.3, §4.4, §5.4, §7.2; cellular-iot.md
§1.4). +COPS: the only PLMN found is the serving one (the test PLMN 001/01, or 001/02 when the network says
the module roams), so a manual selection of any other answers +CME ERROR: 30 (no network service, 27.007
§9.2); mode 2 deregisters and keeps the module off the network until mode 0 or 1; mode 3 only sets the
format of <oper>; +COPS=? lists the serving PLMN as current. Names are ours. Commands that need the radio
answer +CME ERROR: 3 (operation not allowed) outside CFUN=1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.registration import CopsMode, Fun

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

OPERATION_NOT_ALLOWED = 3
NO_NETWORK_SERVICE = 30
FORMAT_LONG, FORMAT_SHORT, FORMAT_NUMERIC = 0, 1, 2
STAT_CURRENT = 2  # +COPS=? <stat>: the operator the module is registered on


class PacketDomainCommands:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self._cops_format = FORMAT_NUMERIC

    def table(self) -> dict[str, Handler]:
        return {"+COPS": self.cops, "+CGATT": self.cgatt, "+CGDCONT": self.cgdcont, "+CGPADDR": self.cgpaddr}

    def cops(self, command: ATCommand) -> Reply:
        registration = self._module.registration
        match command.kind:
            case CommandKind.READ:
                if not registration.is_registered:
                    return ok(f"+COPS: {int(registration.cops_mode)}")
                cell = self._module.cell
                oper = self._operator_name(self._cops_format)
                return ok(f'+COPS: {int(registration.cops_mode)},{self._cops_format},"{oper}",{cell.act}')
            case CommandKind.TEST:
                if registration.fun is not Fun.FULL:
                    return cme_error(OPERATION_NOT_ALLOWED)
                names = [f'"{self._operator_name(f)}"' for f in (FORMAT_LONG, FORMAT_SHORT, FORMAT_NUMERIC)]
                found = f"({STAT_CURRENT},{','.join(names)},{self._module.cell.act})"
                return ok(f"+COPS: {found},,(0-4),(0-2)")
            case CommandKind.WRITE:
                return self._select(command)
        return error()

    def cgatt(self, command: ATCommand) -> Reply:
        registration = self._module.registration
        match command.kind:
            case CommandKind.READ:
                return ok(f"+CGATT: {int(registration.is_registered)}")
            case CommandKind.TEST:
                return ok("+CGATT: (0,1)")
            case CommandKind.WRITE:
                is_attach = int_arg(command, 0, 0, 1) == 1
                if registration.fun is not Fun.FULL:
                    return cme_error(OPERATION_NOT_ALLOWED)
                if is_attach:
                    # judgement: a PS attach asks for a registration again, as automatic selection would
                    if registration.cops_mode is CopsMode.DEREGISTER:
                        registration.cops_mode = CopsMode.AUTOMATIC
                    registration.attach()
                else:
                    registration.detach()
                return ok()
        return error()

    def cgdcont(self, command: ATCommand) -> Reply:
        pdp = self._module.pdp
        match command.kind:
            case CommandKind.READ:
                return ok(*(self._context_line(context.cid) for context in pdp.all()))
            case CommandKind.TEST:
                cids = f"({pdp.cids.start}-{pdp.cids.stop - 1})"
                return ok(f'+CGDCONT: {cids},("IP","IPV6","IPV4V6","Non-IP"),,,(0),(0)')
            case CommandKind.WRITE:
                cid = int_arg(command, 0, pdp.cids.start, pdp.cids.stop - 1)
                if len(command.args) == 1:
                    try:
                        pdp.undefine(cid)
                    except ValueError:
                        return cme_error(OPERATION_NOT_ALLOWED)
                    return ok()
                pdp.define(cid, command.args[1], command.args[2] if len(command.args) > 2 else "")
                return ok()
        return error()

    def cgpaddr(self, command: ATCommand) -> Reply:
        cid = self._module.pdp.attach_cid
        match command.kind:
            case CommandKind.EXECUTE | CommandKind.READ:
                return ok(self._address_line())
            case CommandKind.WRITE:
                int_arg(command, 0, cid, cid)
                return ok(self._address_line())
            case CommandKind.TEST:
                return ok(f"+CGPADDR: ({cid})")

    def _select(self, command: ATCommand) -> Reply:
        registration = self._module.registration
        mode = CopsMode(int_arg(command, 0, 0, 4))
        if mode is CopsMode.SET_FORMAT:
            self._cops_format = int_arg(command, 1, 0, 2)
            return ok()
        if registration.fun is not Fun.FULL:
            return cme_error(OPERATION_NOT_ALLOWED)
        if len(command.args) > 1:
            self._cops_format = int_arg(command, 1, 0, 2)
        if mode in (CopsMode.MANUAL, CopsMode.MANUAL_AUTOMATIC):
            wanted = command.args[2] if len(command.args) > 2 else ""
            is_found = wanted in (self._operator_name(f) for f in (FORMAT_LONG, FORMAT_SHORT, FORMAT_NUMERIC))
            if not is_found and mode is CopsMode.MANUAL:
                return cme_error(NO_NETWORK_SERVICE)
            mode = CopsMode.MANUAL if is_found else CopsMode.AUTOMATIC
        registration.cops_mode = mode
        if mode is CopsMode.DEREGISTER:
            registration.detach()
        else:
            registration.attach()
        return ok()

    def _operator_name(self, oper_format: int) -> str:
        plmn = self._module.cell.plmn
        return {FORMAT_LONG: f"TEST {plmn[:3]}-{plmn[3:]}", FORMAT_SHORT: "TEST", FORMAT_NUMERIC: plmn}[
            oper_format
        ]

    def _context_line(self, cid: int) -> str:
        context = next(c for c in self._module.pdp.all() if c.cid == cid)
        is_active = cid == self._module.pdp.attach_cid and self._module.registration.is_registered
        address = self._module.options.ip_address if is_active else "0.0.0.0"
        return f'+CGDCONT: {cid},"{context.pdp_type}","{context.apn}","{address}",0,0'

    def _address_line(self) -> str:
        cid = self._module.pdp.attach_cid
        if not self._module.registration.is_registered:
            return f"+CGPADDR: {cid}"
        return f'+CGPADDR: {cid},"{self._module.options.ip_address}"'
