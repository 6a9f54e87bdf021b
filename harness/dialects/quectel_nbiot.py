"""dialects layer: Quectel NB-IoT modules: BC660K-GL / BC950K-GL ("BC660K-GL & BC950K-GL AT Commands Manual"
v1.4 [S5]) and the older HiSilicon-based BC95 / BC28 / BC68 firmware (BC95 AT Commands Manual [S12]).

Over the 27.007 baseline, by family (picked from +CGMM, cellular-iot.md §3.1, §3.2):

                      BC660K family                              BC95 family
    ICCID             AT+QCCID ([S5] §8.11)                      AT+NCCID
    attach APN        AT+QCGDEFCONT ([S5] §5.6), applied by a    +CGDCONT (27.007)
                      reset (AT+CFUN=1,1, RDY) as the manual says
    UDP sockets       AT+QIOPEN set (quectel_nbiot_qi)           AT+NSOCR set (quectel_nbiot_nso)
    TCP sockets       AT+QIOPEN set (quectel_nbiot_qi)           not offered here (AT+NSOCR=STREAM,6 and
                                                                 AT+NSOCO [S12] are not modelled to test)
    ping              AT+QPING (quectel_nbiot_ping)              AT+NPING
    radio snapshot    AT+QENG=0 (quectel_nbiot_cell)             AT+NUESTATS
    eDRX with a PTW   AT+QEDRXCFG ([S5] §9.6)                    not offered here
    granted PSM       +CEREG n=4, else AT+QPSMS? ([S5] §9.9)     +CEREG n=4
    PSM entry report  +QNBIOTEVENT ([S5] §9.8, psm_reports)      none here
    release assist.   AT+QISEND <RAI> (release_assistance)       not offered here (AT+NSOSTF flags)
Both read +CESQ when their engineering command answers with an error (e.g. +CME ERROR: 30 before
registration). Default timeouts: the manual's maxima ([S5] §7.2 +COPS 305 s, §4.8 +QENG 15 s).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from harness.at import ATCommandError, ATSession, quote_arg
from harness.at.fields import Field, split_line
from harness.at.timers import encode_edrx, encode_ptw
from harness.dialects import ts27007_power
from harness.dialects.connection import wait_until_responsive
from harness.dialects.modem import (
    PING,
    TCP_SOCKET,
    UDP_SOCKET,
    EdrxState,
    ModuleSocket,
    ModuleStream,
    PingResult,
    PsmState,
    PsmTimers,
    RadioSnapshot,
)
from harness.dialects.psm_reports import QNBIOTEVENT, PsmReport
from harness.dialects.quectel_nbiot_cell import read_nuestats, read_qeng
from harness.dialects.quectel_nbiot_nso import LISTEN_PORT_BASE, NsoUdpSocket
from harness.dialects.quectel_nbiot_ping import ping_with_nping, ping_with_qping
from harness.dialects.quectel_nbiot_qi import (
    CONTEXT_ID,
    AccessMode,
    ConnectIds,
    QuectelSocket,
    Service,
    add_qi_framing,
)
from harness.dialects.release_assistance import RAI
from harness.dialects.ts27007 import COMMAND_TIMEOUTS_S, DEFAULT_PDP_TYPE, Ts27007Modem
from harness.errors import ModemError, ParseError

__all__ = ["MODEM", "AccessMode", "Family", "QuectelNbiotModem", "family_of", "matches"]

NB_S1 = 5  # +CEDRXS AcT-type of NB-IoT
NBIOT_RAT = "nbiot"
QPSMS_DISABLED = 1  # AT+QPSMS? shows 1 for a timer the network did not grant ([S5] §9.9)
# Judgement: the manual gives no time from a reset to RDY; real modules take a few seconds.
REBOOT_TIMEOUT_S = 20.0
READY_TIMEOUT_S = 10.0


class Family(StrEnum):
    BC660K = "BC660K"  # BC660K-GL, BC950K-GL, BC66
    BC95 = "BC95"  # BC95, BC95-G, BC28, BC68: HiSilicon Boudica firmware


def matches(manufacturer: str, model: str) -> bool:
    """True for the module families this dialect drives (+CGMI, +CGMM answers)."""
    return "QUECTEL" in manufacturer.upper() and any(
        family in model.upper() for family in ("BC660", "BC950", "BC66", "BC95", "BC28", "BC68")
    )


def family_of(model: str) -> Family:
    """BC95 for the Boudica models (BC95 and its variants, not BC950; BC28; BC68), BC660K for the rest."""
    return Family.BC95 if re.search(r"BC95(?!0)|BC28|BC68", model.upper()) else Family.BC660K


class QuectelNbiotModem(Ts27007Modem):
    name = "quectel_nbiot"
    # BC660K prints RDY once booted ([S5] §9.3, after AT+CFUN=1,1); the BC95 family prints none we rely on
    ready_urc: ClassVar[str | None] = "RDY"
    command_timeouts_s: ClassVar[Mapping[str, float]] = MappingProxyType(
        {**COMMAND_TIMEOUTS_S, "+COPS=": 305.0, "+QENG=": 15.0}
    )
    edrx_act_type: ClassVar[int | None] = NB_S1

    def __init__(
        self,
        session: ATSession,
        *,
        access_mode: AccessMode = AccessMode.DIRECT_PUSH,
        family: Family | None = None,
    ) -> None:
        super().__init__(session)
        self.access_mode = access_mode
        self._family = family
        self._family_lock = threading.Lock()
        self._connect_ids = ConnectIds()
        self._listen_ports = itertools.count(LISTEN_PORT_BASE)
        add_qi_framing(session)

    @property
    def capabilities(self) -> frozenset[str]:
        sockets = {UDP_SOCKET} if self.family is Family.BC95 else {UDP_SOCKET, TCP_SOCKET}
        release = {RAI} if self.family is Family.BC660K else set()
        return super().capabilities | sockets | {PING} | release

    @property
    def psm_report(self) -> PsmReport | None:
        """The URC telling PSM entry and exit (harness.dialects.psm_reports): BC660K family only."""
        return QNBIOTEVENT if self.family is Family.BC660K else None

    @property
    def family(self) -> Family:
        """The command set, from +CGMM when not given (asked once)."""
        with self._family_lock:
            if self._family is None:
                self._family = family_of(self._text("AT+CGMM"))
            return self._family

    def iccid(self) -> str | None:
        """AT+QCCID (BC660K) or AT+NCCID (BC95); None when the module gives none (no SIM: +CME ERROR: 10)."""
        prefix = "+QCCID" if self.family is Family.BC660K else "+NCCID"
        try:
            return self.send_command(f"AT{prefix}").value_of(prefix)
        except ATCommandError:
            return None

    def apn(self) -> str | None:
        if self.family is Family.BC95:
            return super().apn()
        _, apn = self._default_context()
        return apn

    def define_apn(self, apn: str) -> None:
        """BC660K: AT+QCGDEFCONT, which "takes effect after the module is rebooted" ([S5] §5.6)."""
        if self.family is Family.BC95:
            super().define_apn(apn)
            return
        pdp_type, _ = self._default_context()
        self.send_command(f"AT+QCGDEFCONT={quote_arg(pdp_type or DEFAULT_PDP_TYPE)},{quote_arg(apn)}")
        self.reset()

    def reset(self) -> None:
        """AT+CFUN=1,1 ([S5] §9.3: reset into full functionality), then wait for RDY and an answer to AT."""
        response = self.send_command("AT+CFUN=1,1")
        self.session.wait_for_urc("RDY", timeout_s=REBOOT_TIMEOUT_S, since_s=response.started_s)
        wait_until_responsive(self.session, READY_TIMEOUT_S)

    def radio_snapshot(self) -> RadioSnapshot:
        read, command = (
            (read_qeng, "AT+QENG=0") if self.family is Family.BC660K else (read_nuestats, "AT+NUESTATS")
        )
        try:
            snapshot = read(self.send_command(command).lines)
        except ATCommandError:
            snapshot = None  # not registered yet, or not offered by this firmware: +CESQ still answers
        return snapshot if snapshot is not None else super().radio_snapshot()

    def ping(self, host: str, *, count: int = 4, timeout_s: float = 4.0) -> PingResult:
        if self.family is Family.BC95:
            return ping_with_nping(self.session, host, count=count, timeout_s=timeout_s)
        return ping_with_qping(self.session, host, context_id=CONTEXT_ID, count=count, timeout_s=timeout_s)

    def open_udp(self, host: str, port: int) -> ModuleSocket:
        if self.family is Family.BC95:
            return NsoUdpSocket(self.session, host, port, listen_port=next(self._listen_ports))
        return QuectelSocket(self.session, self._connect_ids, host, port, access_mode=self.access_mode)

    def open_tcp(self, host: str, port: int, *, timeout_s: float = 60.0) -> ModuleStream:
        if self.family is Family.BC95:
            raise ModemError("the BC95 family's TCP socket commands (AT+NSOCR=STREAM,6) are not driven here")
        return QuectelSocket(
            self.session,
            self._connect_ids,
            host,
            port,
            access_mode=self.access_mode,
            service=Service.TCP,
            open_timeout_s=timeout_s,
        )

    def psm(self) -> PsmState:
        state = super().psm()
        if state.granted is not None or self.family is Family.BC95:
            return state
        return dataclasses.replace(state, granted=self._qpsms())

    def set_edrx(self, cycle_s: float | None, *, ptw_s: float | None = None) -> EdrxState:
        """With a PTW: AT+QEDRXCFG=2,5,"<eDRX>","<PTW>" ([S5] §9.6); ptw_s returned is the one requested."""
        if ptw_s is None:
            return super().set_edrx(cycle_s)
        if self.family is Family.BC95:
            raise ModemError("BC95/BC28 firmware has no AT+QEDRXCFG: this dialect cannot request a PTW there")
        if cycle_s is None:
            raise ModemError(
                "a paging time window needs an eDRX cycle; give cycle_s, or neither to turn eDRX off"
            )
        cycle = encode_edrx(cycle_s, NBIOT_RAT)
        ptw = encode_ptw(ptw_s, NBIOT_RAT)
        self.send_command(f'AT+QEDRXCFG={ts27007_power.EDRX_ON_WITH_URC},{NB_S1},"{cycle.bits}","{ptw.bits}"')
        return EdrxState(act_type=NB_S1, requested_edrx_s=cycle.seconds, nw_edrx_s=None, ptw_s=ptw.seconds)

    def _default_context(self) -> tuple[str | None, str | None]:
        """(PDP type, APN) of `+QCGDEFCONT: <PDP_type>[,<APN>[,...]]`; None for what it leaves out."""
        line = self.send_command("AT+QCGDEFCONT?").first("+QCGDEFCONT")
        if line is None:
            return None, None
        texts = [*(field.text.strip() or None for field in _fields(line)), None, None]
        return texts[0], texts[1]

    def _qpsms(self) -> PsmTimers | None:
        """`+QPSMS: <N_T1>,<N_T2>`: the granted T3324 and (extended) T3412 in seconds, 1 = not granted."""
        try:
            line = self.send_command("AT+QPSMS?").first("+QPSMS")
        except ATCommandError:
            return None
        values = [] if line is None else [field.text.strip() for field in _fields(line)]
        if len(values) != 2 or not all(value.isdigit() for value in values):
            return None
        t3324_s, t3412_s = (int(value) for value in values)
        return PsmTimers(
            periodic_tau_bits=None,
            active_time_bits=None,
            periodic_tau_s=None if t3412_s == QPSMS_DISABLED else t3412_s,
            active_time_s=None if t3324_s == QPSMS_DISABLED else t3324_s,
        )


def _fields(line: str) -> tuple[Field, ...]:
    try:
        return split_line(line)[1]
    except ValueError as error:
        raise ParseError(line, str(error)) from None


MODEM = QuectelNbiotModem
