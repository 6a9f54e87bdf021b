"""virtual layer: the host data path and SIM slots of a Quectel RG255C as a virtual module answers them
(harness.dialects.quectel_redcap_netdev and quectel_redcap read them; cellular-iot.md §3.3 [S29]):

  AT+QCFG="usbnet"[,<n>]   +QCFG: "usbnet",<n>: 1 ECM, 2 MBIM, 3 RNDIS (RG255 offers 1-3 per the public
                           RG255 driver [R]); a new value is kept in NVRAM and shows at once, the USB function
                           follows it after a reboot. Power-on value: the model option `usbnet`.
  AT+QNETDEVCTL=<op>,<cid>[,<urc_en>]   the ECM/RNDIS data call: op 1 connect once, 3 connect and reconnect
                           automatically, 0 disconnect; cid 1-11. Read:
                           +QNETDEVCTL: <op>,<cid>,<urc_en>,<state> (state 1 = connected), nothing
                           before a call was configured. With MBIM active the host runs the call:
                           +CME ERROR: 3. The call (harness.virtual.data_call) comes up DATA_CALL_S after
                           the command (or the registration it waits for) and goes down with the
                           registration; op 3 brings it back. The URC of urc_en=1 is not sent: no source
                           read shows its layout.
  AT+QUIMSLOT[=<n>|?]      dual-SIM firmware (model option `sim_slots` 2): test +QUIMSLOT: (1,2), read
                           +QUIMSLOT: <n>; a new slot at CFUN=1 is a SIM change: deregistered, then an attach
                           with the other SIM (on its home network); the slot outlives a reset (both
                           judgement). The cards: harness.virtual.sim_slots (`sim2.*` options, an empty slot
                           answers +CME ERROR: 10). Single-SIM firmware answers ERROR
                           (fixtures/at/golden/quectel_redcap/sim-slot-*.log).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.data_call import DataCall
from harness.virtual.model_spec import int_setting
from harness.virtual.sim_slots import first_card, insert_card, issue_uicc, second_card

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

OPERATION_NOT_ALLOWED = 3
ECM, MBIM, RNDIS = 1, 2, 3
DISCONNECT, CONNECT_ONCE, CONNECT_AUTO = 0, 1, 3
CIDS = range(1, 12)


class QuectelNetdev:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self.usbnet_saved = int_setting(module.options.settings, "usbnet")
        self.usbnet_active = self.usbnet_saved
        self.sim_slots = int_setting(module.options.settings, "sim_slots")
        self.sim_slot = 1
        self.cards = {1: first_card(module.options), 2: second_card(module.options)}
        second = self.cards[2]
        self.uiccs = {1: module.uicc, 2: None if second is None else issue_uicc(second, tac=module.cell.tac)}
        self._call: tuple[int, int, int] | None = None  # (op, cid, urc_en) as last written
        self.data_call = DataCall(module)
        module.reboot_watchers.append(self._reboot)

    def table(self) -> dict[str, Handler]:
        return {"+QCFG": self.qcfg, "+QNETDEVCTL": self.qnetdevctl, "+QUIMSLOT": self.quimslot}

    def qcfg(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.WRITE or command.args[:1] != ("usbnet",):
            return error()  # other +QCFG functions are not modelled
        if len(command.args) == 1:
            return ok(f'+QCFG: "usbnet",{self.usbnet_saved}')
        self.usbnet_saved = int_arg(command, 1, ECM, RNDIS)
        return ok()

    def qnetdevctl(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                if self._call is None:
                    return ok()
                op, cid, urc_en = self._call
                op = op if self.data_call.is_wanted else DISCONNECT  # a call dialled once is over
                return ok(f"+QNETDEVCTL: {op},{cid},{urc_en},{int(self.data_call.is_up)}")
            case CommandKind.TEST:
                return ok(f"+QNETDEVCTL: (0,1,3),({CIDS.start}-{CIDS.stop - 1}),(0,1)")
            case CommandKind.WRITE:
                op = int_arg(command, 0, DISCONNECT, CONNECT_AUTO)
                if op not in (DISCONNECT, CONNECT_ONCE, CONNECT_AUTO):
                    raise ValueError(f"AT+QNETDEVCTL op {op}")
                cid = int_arg(command, 1, CIDS.start, CIDS.stop - 1)
                urc_en = int_arg(command, 2, 0, 1, default=0)
                if self.usbnet_active == MBIM:
                    return cme_error(OPERATION_NOT_ALLOWED)
                self._call = (op, cid, urc_en)
                if op == DISCONNECT:
                    self.data_call.hang_up()
                else:
                    self.data_call.dial(is_auto=op == CONNECT_AUTO)
                return ok()
        return error()

    def quimslot(self, command: ATCommand) -> Reply:
        if self.sim_slots < 2:
            return error()
        match command.kind:
            case CommandKind.READ:
                return ok(f"+QUIMSLOT: {self.sim_slot}")
            case CommandKind.TEST:
                return ok(f"+QUIMSLOT: ({','.join(str(slot) for slot in range(1, self.sim_slots + 1))})")
            case CommandKind.WRITE:
                slot = int_arg(command, 0, 1, self.sim_slots)
                if slot != self.sim_slot:
                    self._switch_sim(slot)
                return ok()
        return error()

    def _switch_sim(self, slot: int) -> None:
        self.sim_slot = slot
        insert_card(self._module, self.cards[slot], self.uiccs[slot])

    def _reboot(self) -> None:
        self.usbnet_active = self.usbnet_saved
        if self._call is not None and self._call[0] == CONNECT_ONCE:
            self._call = None
