"""virtual layer: 3GPP TS 27.007 power saving commands as a virtual module answers them: +CPSMS (§7.38),
+CEDRXS (§7.40), +CEDRXRDP (§7.41).

Layouts as the BC660K AT manual [S5] §9.1, §9.2 and §9.4 prints them (cellular-iot.md §1.5). Timer values are
8-bit strings (GPRS Timer 3 for T3412-ext, Timer 2 for T3324) and eDRX values 4-bit strings; anything else, or
an AcT-type the module does not have, is +CME ERROR: 50. A model may offer fewer eDRX codes than 24.008 has:
BC660K lists only 0010, 0011, 0101 and 1001-1111 for NB-S1 [S5 §9.1], so it refuses 0000 and 0001 with
+CME ERROR: 50 (cellular-iot.md §2.5 recommendation). A module without eDRX answers +CME ERROR: 4.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, cme_error, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

OPERATION_NOT_SUPPORTED = 4
ALL_EDRX_CODES = frozenset(f"{code:04b}" for code in range(16))


class Ts27007PowerCommands:
    def __init__(self, module: VirtualModule, *, edrx_codes: Collection[str] = ALL_EDRX_CODES) -> None:
        self._module = module
        self._edrx_codes = frozenset(edrx_codes)

    def table(self) -> dict[str, Handler]:
        return {"+CPSMS": self.cpsms, "+CEDRXS": self.cedrxs, "+CEDRXRDP": self.cedrxrdp}

    def cpsms(self, command: ATCommand) -> Reply:
        power = self._module.power_saving
        match command.kind:
            case CommandKind.READ:
                tau, active = power.requested_periodic_tau_bits, power.requested_active_time_bits
                timers = "" if tau is None and active is None else f',,,"{tau or ""}","{active or ""}"'
                return ok(f"+CPSMS: {power.psm_mode}{timers}")
            case CommandKind.TEST:
                return ok('+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")')
            case CommandKind.WRITE:
                mode = int_arg(command, 0, 0, 2)
                self._module.request_psm(
                    mode, periodic_tau_bits=bits_arg(command, 3, 8), active_time_bits=bits_arg(command, 4, 8)
                )
                return ok()
        return error()

    def cedrxs(self, command: ATCommand) -> Reply:
        power = self._module.power_saving
        act_type = power.edrx_act_type
        if act_type is None:
            return cme_error(OPERATION_NOT_SUPPORTED)
        match command.kind:
            case CommandKind.READ:
                bits = power.requested_edrx_bits
                return ok() if bits is None else ok(f'+CEDRXS: {act_type},"{bits}"')
            case CommandKind.TEST:
                return ok(f'+CEDRXS: (0-3),({act_type}),("0000"-"1111")')
            case CommandKind.WRITE:
                mode = int_arg(command, 0, 0, 3)
                self.request(command, mode, act_type, ptw_bits=None)
                return ok()
        return error()

    def request(self, command: ATCommand, mode: int, act_type: int, *, ptw_bits: str | None) -> None:
        """The shared part of +CEDRXS and vendor forms: AcT-type (argument 2) and eDRX value (argument 3)
        checked, then the request made; ValueError (+CME ERROR: 50) for what this module refuses."""
        if len(command.args) > 1 and command.args[1] != "":
            int_arg(command, 1, act_type, act_type)
        edrx_bits = bits_arg(command, 2, 4)
        if edrx_bits is not None and edrx_bits not in self._edrx_codes:
            raise ValueError(f"eDRX value {edrx_bits} is not offered by this module")
        self._module.request_edrx(mode, edrx_bits=edrx_bits, ptw_bits=ptw_bits)

    def cedrxrdp(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.EXECUTE:
                return ok(f"+CEDRXRDP: {self._module.power_saving.edrx_parameters()}")
            case CommandKind.TEST:
                return ok()
        return error()


def bits_arg(command: ATCommand, index: int, count: int) -> str | None:
    """Argument `index` as a string of `count` bits, None when absent or empty; ValueError otherwise."""
    text = command.args[index] if index < len(command.args) else ""
    if text == "":
        return None
    if not re.fullmatch(rf"[01]{{{count}}}", text):
        raise ValueError(f"{command.name} argument {index + 1} must be {count} bits, got {text!r}")
    return text
