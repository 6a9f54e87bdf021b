"""virtual layer: the engineering commands of a Quectel RG255C (5G RedCap, NR SA) as a virtual module answers
them, laid out as harness.dialects.quectel_redcap reads them.

Sources: RG50xQ&RM5xxQ Series Network Application Note v1.0.0 [N] §3.2.1 AT+QNWINFO, §3.2.2 AT+QENG,
§3.3.2 AT+QCSQ (search index id 58019748591); cellular-iot.md §3.3 [S14][S30]; the RG255 layout of a public
RG255 driver written from the RG255 RTOS AT manual [R] (fixtures/at/golden/quectel_redcap/rg255c-qeng-*.log):
  AT+QENG="servingcell"  +QENG: "servingcell",<state>,"NR5G-SA",<duplex>,<MCC>,<MNC>,<cellID>,<PCID>,<TAC>,
                         <ARFCN>,<band>,<NR_DL_bandwidth MHz>,<RSRP>,<RSRQ>,<SINR>,-,-,-
                         <state> NOCONN (registered, idle) or CONNECT; +QENG: "servingcell","SEARCH" while
                         not registered. [R] shows three fields after <SINR> without naming them: sent as "-"
                         (invalid now, [N]'s convention), since their meaning is not known.
  AT+QNWINFO             +QNWINFO: "TDD NR5G","<MCC><MNC>","NR5G BAND <n>",<ARFCN>, or +QNWINFO: No Service
  AT+QCSQ                +QCSQ: "NR5G",<RSRP>,<SINR>,<RSRQ> (dBm / dB), or +QCSQ: "NOSERVICE"
Values are whole dBm / dB, as every example prints them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, error, ok
from harness.virtual.command_line import ATCommand, CommandKind

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

UNNAMED_TAIL = ("-", "-", "-")


class QuectelRedcapCommands:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module

    def table(self) -> dict[str, Handler]:
        return {"+QENG": self.qeng, "+QNWINFO": self.qnwinfo, "+QCSQ": self.qcsq}

    def qeng(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok('+QENG: ("servingcell","neighbourcell")')
        if command.kind is not CommandKind.WRITE or command.args[:1] != ("servingcell",):
            return error()
        module = self._module
        if not module.registration.is_registered:
            return ok('+QENG: "servingcell","SEARCH"')
        cell, radio = module.cell, module.radio
        state = "CONNECT" if module.is_rrc_connected else "NOCONN"
        fields = (
            '"servingcell"', f'"{state}"', '"NR5G-SA"', f'"{cell.duplex}"', cell.mcc, cell.mnc, cell.cell_id,
            cell.pci, cell.tac, cell.earfcn, cell.band, round(cell.bandwidth_mhz),
            round(radio.rsrp_dbm), round(radio.rsrq_db), round(radio.sinr_db), *UNNAMED_TAIL,
        )  # fmt: skip
        return ok("+QENG: " + ",".join(str(field) for field in fields))

    def qnwinfo(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok()
        if command.kind is not CommandKind.EXECUTE:
            return error()
        if not self._module.registration.is_registered:
            return ok("+QNWINFO: No Service")
        cell = self._module.cell
        return ok(f'+QNWINFO: "{cell.duplex} NR5G","{cell.plmn}","NR5G BAND {cell.band}",{cell.earfcn}')

    def qcsq(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok('+QCSQ: ("NOSERVICE","NR5G")')
        if command.kind is not CommandKind.EXECUTE:
            return error()
        if not self._module.registration.is_registered:
            return ok('+QCSQ: "NOSERVICE"')
        radio = self._module.radio
        return ok(f'+QCSQ: "NR5G",{round(radio.rsrp_dbm)},{round(radio.sinr_db)},{round(radio.rsrq_db)}')
