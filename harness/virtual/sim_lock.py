"""virtual layer: the virtual SIM's PIN (`virtual://<model>?pin=1234`), as 3GPP TS 27.007 §8.3 (+CPIN) has a
module report and take it.

Without `pin` the card is always ready (`+CPIN: READY`, a PIN entered then is +CME ERROR: 3, as before).
With one, every power-up (boot and reset) asks for it again: `+CPIN: SIM PIN`, the module does not attach,
and the commands that read the card (IMSI, SIM access) answer +CME ERROR: 11 until AT+CPIN="<pin>" is
answered OK; then `+CPIN: READY` and the attach begins. A wrong PIN is +CME ERROR: 16; PIN_ATTEMPTS wrong
ones block the card (`+CPIN: SIM PUK`, +CME ERROR: 12 from then on). The harness never enters a PUK
(harness.dialects.sim), so the virtual card has none: a blocked card stays blocked for the module's life.
The ICCID stays readable while the PIN is asked for (EF_ICCID needs no PIN; judgement, as on the modules the
reference names). Error codes: 27.007 §9.2, ../shared/reference/cellular-iot.md §1.7 [S5 Table 5]; the
+CPIN states: §1.6 [S5][S31].
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from harness.virtual.at_front import Reply, cme_error
from harness.virtual.command_line import ATCommand, CommandKind

if TYPE_CHECKING:
    from harness.virtual.registration import Registration

OPERATION_NOT_ALLOWED = 3
SIM_PIN_REQUIRED = 11
SIM_PUK_REQUIRED = 12
INCORRECT_PASSWORD = 16
# judgement: the PIN retry counter of a UICC as shipped (ETSI TS 102 221 §9.5); not in the reference
PIN_ATTEMPTS = 3
PIN_LOCKED_COMMANDS = frozenset({"+CIMI", "+CRSM", "+CSIM", "+CLCK", "+CPWD"})


class SimState(StrEnum):
    """The <code> of +CPIN: this card can ask for these."""

    READY = "READY"
    SIM_PIN = "SIM PIN"
    SIM_PUK = "SIM PUK"


class SimLock:
    """The card's PIN state; `guard` answers the card's commands while it is locked (ATFront.guards)."""

    def __init__(self, *, pin: str | None, registration: Registration) -> None:
        self._pin = pin
        self._registration = registration
        self._attempts_left = PIN_ATTEMPTS
        self.state = SimState.READY
        self.power_up()

    def power_up(self) -> None:
        """A card that has a PIN asks for it again (a blocked one stays blocked)."""
        if self._pin is not None and self.state is SimState.READY:
            self.state = SimState.SIM_PIN
        self._registration.is_sim_locked = self.state is not SimState.READY

    def enter(self, pin: str) -> Reply | None:
        """AT+CPIN=<pin>: None when accepted (the caller answers OK), else the error to answer."""
        if self.state is SimState.SIM_PUK:
            return cme_error(SIM_PUK_REQUIRED)
        if self.state is SimState.READY:
            return cme_error(OPERATION_NOT_ALLOWED)  # no PIN is pending ([S5] §8.6)
        if pin != self._pin:
            self._attempts_left -= 1
            if self._attempts_left == 0:
                self.state = SimState.SIM_PUK
            return cme_error(INCORRECT_PASSWORD)
        self._attempts_left = PIN_ATTEMPTS
        self.state = SimState.READY
        self._registration.is_sim_locked = False
        self._registration.attach()
        return None

    def guard(self, command: ATCommand) -> Reply | None:
        # no card at all is the sim_removed fault's answer (+CME ERROR: 10), not this one's
        if self.state is SimState.READY or not self._registration.has_sim:
            return None
        if command.name in PIN_LOCKED_COMMANDS and command.kind is not CommandKind.TEST:
            return cme_error(SIM_PUK_REQUIRED if self.state is SimState.SIM_PUK else SIM_PIN_REQUIRED)
        return None
