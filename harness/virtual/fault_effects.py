"""virtual layer: what each fault of harness.virtual.faults does to a running virtual module, switched on
(`start`) and, for the lasting ones, off again (`stop`); when and for how long is fault_injector's.

  no_response        the UART is mute (uart): nothing in, nothing out
  slow_response      the UART writes delay_s late, in order
  garbage            the UART puts noise in front of frames
  urc_storm          the URC `line` (default: the registration report's own, +CEREG or +C5GREG with the
                     current <stat>, so the storm never says anything false) rate_hz times a second
  reboot             VirtualModule.reboot into CFUN 1, the power-on state: the model's ready URC (RDY,
                     +MATREADY; none on generic) BOOT_S later, sockets and volatile settings gone
  port_vanish        the USB port goes away (usb_port); with reboot=1 the module resets too, as a module does
                     that drops off the bus; it is back reappear_s later (or when cleared), under a new path
  registration_lost  the network drops the module and keeps it out: <stat> 2 (searching) or 0; sockets end
                     (+QIURC: "closed", +MIPURC: "disconn",<id>,3) as on any deregistration
  sim_removed        no SIM: SIM commands answer +CME ERROR: 10 ("SIM not inserted", 27.007 §9.2, the BC660K
                     manual's Table 5 [S5]; +CPIN? so answered, cellular-iot.md §1.6 [S5][S31]), the module
                     deregisters (<stat> 0) and does not search. No model prints a URC for it: the reference
                     names none for BC660K, ML307R or RG255C (judgement: Quectel's LTE parts report a pulled
                     card only with hot-plug detection switched on, AT+QSIMDET, which is off by default)
  socket_closed      the network ends socket connect_id (every open one when not given): +QIURC: "closed"
                     on Quectel models, +MIPURC: "disconn",<id>,2 on ML307R (cmcc_sockets)
  wake_loss          whenever the module enters PSM its UART falls asleep: the first line (or byte) the host
                     sends then is lost (at_front.sleep), on any model; it wakes by itself when the module
                     leaves PSM on its own (a periodic TAU)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from harness.virtual.at_front import Reply, cme_error
from harness.virtual.command_line import ATCommand, CommandKind
from harness.virtual.event_loop import Timer
from harness.virtual.faults import Fault, FaultKind
from harness.virtual.registration import Fun, RegStat
from harness.virtual.uart import Noise, Uart
from harness.virtual.udp_sockets import CloseCause
from harness.virtual.usb_port import UsbPort

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

SIM_NOT_INSERTED = 10  # +CME ERROR code, 27.007 §9.2 [S5 Table 5]
# Commands that need the card: PIN (+CPIN, +CLCK, +CPWD), IMSI, ICCID (each vendor's), SIM access.
SIM_COMMANDS = frozenset({"+CPIN", "+CLCK", "+CPWD", "+CIMI", "+QCCID", "+MCCID", "+NCCID", "+CRSM", "+CSIM"})
# A storm is written in batches at most this often, so a high rate_hz costs no more timers than this.
STORM_TICK_S = 0.01


class FaultEffects:
    """Switches the faults of one module on and off, one of each kind at a time (fault_injector sees to
    that)."""

    def __init__(self, *, module: VirtualModule, uart: Uart, port: UsbPort) -> None:
        self._module = module
        self._uart = uart
        self._port = port
        self._storm_timer: Timer | None = None
        self._wake_loss: str | None = None  # "line" or "char" while wake_loss lasts
        module.psm_watchers.append(self._on_psm)
        on = {
            FaultKind.NO_RESPONSE: self._mute,
            FaultKind.SLOW_RESPONSE: self._slow,
            FaultKind.GARBAGE: self._noisy,
            FaultKind.URC_STORM: self._storm,
            FaultKind.REBOOT: lambda fault: module.reboot(Fun.FULL),
            FaultKind.PORT_VANISH: self._vanish,
            FaultKind.REGISTRATION_LOST: self._lose_registration,
            FaultKind.SIM_REMOVED: self._remove_sim,
            FaultKind.SOCKET_CLOSED: self._close_sockets,
            FaultKind.WAKE_LOSS: self._lose_on_wake,
        }
        off: dict[FaultKind, Callable[[], None]] = {
            FaultKind.NO_RESPONSE: lambda: setattr(uart, "is_mute", False),
            FaultKind.SLOW_RESPONSE: lambda: setattr(uart, "delay_s", 0.0),
            FaultKind.GARBAGE: lambda: setattr(uart, "noise", None),
            FaultKind.URC_STORM: self._calm,
            FaultKind.PORT_VANISH: self._reappear,
            FaultKind.REGISTRATION_LOST: module.registration.unbar,
            FaultKind.SIM_REMOVED: self._insert_sim,
            FaultKind.WAKE_LOSS: self._keep_awake,
        }
        self._on: Mapping[FaultKind, Callable[[Fault], None]] = MappingProxyType(on)
        self._off: Mapping[FaultKind, Callable[[], None]] = MappingProxyType(off)

    def start(self, fault: Fault) -> None:
        self._on[fault.kind](fault)

    def stop(self, kind: FaultKind) -> None:
        """End a fault's effect (nothing for one that happens once and is over)."""
        off = self._off.get(kind)
        if off is not None:
            off()

    @staticmethod
    def hold_s(fault: Fault) -> float:
        """How long a fault that happens once keeps its effect before `stop` (a vanished port's absence)."""
        return fault.number("reappear_s") if fault.kind is FaultKind.PORT_VANISH else 0.0

    # --- the UART ----------------------------------------------------------------------------------------

    def _mute(self, fault: Fault) -> None:
        del fault
        self._uart.is_mute = True

    def _slow(self, fault: Fault) -> None:
        self._uart.delay_s = fault.number("delay_s")

    def _noisy(self, fault: Fault) -> None:
        self._uart.noise = Noise(
            chance_pct=fault.number("chance_pct"), max_bytes=int(fault.number("max_bytes"))
        )

    def _storm(self, fault: Fault) -> None:
        rate_hz = fault.number("rate_hz")
        line = fault.text("line")
        period_s = max(1.0 / rate_hz, STORM_TICK_S)
        loop = self._module.loop
        owed = 0.0  # URCs due but not yet written (the fraction carries over)
        last_s = loop.now_s()

        def tick() -> None:
            nonlocal owed, last_s
            now_s = loop.now_s()
            owed += (now_s - last_s) * rate_hz
            last_s = now_s
            while owed >= 1.0:
                self._module.front.emit_urc(line or self._registration_urc())
                owed -= 1.0
            self._storm_timer = loop.call_later(period_s, tick)

        self._storm_timer = loop.call_later(period_s, tick)

    def _calm(self) -> None:
        if self._storm_timer is not None:
            self._storm_timer.cancel()
            self._storm_timer = None

    def _registration_urc(self) -> str:
        registration = self._module.registration
        reports = registration.reports
        report = next((each for each in reports if each.is_in_domain), reports[0])
        return report.urc_line(registration.stat)

    # --- the port ----------------------------------------------------------------------------------------

    def _vanish(self, fault: Fault) -> None:
        self._port.vanish()
        if fault.number("reboot") == 1:
            self._module.reboot(Fun.FULL)

    def _reappear(self) -> None:
        self._port.reappear()

    # --- network and SIM ---------------------------------------------------------------------------------

    def _lose_registration(self, fault: Fault) -> None:
        self._module.registration.bar(is_searching=fault.number("stat") == RegStat.SEARCHING)

    def _remove_sim(self, fault: Fault) -> None:
        del fault
        if no_sim_answer not in self._module.front.guards:
            self._module.front.guards.append(no_sim_answer)
        self._module.registration.remove_sim()

    def _insert_sim(self) -> None:
        if no_sim_answer in self._module.front.guards:
            self._module.front.guards.remove(no_sim_answer)
        self._module.registration.insert_sim()

    def _close_sockets(self, fault: Fault) -> None:
        connect_id = fault.parameters.get("connect_id")
        target = None if connect_id is None else int(connect_id)
        self._module.sockets.close_by_network(target, CloseCause.CONNECTION_FAILED)
        self._module.streams.close_by_network(target, CloseCause.CONNECTION_FAILED)

    # --- PSM wake-up -------------------------------------------------------------------------------------

    def _lose_on_wake(self, fault: Fault) -> None:
        self._wake_loss = fault.text("lost")
        if self._module.idle.is_in_psm:
            self._on_psm(True)

    def _keep_awake(self) -> None:
        if self._wake_loss is not None:
            self._wake_loss = None
            self._module.front.wake()

    def _on_psm(self, is_in_psm: bool) -> None:
        if self._wake_loss is None:
            return
        if is_in_psm:
            self._module.front.sleep(is_line_lost=self._wake_loss == "line")
        else:
            self._module.front.wake()


def no_sim_answer(command: ATCommand) -> Reply | None:
    """An ATFront guard: the card's commands answered as by a module without a card."""
    if command.name in SIM_COMMANDS and command.kind is not CommandKind.TEST:
        return cme_error(SIM_NOT_INSERTED)
    return None
