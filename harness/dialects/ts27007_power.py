"""dialects layer: power saving over the 3GPP TS 27.007 commands, shared by every dialect.

PSM (+CPSMS, §7.38): `AT+CPSMS?` shows what the module *requested*; what the network *granted* comes from
+CEREG with n=4 (§10.1.22: Active-Time = T3324, Periodic-TAU = T3412 extended), never from +CPSMS
(../shared/reference/cellular-iot.md §1.5, §6 pitfall 7). A request is coded with harness.at.timers: the
nearest value the 24.008 timer can carry that is not below the one asked for.

eDRX (+CEDRXS §7.40, +CEDRXRDP §7.41): AcT-type 4 is E-UTRAN WB-S1 (LTE-M, LTE), 5 is E-UTRAN NB-S1 (NB-IoT)
(cellular-iot.md §1.5 [S2][S5 §9.1]); 27.007 has no way to request a paging time window, vendors add one.
Mode 2 of +CEDRXS also turns on the +CEDRXP URC, which shows what the network provides.

Every function takes the dialect's `send` (Ts27007Modem.send_command), so per-command timeouts stay the
dialect's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeVar

from harness.at import ATResponse
from harness.at.responses import Cedrxrdp, Cereg, Cpsms, parse_as
from harness.at.timers import (
    decode_gprs_timer2,
    decode_gprs_timer3,
    encode_edrx,
    encode_gprs_timer2,
    encode_gprs_timer3,
)
from harness.dialects.modem import EdrxState, PsmState, PsmTimers
from harness.errors import ModemError, ParseError

Send = Callable[[str], ATResponse]
T = TypeVar("T")

CEREG_WITH_PSM_TIMERS = 4  # 27.007 §10.1.22: n=4 adds the granted Active-Time and Periodic-TAU
PSM_ON = 1
PSM_OFF = 0
EDRX_ON_WITH_URC = 2
EDRX_OFF = 0
EDRX_NOT_USED = 0  # AcT-type 0 in +CEDRXRDP: the cell does not use eDRX
# +CEDRXS AcT-type -> the RAT name harness.at.timers codes eDRX and PTW values for.
EDRX_RATS: Mapping[int, str] = MappingProxyType({4: "ltem", 5: "nbiot"})
# +CEREG AcT -> +CEDRXS AcT-type: 7 E-UTRAN (WB-S1), 9 E-UTRAN NB-S1 (cellular-iot.md §1.1).
EDRX_ACT_TYPES: Mapping[int, int] = MappingProxyType({7: 4, 9: 5})


def read_psm(send: Send) -> PsmState:
    """What was requested (+CPSMS?) and what the network granted (+CEREG n=4 read form)."""
    cpsms = _only(send("AT+CPSMS?"), "+CPSMS", Cpsms)
    requested = _timers(cpsms.requested_periodic_tau_bits, cpsms.requested_active_time_bits)
    return PsmState(is_enabled=cpsms.mode == PSM_ON, requested=requested, granted=read_granted_psm(send))


def read_granted_psm(send: Send) -> PsmTimers | None:
    """The PSM timers of the +CEREG read form with n=4; None when the module shows none (not registered,
    or the network answered without them)."""
    send(f"AT+CEREG={CEREG_WITH_PSM_TIMERS}")
    for line in send("AT+CEREG?").matching("+CEREG"):
        try:
            cereg = parse_as(line, Cereg, solicited=True)
        except ParseError:
            continue  # a +CEREG URC that crossed the read
        return _timers(cereg.periodic_tau_bits, cereg.active_time_bits)
    raise ModemError("AT+CEREG? gave no +CEREG line in read form")


def request_psm(send: Send, *, periodic_tau_s: int | None, active_time_s: int | None) -> PsmTimers:
    """AT+CPSMS=1,,,"<T3412-ext>","<T3324>", or AT+CPSMS=0 when both are None. Returns what was requested,
    as coded: each value rounded up to the nearest one its timer can carry."""
    if periodic_tau_s is None and active_time_s is None:
        send(f"AT+CPSMS={PSM_OFF}")
        return PsmTimers(
            periodic_tau_bits=None, active_time_bits=None, periodic_tau_s=None, active_time_s=None
        )
    if periodic_tau_s is None or active_time_s is None:
        raise ModemError("PSM needs both timers (periodic TAU and active time), or neither to turn it off")
    tau = encode_gprs_timer3(periodic_tau_s)
    active = encode_gprs_timer2(active_time_s)
    send(f'AT+CPSMS={PSM_ON},,,"{tau.bits}","{active.bits}"')
    return PsmTimers(
        periodic_tau_bits=tau.bits,
        active_time_bits=active.bits,
        periodic_tau_s=tau.seconds,
        active_time_s=active.seconds,
    )


def read_edrx(send: Send) -> EdrxState:
    """+CEDRXRDP: the eDRX values in use, requested and provided by the network, in seconds."""
    rdp = _only(send("AT+CEDRXRDP"), "+CEDRXRDP", Cedrxrdp)
    return EdrxState(
        act_type=rdp.act_type, requested_edrx_s=rdp.requested_edrx_s, nw_edrx_s=rdp.nw_edrx_s, ptw_s=rdp.ptw_s
    )


def request_edrx(send: Send, *, act_type: int, cycle_s: float | None) -> EdrxState:
    """AT+CEDRXS=2,<AcT-type>,"<bits>" (on, with +CEDRXP), or AT+CEDRXS=0 when cycle_s is None. Returns what
    was requested, the cycle rounded up to the nearest one the RAT can use."""
    if cycle_s is None:
        send(f"AT+CEDRXS={EDRX_OFF}")
        return EdrxState(act_type=act_type, requested_edrx_s=None, nw_edrx_s=None, ptw_s=None)
    rat = edrx_rat(act_type)
    coded = encode_edrx(cycle_s, rat)
    send(f'AT+CEDRXS={EDRX_ON_WITH_URC},{act_type},"{coded.bits}"')
    return EdrxState(act_type=act_type, requested_edrx_s=coded.seconds, nw_edrx_s=None, ptw_s=None)


def edrx_rat(act_type: int) -> str:
    rat = EDRX_RATS.get(act_type)
    if rat is None:
        raise ModemError(f"no eDRX coding for AcT-type {act_type} (known: 4 WB-S1, 5 NB-S1)")
    return rat


def edrx_act_type(cereg_act: int | None) -> int:
    """The +CEDRXS AcT-type of the RAT a module is registered on, from the AcT of +CEREG."""
    act_type = None if cereg_act is None else EDRX_ACT_TYPES.get(cereg_act)
    if act_type is None:
        raise ModemError(
            f"cannot tell which eDRX AcT-type to request: +CEREG AcT is {cereg_act} "
            "(7 E-UTRAN or 9 NB-S1 expected; is the module registered?)"
        )
    return act_type


def _timers(periodic_tau_bits: str | None, active_time_bits: str | None) -> PsmTimers | None:
    if periodic_tau_bits is None and active_time_bits is None:
        return None
    return PsmTimers(
        periodic_tau_bits=periodic_tau_bits,
        active_time_bits=active_time_bits,
        periodic_tau_s=None if periodic_tau_bits is None else decode_gprs_timer3(periodic_tau_bits),
        active_time_s=None if active_time_bits is None else decode_gprs_timer2(active_time_bits),
    )


def _only(response: ATResponse, prefix: str, kind: type[T]) -> T:
    line = response.first(prefix)
    if line is None:
        raise ModemError(f"{response.command} gave no {prefix} line: {list(response.lines)}")
    return parse_as(line, kind, solicited=True)
