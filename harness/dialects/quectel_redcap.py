"""dialects layer: Quectel 5G modules, RedCap RG255C / RM255C and the RM5xx family (RM500Q, RM502Q,
RM505Q, RM510Q, RM520N, RM530N, and their LGA twins RG50xQ / RG52xN), over the 27.007 baseline.

Sources: RG50xQ&RM5xxQ Series Network Application Note v1.0.0 (2023-10-19) [N] (search index id
58019748591): §3.1.5 +C5GREG, §3.2.1 AT+QNWINFO, §3.2.2 AT+QENG, §3.3.2 AT+QCSQ, each with a maximum
response time of 300 ms; cellular-iot.md §3.3 [S14][S29][S30]; Quectel TCP/IP application notes [S13] for
AT+QPING; a public RG255 driver written from the RG255 RTOS AT manual [R] for RG255's layouts. The RG255C AT
manual itself was not reachable; the RG255C is driven like an RM520N where [R] shows no difference.

What it adds:
- registration on NR: +C5GREG (the 5GS, where RedCap runs in SA) before +CEREG (LTE and EN-DC anchors);
- radio_snapshot() from AT+QENG="servingcell" in SA, LTE and EN-DC form, laid out per firmware (the
  revision from AT+CGMR picks the layout, quectel_redcap_layouts); network_info() (AT+QNWINFO) and
  signal_quality() (AT+QCSQ) as typed readings;
- ping() with AT+QPING (quectel_redcap_ping), the module's own ping: capability PING;
- the host data path: USB network mode (AT+QCFG="usbnet"), the ECM/RNDIS data call (AT+QNETDEVCTL), and
  the host's interface name (quectel_redcap_netdev): capability DATA_INTERFACE;
- SIM slot switching on dual-SIM firmware (AT+QUIMSLOT): capability SIM_SLOTS.
No UDP_SOCKET: the RM520N's AT+QIOPEN socket set is not implemented here (RedCap traffic goes via="host").
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from harness.at import ATCommandError, ATSession, quote_arg
from harness.at.responses import C5greg, Iccid, parse_as
from harness.dialects.modem import DATA_INTERFACE, PING, SIM_SLOTS, PingResult, RadioSnapshot, Registration
from harness.dialects.quectel_redcap_cells import ServingCell, read_serving_cell
from harness.dialects.quectel_redcap_layouts import FirmwareLayout, layout_for
from harness.dialects.quectel_redcap_netdev import (
    DataCall,
    UsbNet,
    check_named_interface,
    find_host_interface,
    read_data_call,
    read_usbnet,
)
from harness.dialects.quectel_redcap_ping import PREFIX as QPING
from harness.dialects.quectel_redcap_ping import PingTally, read_ping_line
from harness.dialects.quectel_redcap_signal import (
    NetworkInfo,
    SignalQuality,
    read_network_info,
    read_signal_quality,
)
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ATTimeout, ModemError, ParseError

# [N] states a maximum response time of 300 ms for +C5GREG, +QNWINFO, +QENG and +QCSQ; SLACK_S is ours, for
# a loaded host and the serial line, so that a slow answer is not taken for a silent module. +QCFG,
# +QNETDEVCTL and +QCCID have no stated maximum in the sources read: the session default applies.
SLACK_S = 2.0
_QUERY_S = 0.3 + SLACK_S
COMMAND_TIMEOUTS_S: Mapping[str, float] = MappingProxyType(
    {
        **Ts27007Modem.command_timeouts_s,
        "+C5GREG": _QUERY_S,
        "+QENG": _QUERY_S,
        "+QNWINFO": _QUERY_S,
        "+QCSQ": _QUERY_S,
        "+QPING=": _QUERY_S,  # until OK; the results come as URCs, waited for by ping()
    }
)
DEFAULT_CID = 1  # RM5xx/RG255 data calls use context 1 by default ([R]; AT+QNETDEVCTL examples [S29])
PING_TIMEOUT_RANGE_S = (1, 255)  # [S13] <timeout>
PING_COUNT_RANGE = (1, 10)  # [S13] <pingnum>
DATA_CALL_TIMEOUT_S = 150.0  # network-bound like AT+QIACT, whose stated maximum is 150 s [S13]
_DATA_CALL_POLL_S = 1.0
_MODELS = re.compile(r"(?<![A-Z0-9])(RG255C|RM255C|RM5\d\d[NQ]|RG5\d\d[NQ])")


def matches(manufacturer: str, model: str) -> bool:
    """True for Quectel RG255C/RM255C (RedCap) and RM5xxQ/N, RG5xxQ/N (+CGMI, +CGMM answers)."""
    return "QUECTEL" in manufacturer.upper() and _MODELS.search(model.upper()) is not None


class QuectelRedcapModem(Ts27007Modem):
    name = "quectel_redcap"
    ready_urc: ClassVar[str | None] = "RDY"  # Quectel modules print RDY once booted, as BC660K does
    command_timeouts_s: ClassVar[Mapping[str, float]] = COMMAND_TIMEOUTS_S
    registration_urcs: ClassVar[tuple[str, ...]] = ("+C5GREG", "+CEREG")

    def __init__(
        self,
        session: ATSession,
        *,
        interface: str | None = None,
        layout: FirmwareLayout | None = None,
        sysfs: Path = Path("/sys"),
    ) -> None:
        """`interface`: the host's data interface when the rig names it; `layout`: forces a firmware layout
        (by default the revision picks it); `sysfs`: where the host's /sys is (tests give a fake tree)."""
        super().__init__(session)
        self._interface = interface
        self._layout = layout
        self._sysfs = sysfs

    @property
    def capabilities(self) -> frozenset[str]:
        return super().capabilities | {PING, DATA_INTERFACE, SIM_SLOTS}

    def iccid(self) -> str | None:
        """AT+QCCID; None when the module gives none (no SIM)."""
        try:
            line = self.send_command("AT+QCCID").first("+QCCID")
        except ATCommandError:
            return None
        return None if line is None else parse_as(line, Iccid, solicited=True).iccid

    @property
    def layout(self) -> FirmwareLayout:
        """The firmware's layout of engineering readings, from AT+CGMR once."""
        if self._layout is None:
            self._layout = layout_for(self._text("AT+CGMR"))
        return self._layout

    # --- registration and radio --------------------------------------------------------------------

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration:
        """As the baseline, with 5GS registration reports on too (+C5GREG=2, [N] §3.1.5)."""
        self.send_command("AT+C5GREG=2")
        return super().attach(apn, timeout_s=timeout_s)

    def registration(self) -> Registration:
        """5GS registration when registered there; else EPS (+CEREG), which covers LTE and EN-DC."""
        nr = self.nr_registration()
        if nr is not None and nr.is_registered:
            return nr
        eps = super().registration()
        return eps if eps.is_registered or nr is None else nr

    def nr_registration(self) -> Registration | None:
        """+C5GREG read form; None when the module refuses AT+C5GREG? (no 5GS support)."""
        try:
            response = self.send_command("AT+C5GREG?")
        except ATCommandError:
            return None
        # A +C5GREG URC crossing the command lands among the response lines (harness.at.urcs): skip it.
        for line in response.matching("+C5GREG"):
            try:
                c5greg = parse_as(line, C5greg, solicited=True)
            except ParseError:
                continue
            return Registration(
                stat=c5greg.stat,
                tac=c5greg.tac,
                ci=c5greg.ci,
                act=c5greg.act,
                cause_type=c5greg.cause_type,
                reject_cause=c5greg.reject_cause,
                domain="5GMM",
            )
        raise ModemError(f"AT+C5GREG? gave no +C5GREG line in read form: {response.lines}")

    def serving_cell(self) -> ServingCell:
        return read_serving_cell(self.send_command('AT+QENG="servingcell"').lines, self.layout)

    def radio_snapshot(self) -> RadioSnapshot:
        return self.serving_cell().snapshot()

    def network_info(self) -> tuple[NetworkInfo, ...]:
        """AT+QNWINFO: one reading per RAT in use (two in EN-DC), none without service."""
        lines = self.send_command("AT+QNWINFO").matching("+QNWINFO")
        return tuple(info for info in map(read_network_info, lines) if info is not None)

    def signal_quality(self) -> SignalQuality:
        line = self.send_command("AT+QCSQ").first("+QCSQ")
        if line is None:
            raise ModemError("AT+QCSQ gave no +QCSQ line")
        return read_signal_quality(line, self.layout)

    # --- ping --------------------------------------------------------------------------------------

    def ping(self, host: str, *, count: int = 4, timeout_s: float = 4.0) -> PingResult:
        """AT+QPING: `count` echo requests, each given `timeout_s` (whole seconds, rounded up)."""
        if not PING_COUNT_RANGE[0] <= count <= PING_COUNT_RANGE[1]:
            low, high = PING_COUNT_RANGE
            raise ValueError(f"AT+QPING sends {low} to {high} echo requests, not {count}")
        low, high = PING_TIMEOUT_RANGE_S
        request_s = min(max(math.ceil(timeout_s), low), high)
        response = self.send_command(f"AT+QPING={DEFAULT_CID},{quote_arg(host)},{request_s},{count}")
        tally = PingTally(host, count)
        for line in response.matching(QPING):  # results that beat OK to the host land among its lines
            tally.add(read_ping_line(line))
        wait_s = count * request_s + SLACK_S
        deadline_s = time.monotonic() + wait_s
        while not tally.is_done:
            left_s = max(deadline_s - time.monotonic(), 0.0)
            try:
                urc = self.session.wait_for_urc(QPING, timeout_s=left_s, since_s=response.started_s)
            except ATTimeout as error:
                raise ModemError(f"AT+QPING to {host} did not finish within {wait_s:g} s") from error
            tally.add(read_ping_line(urc.line))
        return tally.result()

    # --- host data path ----------------------------------------------------------------------------

    def select_sim_slot(self, slot: int) -> None:
        """AT+QUIMSLOT on dual-SIM firmware (RM520N-GL: `AT+QUIMSLOT=?` -> `+QUIMSLOT: (1,2)`, read form
        `+QUIMSLOT: <slot>`). The switch is made with the radio off and confirmed by reading it back, as
        public RM520N-GL field notes do it (CFUN=0, QUIMSLOT=<n>, CFUN=1)."""
        slots = self._sim_slots()
        if slot not in slots:
            raise ModemError(f"SIM slot {slot} does not exist on this module (it has {sorted(slots)})")
        if self._active_sim_slot() == slot:
            return
        self.set_radio(False)
        self.send_command(f"AT+QUIMSLOT={int(slot)}")
        self.set_radio(True)
        active = self._active_sim_slot()
        if active != slot:
            raise ModemError(f"AT+QUIMSLOT={slot} answered OK, but slot {active} is active")

    def _sim_slots(self) -> frozenset[int]:
        try:
            line = self.send_command("AT+QUIMSLOT=?").first("+QUIMSLOT")
        except ATCommandError as error:
            raise ModemError(f"this module has one SIM slot (AT+QUIMSLOT=? answered {error.final})") from None
        found = frozenset(int(n) for n in re.findall(r"\d+", line or ""))
        if not found:
            raise ModemError(f"AT+QUIMSLOT=? listed no slots: {line!r}")
        return found

    def _active_sim_slot(self) -> int:
        line = self.send_command("AT+QUIMSLOT?").first("+QUIMSLOT")
        digits = re.findall(r"\d+", line or "")
        if len(digits) != 1:
            raise ModemError(f"AT+QUIMSLOT? named no single slot: {line!r}")
        return int(digits[0])

    def usbnet_mode(self) -> UsbNet:
        line = self.send_command('AT+QCFG="usbnet"').first("+QCFG")
        if line is None:
            raise ModemError('AT+QCFG="usbnet" gave no +QCFG line')
        return read_usbnet(line)

    def set_usbnet_mode(self, mode: UsbNet) -> bool:
        """Select the USB network mode; True when it changed, which takes effect after a reboot."""
        if self.usbnet_mode() is mode:
            return False
        self.send_command(f'AT+QCFG="usbnet",{int(mode)}')
        return True

    def data_call(self, cid: int = DEFAULT_CID) -> DataCall | None:
        """The ECM/RNDIS data call of context `cid` (AT+QNETDEVCTL?), None when the module lists none."""
        calls = [read_data_call(line) for line in self.send_command("AT+QNETDEVCTL?").matching("+QNETDEVCTL")]
        return next((call for call in calls if call.cid == cid), None)

    def connect_data(self, cid: int = DEFAULT_CID, *, timeout_s: float = DATA_CALL_TIMEOUT_S) -> DataCall:
        """Start the data call on the ECM/RNDIS interface (reconnecting automatically) and wait until the
        module reports it connected."""
        mode = self.usbnet_mode()
        if not mode.is_module_dialled:
            raise ModemError(
                f"USB network mode {mode.name}: the host runs the data call ({mode.host_driver}; quectel-CM, "
                "ModemManager or mbimcli), AT+QNETDEVCTL does not apply"
            )
        self.send_command(f"AT+QNETDEVCTL=3,{int(cid)},1")
        deadline_s = time.monotonic() + timeout_s
        while True:
            call = self.data_call(cid)
            if call is not None and call.is_connected:
                return call
            if time.monotonic() >= deadline_s:
                raise ModemError(f"data call on context {cid} not connected within {timeout_s:g} s: {call}")
            time.sleep(min(_DATA_CALL_POLL_S, max(deadline_s - time.monotonic(), 0.0)))

    def disconnect_data(self, cid: int = DEFAULT_CID) -> None:
        self.send_command(f"AT+QNETDEVCTL=0,{int(cid)},0")

    def data_interface(self) -> str | None:
        if self._interface is not None:
            return check_named_interface(self._interface, self._sysfs)
        mode = self.usbnet_mode()
        return find_host_interface(mode=mode, port_name=self.session.port_name, sysfs=self._sysfs)


MODEM = QuectelRedcapModem
