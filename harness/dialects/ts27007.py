"""dialects layer: the 3GPP TS 27.007 baseline, usable with any compliant module; other dialects extend it.

Commands: +CGMI/+CGMM/+CGMR/+CGSN/+CIMI (§5), +CPIN (§8.3), +CFUN (§8.2), +CEREG (§10.1.22), +CESQ
(§8.69). 27.007 has no socket commands and no ICCID command (cellular-iot.md §1.6), so this dialect has no
`udp_socket` capability and returns no ICCID. Per-command timeouts follow the maxima the vendor manuals
state (cellular-iot.md §1.6: +CFUN up to 25 s on BC660K [S5 §9.3]).
"""

from __future__ import annotations

import contextlib
import time

from harness.at import ATCommandError, ATSession, Urc
from harness.at.responses import Cereg, Cesq, Cpin, parse_as
from harness.dialects.modem import Identity, ModuleSocket, RadioSnapshot, Registration, SimState
from harness.errors import ATTimeout, ModemError, ParseError

CFUN_TIMEOUT_S = 25.0  # BC660K AT manual §9.3 maximum response time [S5]
CME_SIM_NOT_INSERTED = 10  # 27.007 §9.2 [S5 Table 5]
_REGISTERED = (1, 5)
_POLL_S = 2.0  # how often attach asks +CEREG? in case a URC was missed


class Ts27007Modem:
    """A module driven with 3GPP TS 27.007 commands only."""

    name = "ts27007"

    def __init__(self, session: ATSession) -> None:
        self.session = session

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset()

    def identity(self) -> Identity:
        return Identity(
            manufacturer=self._text("AT+CGMI"),
            model=self._text("AT+CGMM"),
            firmware=self._text("AT+CGMR").removeprefix("Revision:").strip(),
            imei=self._digits("AT+CGSN"),
            imsi=self._digits("AT+CIMI"),
            iccid=self.iccid(),
        )

    def iccid(self) -> str | None:
        """27.007 has no ICCID command; vendor dialects override this."""
        return None

    def sim(self) -> SimState:
        try:
            response = self.session.send("AT+CPIN?")
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

    def set_radio(self, on: bool) -> None:
        self.session.send(f"AT+CFUN={1 if on else 0}", timeout_s=CFUN_TIMEOUT_S)

    def registration(self) -> Registration:
        response = self.session.send("AT+CEREG?")
        # A +CEREG URC that crossed the command on the wire lands among the response lines (harness.at.urcs
        # names that limit); the answer is the line in read form.
        for line in response.matching("+CEREG"):
            try:
                cereg = parse_as(line, Cereg, solicited=True)
            except ParseError:
                continue
            return Registration(stat=cereg.stat, tac=cereg.tac, ci=cereg.ci, act=cereg.act)
        raise ModemError(f"AT+CEREG? gave no +CEREG line in read form: {response.lines}")

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration:
        """Switch the radio on and wait until registered (home or roaming).

        Setting the APN belongs to SIM preparation (issue 11); `apn` must be None until then.
        """
        if apn is not None:
            raise ModemError("setting the APN is not supported yet; leave it to the module's default")
        self.session.send("AT+CEREG=2")
        registration = self.registration()
        if registration.is_registered:
            return registration
        self.set_radio(True)
        return self._wait_registered(timeout_s)

    def radio_snapshot(self) -> RadioSnapshot:
        cesq = self.session.send("AT+CESQ").parsed("+CESQ")
        if not isinstance(cesq, Cesq):
            raise ModemError("AT+CESQ gave no +CESQ line")
        return RadioSnapshot(rsrp_dbm=cesq.rsrp_dbm, rsrq_db=cesq.rsrq_db)

    def open_udp(self, host: str, port: int) -> ModuleSocket:
        raise ModemError(f"dialect {self.name} has no AT socket commands (3GPP TS 27.007 defines none)")

    def _wait_registered(self, timeout_s: float) -> Registration:
        deadline = time.monotonic() + timeout_s
        since_s = self.session.now_s()
        registration = self.registration()
        while not registration.is_registered:
            left_s = deadline - time.monotonic()
            if left_s <= 0:
                raise ModemError(f"not registered within {timeout_s:g} s (+CEREG stat {registration.stat})")
            # A registration URC ends the wait early; the read below also catches one that was missed.
            with contextlib.suppress(ATTimeout):
                self.session.wait_for_urc(
                    "+CEREG", timeout_s=min(left_s, _POLL_S), match=_is_registered_urc, since_s=since_s
                )
            registration = self.registration()
        return registration

    def _text(self, command: str) -> str:
        """The first information line: some modules answer +CGMI with ATI's three lines."""
        lines = self.session.send(command).lines
        if not lines:
            raise ModemError(f"{command} answered no information line")
        return lines[0].strip()

    def _digits(self, command: str) -> str | None:
        """IMEI/IMSI answers are bare digits, sometimes behind a `+CGSN:` prefix and in quotes."""
        try:
            lines = self.session.send(command).lines
        except ATCommandError:
            return None
        for line in lines:
            digits = line.rpartition(":")[2].strip().strip('"')
            if digits.isdigit():
                return digits
        return None


def _is_registered_urc(urc: Urc) -> bool:
    cereg = urc.parsed()
    return isinstance(cereg, Cereg) and cereg.stat in _REGISTERED


MODEM = Ts27007Modem
