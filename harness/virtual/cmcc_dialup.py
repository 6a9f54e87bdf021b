"""virtual layer: the ECM/RNDIS dial-up of a China Mobile OneMO ML307R as a virtual module answers it, the
data call behind its host data interface (harness.virtual.data_call, host_data_path).

Syntax from a secondary source (cellular-iot.md §3.4 [S11], "verify"): `AT+MDIALUP=<cid>,1` dials and the
module reports `+MDIALUP: <cid>,1,<ip>` once the call is up. Judgement where that source says nothing:
`AT+MDIALUP=<cid>,0` hangs up, and `+MDIALUP: <cid>,0` reports a call that went down (hung up, registration
lost, reset); the call is dialled once (a lost registration ends it); <cid> is one of the module's PDP
contexts 1-15; the <ip> is the host interface's address (the module's own address without one). The
harness's cmcc_cat1 dialect dials with the same syntax (harness.dialects.cmcc_cat1_dialup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.data_call import DataCall

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

HANG_UP, DIAL = 0, 1
CIDS = range(1, 16)


class CmccDialup:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self._cid = CIDS.start
        self.data_call = DataCall(module, on_change=self._report)

    def table(self) -> dict[str, Handler]:
        return {"+MDIALUP": self.mdialup}

    def mdialup(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok(f"+MDIALUP: ({CIDS.start}-{CIDS.stop - 1}),({HANG_UP},{DIAL})")
        if command.kind is not CommandKind.WRITE:
            return error()
        cid = int_arg(command, 0, CIDS.start, CIDS.stop - 1)
        op = int_arg(command, 1, HANG_UP, DIAL)
        self._cid = cid
        if op == DIAL:
            self.data_call.dial(is_auto=False)
        else:
            self.data_call.hang_up()
        return ok()

    def _report(self, is_up: bool) -> None:
        if not is_up:
            self._module.front.emit_urc(f"+MDIALUP: {self._cid},0")
            return
        interface = self._module.data_interface
        address = self._module.options.ip_address if interface is None else interface.host_address
        self._module.front.emit_urc(f"+MDIALUP: {self._cid},1,{address}")
