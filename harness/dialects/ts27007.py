"""dialects layer: the 3GPP TS 27.007 baseline, usable with any compliant module; other dialects extend it.

Commands: +CGMI/+CGMM/+CGMR/+CGSN/+CIMI (§5), +CPIN (§8.3), +CFUN (§8.2), +COPS (§7.3), +CGDCONT (§10.1.1),
+CEREG (§10.1.22), +CESQ (§8.69), and power saving through ts27007_power (+CPSMS, +CEDRXS, +CEDRXRDP).
27.007 has no socket, ping, ICCID, data-interface or SIM-slot command (cellular-iot.md §1.6), so this
dialect has none of those capabilities and says so when asked.

For the dialects built on this one: send every command through `send_command`, which gives it the
dialect's default timeout from `command_timeouts_s` (the longest matching key wins; extend the table with
`{**Ts27007Modem.command_timeouts_s, ...}`). The APN hooks are `apn()` and `define_apn()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from harness.at import ATCommandError, ATResponse, ATSession, Urc, quote_arg
from harness.at.responses import (
    CME_ERRORS,
    C5greg,
    Cereg,
    Cesq,
    Cgdcont,
    Cgreg,
    Cops,
    Cpin,
    Creg,
    parse_as,
    read_imei,
    read_imsi,
)
from harness.dialects import ts27007_power
from harness.dialects.modem import (
    EDRX,
    PSM,
    EdrxState,
    Identity,
    ModuleSocket,
    ModuleStream,
    PingResult,
    PsmState,
    PsmTimers,
    RadioSnapshot,
    Registration,
    SimState,
)
from harness.emm_causes import reject_cause
from harness.errors import ModemError, ParseError

# Default timeouts per command, keyed by what follows "AT"; every other command gets the session's default.
# 27.007 gives no times: these are the vendor manuals' maxima.
COMMAND_TIMEOUTS_S: Mapping[str, float] = MappingProxyType(
    {
        "+CFUN=": 25.0,  # BC660K AT manual §9.3 [S5] (cellular-iot.md §1.6)
        "+COPS=": 180.0,  # network selection and the =? scan; NB-IoT dialects raise it ([S5 §7.2]: 305 s)
        "+CGATT=": 70.0,  # [S5 §4.3], determined by the network
        "+CGACT=": 70.0,  # [S5 §5.1], determined by the network
    }
)
CME_SIM_NOT_INSERTED = 10  # 27.007 §9.2 [S5 Table 5]
STAT_NOT_SEARCHING = 0  # +CEREG <stat> 0: not registered, not searching (27.007 §10.1.22)
CEREG_WITH_CAUSE = 3  # n=3: the location fields and, after a reject, <cause_type>,<reject_cause>
PIN_LENGTHS = range(4, 9)  # a PIN is 4 to 8 digits (ETSI TS 102 221 §9.5.1, recalled)
COPS_AUTOMATIC = 0
COPS_MANUAL = 1
COPS_SET_FORMAT = 3
COPS_NUMERIC = 2
PLMN_LENGTHS = (5, 6)  # MCC (3 digits) + MNC (2 or 3), TS 23.003 §2.2
DEFAULT_PDP_TYPE = "IP"
_POLL_S = 2.0  # how often attach asks +CEREG? in case a URC was missed
# +CEREG <stat> (27.007 §10.1.22; cellular-iot.md §1.1), for messages.
STAT_MEANINGS: Mapping[int, str] = MappingProxyType(
    {
        0: "not registered, not searching",
        1: "registered, home network",
        2: "not registered, searching",
        3: "registration denied",
        4: "unknown (out of coverage?)",
        5: "registered, roaming",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSelection:
    """+COPS? (27.007 §7.3): `mode` 0 automatic, 1 manual, 2 deregistered, 4 manual then automatic; `plmn`
    the numeric operator (MCC+MNC) the module has selected, None when it has none."""

    mode: int
    plmn: str | None
    act: int | None


class Ts27007Modem:
    """A module driven with 3GPP TS 27.007 commands only."""

    name = "ts27007"
    command_timeouts_s: ClassVar[Mapping[str, float]] = COMMAND_TIMEOUTS_S
    # URCs that report a registration, any of which ends attach's wait (a 5G dialect adds +C5GREG)
    registration_urcs: ClassVar[tuple[str, ...]] = ("+CEREG",)
    attach_cid: ClassVar[int] = 1  # the PDP context whose APN the attach uses
    edrx_act_type: ClassVar[int | None] = None  # None: from the AcT the module is registered with
    # the line a module prints once booted, which tells a reboot nobody asked for (27.007 defines none)
    ready_urc: ClassVar[str | None] = None

    def __init__(self, session: ATSession) -> None:
        self.session = session

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset({PSM, EDRX})

    def send_command(
        self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False
    ) -> ATResponse:
        """session.send with this dialect's default timeout for the command when none is given."""
        if timeout_s is None:
            timeout_s = self.command_timeout_s(cmd)
        return self.session.send(cmd, timeout_s=timeout_s, is_secret=is_secret)

    def command_timeout_s(self, cmd: str) -> float | None:
        """The table's timeout for `cmd` (longest matching key), or None for the session's default."""
        body = cmd.strip().upper().removeprefix("AT")
        keys = [key for key in self.command_timeouts_s if body.startswith(key)]
        return self.command_timeouts_s[max(keys, key=len)] if keys else None

    # --- identity and SIM ------------------------------------------------------------------------------

    def identity(self) -> Identity:
        return Identity(
            manufacturer=self._text("AT+CGMI"),
            model=self._text("AT+CGMM"),
            firmware=self._text("AT+CGMR").removeprefix("Revision:").strip(),
            imei=self._read_id("AT+CGSN", read_imei),
            imsi=self._read_id("AT+CIMI", read_imsi),
            iccid=self.iccid(),
        )

    def iccid(self) -> str | None:
        """27.007 has no ICCID command; vendor dialects override this."""
        return None

    def sim(self) -> SimState:
        try:
            response = self.send_command("AT+CPIN?")
        except ATCommandError as error:
            if error.code == CME_SIM_NOT_INSERTED:
                return SimState.NOT_INSERTED
            raise
        cpin = response.parsed("+CPIN")
        if not isinstance(cpin, Cpin):
            raise ModemError(f"AT+CPIN? gave no +CPIN line: {response.lines}")
        try:
            return SimState(cpin.code)
        except ValueError:
            raise ModemError(f"unknown SIM state {cpin.code!r} in {response.first('+CPIN')!r}") from None

    def enter_pin(self, pin: str) -> None:
        """AT+CPIN="<pin>", marked secret: neither the transcript nor any message carries the PIN."""
        if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS):
            raise ModemError("a SIM PIN is 4 to 8 digits; the value given is not (it is not shown)")
        try:
            self.send_command(f'AT+CPIN="{pin}"', is_secret=True)
        except ATCommandError as error:
            raise ModemError(f"the module refused the SIM PIN: {describe_error(error)}") from error

    def select_sim_slot(self, slot: int) -> None:
        raise ModemError(
            f"dialect {self.name} cannot switch SIM slots (3GPP TS 27.007 has no command for it)"
        )

    # --- network access -----------------------------------------------------------------------------

    def set_radio(self, on: bool) -> None:
        self.send_command(f"AT+CFUN={1 if on else 0}")

    def operator_selection(self) -> OperatorSelection:
        """+COPS?, with the operator in numeric form (AT+COPS=3,2 first when the module shows names)."""
        cops = self._cops()
        if cops.oper is not None and cops.format != COPS_NUMERIC:
            self.send_command(f"AT+COPS={COPS_SET_FORMAT},{COPS_NUMERIC}")
            cops = self._cops()
        return OperatorSelection(mode=cops.mode, plmn=cops.oper, act=cops.act)

    def select_operator(self, plmn: str | None, *, timeout_s: float | None = None) -> None:
        """AT+COPS=1,2,"<plmn>" (manual) or AT+COPS=0 (automatic); the command returns once the module has
        tried to register, which takes minutes on NB-IoT. timeout_s None: the dialect's table value."""
        if plmn is None:
            cmd = f"AT+COPS={COPS_AUTOMATIC}"
        elif plmn.isascii() and plmn.isdigit() and len(plmn) in PLMN_LENGTHS:
            cmd = f'AT+COPS={COPS_MANUAL},{COPS_NUMERIC},"{plmn}"'
        else:
            raise ModemError(f"{plmn!r} is not a PLMN (MCC+MNC, 5 or 6 digits)")
        try:
            self.send_command(cmd, timeout_s=timeout_s)
        except ATCommandError as error:
            target = "automatic operator selection" if plmn is None else f"manual selection of PLMN {plmn}"
            raise ModemError(f"{target} failed: {cmd} answered {describe_error(error)}") from error

    def apn(self) -> str | None:
        """The APN of the attach context (+CGDCONT?, context `attach_cid`); None when it has none."""
        context = self._attach_context()
        return None if context is None else context.apn

    def define_apn(self, apn: str) -> None:
        """Set the attach context's APN (keeping its PDP type) and detach, so that the next attach uses it."""
        context = self._attach_context()
        pdp_type = context.pdp_type if context is not None and context.pdp_type else DEFAULT_PDP_TYPE
        self.send_command(f"AT+CGDCONT={self.attach_cid},{quote_arg(pdp_type)},{quote_arg(apn)}")
        self.set_radio(False)

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration:
        """Define `apn` for the attach (None keeps what the module has), switch the radio on and wait until
        registered, home or roaming. Defining an APN re-attaches: harness.dialects.sim passes one only when
        the module reports a different one."""
        if apn is not None:
            self.define_apn(apn)
        self.send_command("AT+CEREG=2")
        registration = self.registration()
        if registration.is_registered:
            return registration
        self.set_radio(True)
        return self._wait_registered(timeout_s)

    def registration(self) -> Registration:
        response = self.send_command("AT+CEREG?")
        # The session sorts a crossing +CEREG URC out by its shape; where a module's lines leave that
        # ambiguous (harness.at.urcs names the limits), the answer is still the line in read form.
        for line in response.matching("+CEREG"):
            try:
                cereg = parse_as(line, Cereg, solicited=True)
            except ParseError:
                continue
            return Registration(
                stat=cereg.stat,
                tac=cereg.tac,
                ci=cereg.ci,
                act=cereg.act,
                cause_type=cereg.cause_type,
                reject_cause=cereg.reject_cause,
            )
        raise ModemError(f"AT+CEREG? gave no +CEREG line in read form: {response.lines}")

    def radio_snapshot(self) -> RadioSnapshot:
        cesq = self.send_command("AT+CESQ").parsed("+CESQ")
        if not isinstance(cesq, Cesq):
            raise ModemError("AT+CESQ gave no +CESQ line")
        return RadioSnapshot(rsrp_dbm=cesq.rsrp_dbm, rsrq_db=cesq.rsrq_db)

    # --- power saving (ts27007_power) ------------------------------------------------------------------

    def psm(self) -> PsmState:
        return ts27007_power.read_psm(self.send_command)

    def set_psm(self, *, periodic_tau_s: int | None, active_time_s: int | None) -> PsmTimers:
        return ts27007_power.request_psm(
            self.send_command, periodic_tau_s=periodic_tau_s, active_time_s=active_time_s
        )

    def edrx(self) -> EdrxState:
        return ts27007_power.read_edrx(self.send_command)

    def set_edrx(self, cycle_s: float | None, *, ptw_s: float | None = None) -> EdrxState:
        if ptw_s is not None:
            raise ModemError(
                f"dialect {self.name} cannot request a paging time window: 3GPP TS 27.007 has no command "
                "for it (vendors add one, cellular-iot.md §1.5)"
            )
        return ts27007_power.request_edrx(self.send_command, act_type=self._edrx_act_type(), cycle_s=cycle_s)

    # --- data path ------------------------------------------------------------------------------------

    def open_udp(self, host: str, port: int) -> ModuleSocket:
        raise ModemError(f"dialect {self.name} has no AT socket commands (3GPP TS 27.007 defines none)")

    def open_tcp(self, host: str, port: int, *, timeout_s: float = 60.0) -> ModuleStream:
        raise ModemError(f"dialect {self.name} has no AT socket commands (3GPP TS 27.007 defines none)")

    def ping(self, host: str, *, count: int = 4, timeout_s: float = 4.0) -> PingResult:
        raise ModemError(f"dialect {self.name} has no ping command (3GPP TS 27.007 defines none)")

    def data_interface(self) -> str | None:
        raise ModemError(
            f"dialect {self.name} cannot name a host network interface (3GPP TS 27.007 has no command for it)"
        )

    # --- helpers ---------------------------------------------------------------------------------------

    def _edrx_act_type(self) -> int:
        if self.edrx_act_type is not None:
            return self.edrx_act_type
        return ts27007_power.edrx_act_type(self.registration().act)

    def _attach_context(self) -> Cgdcont | None:
        for line in self.send_command("AT+CGDCONT?").matching("+CGDCONT"):
            context = parse_as(line, Cgdcont, solicited=True)
            if context.cid == self.attach_cid:
                return context
        return None

    def _cops(self) -> Cops:
        line = self.send_command("AT+COPS?").first("+COPS")
        if line is None:
            raise ModemError("AT+COPS? gave no +COPS line")
        return parse_as(line, Cops, solicited=True)

    def _wait_registered(self, timeout_s: float) -> Registration:
        deadline = time.monotonic() + timeout_s
        is_registered = threading.Event()

        def on_registration(urc: Urc) -> None:  # the reader thread: only note it
            if _ends_wait(urc):
                is_registered.set()

        unsubscribes = [self.session.subscribe(p, on_registration) for p in self.registration_urcs]
        is_sim_checked = False
        try:
            registration = self.registration()
            while not registration.is_registered:
                if registration.stat == STAT_NOT_SEARCHING and not is_sim_checked:
                    is_sim_checked = True
                    self._check_sim_inserted()
                if registration.is_denied:
                    registration = self._with_reject_cause(registration)
                left_s = deadline - time.monotonic()
                if left_s <= 0:
                    raise ModemError(
                        f"not registered within {timeout_s:g} s ({describe_state(registration)})"
                    )
                # A registration URC ends the wait early; the read below also catches one that was missed.
                is_registered.wait(min(left_s, _POLL_S))
                is_registered.clear()
                registration = self.registration()
            return registration
        finally:
            for unsubscribe in unsubscribes:
                unsubscribe()

    def _with_reject_cause(self, registration: Registration) -> Registration:
        """A denied registration with its cause: read with the reports at n=3 (27.007 §10.1.22) when the
        module gave none, then back at attach's n=2; a module that refuses n=3 keeps its cause to itself.
        ModemError at once for a cause the module does not retry by itself (TS 24.301 §5.5.1.2.5,
        harness.emm_causes): waiting for the timeout would only hide it."""
        if registration.reject_cause is None:
            try:
                for prefix in self.registration_urcs:
                    self.send_command(f"AT{prefix}={CEREG_WITH_CAUSE}")
                registration = self.registration()
                for prefix in self.registration_urcs:
                    self.send_command(f"AT{prefix}=2")
            except ATCommandError:
                return registration
        if registration.reject_cause is not None:
            cause = reject_cause(registration.reject_cause, cause_type=registration.cause_type)
            if not cause.is_retried:
                raise ModemError(
                    f"{describe_state(registration)}: the module does not try again before a CFUN or SIM "
                    "cycle (TS 24.301 §5.5.1.2.5); check the SIM subscription and the network access lists"
                )
        return registration

    def _check_sim_inserted(self) -> None:
        """A module at full functionality that does not even search has no usable SIM, or was refused: say
        so at once for a missing SIM, rather than after the whole attach timeout."""
        try:
            state = self.sim()
        except (ATCommandError, ModemError):
            return  # the SIM state is unknown: the wait goes on and its timeout speaks
        if state is SimState.NOT_INSERTED:
            raise ModemError(
                "not registered and not searching: no SIM (AT+CPIN? answers +CME ERROR: 10, SIM not "
                "inserted); check the card, its slot and its contacts"
            )
        if state in (SimState.SIM_PIN, SimState.SIM_PUK):
            raise ModemError(
                f"not registered and not searching: the SIM asks for {state.value} (+CPIN: {state.value}); "
                "a reset or power cycle locks a SIM with a PIN again: enter it first (harness.dialects.sim)"
            )

    def _text(self, command: str) -> str:
        """The first information line: some modules answer +CGMI with ATI's three lines."""
        lines = self.send_command(command).lines
        if not lines:
            raise ModemError(f"{command} answered no information line")
        return lines[0].strip()

    def _read_id(self, command: str, read: Callable[[tuple[str, ...]], str]) -> str | None:
        """IMEI or IMSI; None when the module gives none (no SIM: +CME ERROR: 10) or none readable."""
        try:
            return read(self.send_command(command).lines)
        except (ATCommandError, ParseError):
            return None


def describe_error(error: ATCommandError) -> str:
    """`+CME ERROR: 16 (incorrect password)`: the final result code, with 27.007's text for a numeric one."""
    text = (
        CME_ERRORS.text_of(error.code) if error.code is not None and error.final.startswith("+CME") else None
    )
    return error.final if text is None else f"{error.final} ({text})"


def describe_state(registration: Registration) -> str:
    """`registration denied: EMM cause #15 (no suitable cells in tracking area)`, or describe_stat's text when
    the module reported no cause."""
    reject = registration.describe_reject()
    if registration.is_denied and reject is not None:
        return f"registration denied: {reject}"
    return describe_stat(registration.stat)


def describe_stat(stat: int) -> str:
    """`registration stat 3: registration denied` (+CEREG/+C5GREG <stat>), for messages."""
    return f"registration stat {stat}: {STAT_MEANINGS.get(stat, 'not registered (a code outside 0-5)')}"


def _ends_wait(urc: Urc) -> bool:
    """A registration URC that the attach's wait must look at: registered, or denied."""
    try:
        report = urc.parsed()
    except ParseError:
        return False
    if not isinstance(report, Cereg | C5greg | Cgreg | Creg):
        return False
    registration = Registration(stat=report.stat)
    return registration.is_registered or registration.is_denied


MODEM = Ts27007Modem
