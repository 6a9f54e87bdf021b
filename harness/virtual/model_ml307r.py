"""virtual layer: model `ml307r`, a China Mobile OneMO ML307R-like LTE Cat-1 module (`virtual://ml307r`).

What harness.dialects.cmcc_cat1 sends, from the OneMO manuals (cellular-iot.md §3.4 [S11]): the extended AT
manual "4G系列" V1.7.4 (search index id 58854057303) for +MATREADY at boot (§3.1), ATI and +CGMR (§4.1,
§4.2; +CGMI "CMCC", +CGMM the model), AT+MCCID (§4.6) and AT+MUESTATS (§4.5); the TCP/IP AT manual V5.1.5
(58929532626) for the sockets (cmcc_sockets) and AT+MPING (§3.18):
  AT+MUESTATS="radio"  +MUESTATS: "radio",4,<rsrp>,<rssi>,,,,<cellid>,,<sinr>,<earfcn>,<pci>,<rsrq>: tenths
                       of dBm / dB; the ML307R leaves <tx_power>, <tx_time>, <rx_time> and <last_ecl> empty
                       (footnotes 11-15); not camped: the invalid values -32768, FFFFFFFF, -1, 65535
  AT+MUESTATS="cell"   +MUESTATS: "scell",4,<mcc>,<mnc>,<earfcn>,,<pci>,<rsrp>,<rsrq>,<rssi>,<sinr> (no
                       offset, no bandwidth on ML307R); only OK when not camped
  AT+MUESTATS="sband"  +MUESTATS: "sband",<band>; +CME ERROR: 3 when not camped (judgement: the manual names
                       no code). AT+MUESTATS without <type> is not supported on ML307R (footnote 6): ERROR.
  AT+MPING="<host>"[,<timeout 1-60, 10>[,<num 1-65535, 4>[,<len 1-1400, 16>[,<cid>]]]]  OK, then per
                       request +MPING: 0,"<ip>",<len>,<time>,<ttl> or +MPING: 4 (timed out), then, when
                       <num> > 1, +MPING: "statistics",<sent>,<lost>,<min>,<max>,<avg> (0s when all were
                       lost: judgement). A name is +MPING: 1 (the module resolves none), a ping running
                       already +CME ERROR: 582, no registration +CME ERROR: 570, an address outside the
                       network rule +CME ERROR: 580 (§5). Timed through the link (module_ping).
  AT+MDIALUP           the ECM/RNDIS dial-up (cmcc_dialup); with the URL options `datapath`, `data_slot`
                       and `queue_ms` a host data interface (host_data_path) whose carrier follows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.address_policy import is_allowed_address, parse_ipv4
from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.cmcc_dialup import CmccDialup
from harness.virtual.cmcc_sockets import CmccSockets
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.host_data_path import DATA_PATH_OPTIONS, start_host_data_path
from harness.virtual.model_spec import ModelSpec, fixed_profile
from harness.virtual.module_ping import PingReply, PingRun
from harness.virtual.radio import rssi_dbm
from harness.virtual.ts27007_commands import fixed_answer, standard_table

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

MANUFACTURER = "CMCC"
MODEL_NAME = "ML307R-DC"
REVISION = "ML307R-DC-MBRH0S01"
RAT_LTE = 4  # +MUESTATS <rat>
OPERATION_NOT_ALLOWED = 3
PDP_NOT_ACTIVE, DNS_FAILED, PING_BUSY = 570, 580, 582
PING_DNS_FAILED, PING_TIMED_OUT = 1, 4
NOT_CAMPED = '"radio",4,-32768,-32768,,,,FFFFFFFF,,-32768,-1,65535,-32768'

MODEL = ModelSpec(
    profile_for=fixed_profile("cat1"),
    ready_urc="+MATREADY",
    attach_cid=1,
    max_sockets=6,
    options=DATA_PATH_OPTIONS,
)


def build_commands(module: VirtualModule) -> dict[str, Handler]:
    model = Ml307rCommands(module)
    start_host_data_path(module)
    return {
        **standard_table(module),
        **CmccSockets(module).table(),
        **CmccDialup(module).table(),
        "I": fixed_answer(MANUFACTURER, MODEL_NAME, REVISION),
        "+CGMI": fixed_answer(MANUFACTURER),
        "+CGMM": fixed_answer(MODEL_NAME),
        "+CGMR": fixed_answer(REVISION),
        "+MCCID": lambda command: fixed_answer(f"+MCCID: {module.sim_identity.iccid}")(command),
        "+MUESTATS": model.muestats,
        "+MPING": model.mping,
    }


class Ml307rCommands:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self._ping: PingRun | None = None
        module.reboot_watchers.append(self._stop_ping)

    def muestats(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok('+MUESTATS: ("radio","cell","sband")')
        if command.kind is not CommandKind.WRITE:
            return error()
        kind = command.args[0]
        is_camped = self._module.registration.is_registered
        cell, radio = self._module.cell, self._module.radio
        rsrp, rsrq, sinr = (round(value * 10) for value in (radio.rsrp_dbm, radio.rsrq_db, radio.sinr_db))
        rssi = round(rssi_dbm(radio, cell) * 10)
        match kind:
            case "radio" if is_camped:
                fields = f"{rsrp},{rssi},,,,{cell.cell_id},,{sinr},{cell.earfcn},{cell.pci},{rsrq}"
                return ok(f'+MUESTATS: "radio",{RAT_LTE},{fields}')
            case "radio":
                return ok(f"+MUESTATS: {NOT_CAMPED}")
            case "cell" if is_camped:
                fields = f"{cell.mcc},{cell.mnc},{cell.earfcn},,{cell.pci},{rsrp},{rsrq},{rssi},{sinr}"
                return ok(f'+MUESTATS: "scell",{RAT_LTE},{fields}')
            case "cell":
                return ok()
            case "sband" if is_camped:
                return ok(f'+MUESTATS: "sband",{cell.band}')
            case "sband":
                return cme_error(OPERATION_NOT_ALLOWED)
        return error()

    def mping(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            return ok("+MPING: ,(1-60),(1-65535),(1-1400)")
        if command.kind is not CommandKind.WRITE:
            return error()
        host = command.args[0]
        timeout_s = int_arg(command, 1, 1, 60, default=10)
        count = int_arg(command, 2, 1, 65535, default=4)
        size_bytes = int_arg(command, 3, 1, 1400, default=16)
        if self._ping is not None and self._ping.is_running:
            return cme_error(PING_BUSY)
        if not self._module.registration.is_registered:
            return cme_error(PDP_NOT_ACTIVE)
        if parse_ipv4(host) is None:
            self._module.front.emit_urc(f"+MPING: {PING_DNS_FAILED}")
            return ok()
        if not is_allowed_address(host):
            return cme_error(DNS_FAILED)
        self._ping = PingRun(
            self._module,
            host=host,
            count=count,
            timeout_s=timeout_s,
            size_bytes=size_bytes,
            on_reply=self._reply,
            on_done=self._statistics if count > 1 else _nothing,
        )
        return ok()

    def _reply(self, reply: PingReply) -> None:
        if reply.rtt_ms is None:
            line = f"+MPING: {PING_TIMED_OUT}"
        else:
            line = f'+MPING: 0,"{reply.host}",{reply.size_bytes},{reply.rtt_ms},{reply.ttl}'
        self._module.front.emit_urc(line)

    def _statistics(self, replies: list[PingReply]) -> None:
        rtts = [reply.rtt_ms for reply in replies if reply.rtt_ms is not None]
        lost = len(replies) - len(rtts)
        low, high, average = (min(rtts), max(rtts), round(sum(rtts) / len(rtts))) if rtts else (0, 0, 0)
        self._module.front.emit_urc(f'+MPING: "statistics",{len(replies)},{lost},{low},{high},{average}')

    def _stop_ping(self) -> None:
        if self._ping is not None:
            self._ping.stop()
            self._ping = None


def _nothing(replies: list[PingReply]) -> None:
    del replies
