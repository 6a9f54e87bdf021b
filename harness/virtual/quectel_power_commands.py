"""virtual layer: Quectel BC660K power commands (BC660K-GL AT Commands Manual v1.4 [S5] chapter 9;
../shared/reference/cellular-iot.md §3.1):

  AT+QPSMS=<T1_s>,<T2_s>   request PSM in seconds (T3324 0-11160, T3412-ext 0-35712000), each rounded down to
                           a value its timer can carry, PSM on (§9.9); AT+QPSMS? -> +QPSMS: <N_T1>,<N_T2>,
                           the granted values in seconds, 1 for one not granted; N_T2 falls back to the
                           legacy T3412 (24.301 default 54 min here) without an extended value
  AT+QEDRXCFG=<mode>[,5[,"<eDRX>"[,"<PTW>"]]]   +CEDRXS with a requested PTW (§9.6); read
                           +QEDRXCFG: 5,"<eDRX>","<PTW>"
  AT+QNBIOTRAI=<0|1>       release assistance on the next uplink packet; "only can be set when RRC is in
                           connected state" (§9.7): +CME ERROR: 3 otherwise (the code is our judgement)
  AT+QNBIOTEVENT=<0|1>,1   URCs +QNBIOTEVENT: "ENTER PSM" / "EXIT PSM" (§9.8), kept in NVRAM
  AT+QSCLK=<0|1|2>         sleep modes (§9.10). With 1 the module goes to deep sleep in PSM once its UART
                           was quiet for the sleep countdown (AT+QCFG="slplocktimes" default 10 s, §11.1.5);
                           the UART is then deaf and the command that wakes it is lost (harness.virtual.
                           at_front). Power-on value: the model option `qsclk`, default 1 (judgement: the
                           hardware design describes deep sleep in PSM as the module's normal behaviour
                           [S19 §3.4.2]; not saved to NVRAM, so a reset restores it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.timer_codes import decode_gprs_timer2, encode_gprs_timer2, encode_gprs_timer3
from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.event_loop import Timer
from harness.virtual.idle_mode import DEFAULT_T3412_S
from harness.virtual.link import ReleaseAssistance
from harness.virtual.model_spec import int_setting
from harness.virtual.ts27007_power_commands import Ts27007PowerCommands, bits_arg

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

OPERATION_NOT_ALLOWED = 3
NOT_GRANTED = 1  # AT+QPSMS? shows 1 for a timer the network did not provide
MAX_T3324_S = 11_160
MAX_T3412_S = 35_712_000
SLEEP_COUNTDOWN_S = 10.0
DEEP_SLEEP = 1


class QuectelPowerCommands:
    def __init__(self, module: VirtualModule, standard: Ts27007PowerCommands) -> None:
        self._module = module
        self._standard = standard
        self.qsclk = int_setting(module.options.settings, "qsclk")
        self.is_psm_event_on = False
        self._countdown: Timer | None = None
        module.psm_watchers.append(self._on_psm)
        module.reboot_watchers.append(self.reset)
        module.front.on_input = self._restart_countdown

    def table(self) -> dict[str, Handler]:
        return {
            "+QPSMS": self.qpsms,
            "+QEDRXCFG": self.qedrxcfg,
            "+QNBIOTRAI": self.qnbiotrai,
            "+QNBIOTEVENT": self.qnbiotevent,
            "+QSCLK": self.qsclk_command,
        }

    def reset(self) -> None:
        """A reboot: AT+QSCLK is not kept in NVRAM."""
        self.qsclk = int_setting(self._module.options.settings, "qsclk")
        self._cancel_countdown()

    def qpsms(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                return ok(f"+QPSMS: {self._granted_t3324_s()},{self._granted_t3412_s()}")
            case CommandKind.TEST:
                return ok(f"+QPSMS: (0-{MAX_T3324_S}),(0-{MAX_T3412_S})")
            case CommandKind.WRITE:
                active_time_s = int_arg(command, 0, 0, MAX_T3324_S)
                periodic_tau_s = int_arg(command, 1, 0, MAX_T3412_S)
                self._module.request_psm(
                    1,
                    periodic_tau_bits=encode_gprs_timer3(periodic_tau_s, is_rounded_down=True).bits,
                    active_time_bits=encode_gprs_timer2(active_time_s, is_rounded_down=True).bits,
                )
                return ok()
        return error()

    def qedrxcfg(self, command: ATCommand) -> Reply:
        power = self._module.power_saving
        act_type = power.edrx_act_type
        match command.kind:
            case CommandKind.READ:
                edrx, ptw = power.requested_edrx_bits or "", power.requested_ptw_bits or ""
                return ok(f'+QEDRXCFG: {act_type},"{edrx}","{ptw}"')
            case CommandKind.TEST:
                return ok(f'+QEDRXCFG: (0-3),({act_type}),("0000"-"1111"),("0000"-"1111")')
            case CommandKind.WRITE if act_type is not None:
                mode = int_arg(command, 0, 0, 3)
                self._standard.request(command, mode, act_type, ptw_bits=bits_arg(command, 3, 4))
                return ok()
        return error()

    def qnbiotrai(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.TEST:
                return ok("+QNBIOTRAI: (0,1)")
            case CommandKind.WRITE:
                rai_mode = int_arg(command, 0, 0, 1)
                if not self._module.is_rrc_connected:
                    return cme_error(OPERATION_NOT_ALLOWED)
                self._module.next_uplink_rai = (
                    ReleaseAssistance.NO_FURTHER_DATA if rai_mode == 1 else ReleaseAssistance.NONE
                )
                return ok()
        return error()

    def qnbiotevent(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                return ok(f"+QNBIOTEVENT: {int(self.is_psm_event_on)},1")
            case CommandKind.TEST:
                return ok()
            case CommandKind.WRITE:
                enable = int_arg(command, 0, 0, 1)
                int_arg(command, 1, 1, 1)  # event 1, the PSM state, is the only one
                self.is_psm_event_on = enable == 1
                return ok()
        return error()

    def qsclk_command(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.READ:
                return ok(f"+QSCLK: {self.qsclk}")
            case CommandKind.TEST:
                return ok("+QSCLK: (0-2)")
            case CommandKind.WRITE:
                self.qsclk = int_arg(command, 0, 0, 2)
                self._restart_countdown()
                return ok()
        return error()

    def _on_psm(self, is_in_psm: bool) -> None:
        if self.is_psm_event_on:
            self._module.front.emit_urc(f'+QNBIOTEVENT: "{"ENTER" if is_in_psm else "EXIT"} PSM"')
        if is_in_psm:
            self._restart_countdown()
        else:
            self._cancel_countdown()
            self._module.front.wake()

    def _restart_countdown(self) -> None:
        self._cancel_countdown()
        if self._module.idle.is_in_psm and self.qsclk == DEEP_SLEEP:
            delay_s = SLEEP_COUNTDOWN_S * self._module.options.timer_scale
            self._countdown = self._module.loop.call_later(delay_s, self._deep_sleep)

    def _cancel_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.cancel()
            self._countdown = None

    def _deep_sleep(self) -> None:
        self._countdown = None
        if self._module.idle.is_in_psm and self.qsclk == DEEP_SLEEP:
            self._module.front.sleep()

    def _granted_t3324_s(self) -> int:
        psm = self._module.power_saving.grants.psm
        seconds = None if psm is None else decode_gprs_timer2(psm.active_time_bits)
        return NOT_GRANTED if seconds is None else seconds

    def _granted_t3412_s(self) -> int:
        if not self._module.registration.is_registered:
            return NOT_GRANTED
        return self._module.power_saving.periodic_tau_s or DEFAULT_T3412_S
