"""dialects layer: telling a module fault of the rig (hung, rebooted, vanished) from a module that failed its
test (issue 8 item 4).

A case whose body raised is looked at once more before it is reported:
- vanished: the AT session lost its port (PortLost: USB re-enumerated, ser2net link gone);
- rebooted: the module printed its ready URC (`RDY`, `+MATREADY`) during the case when the harness had not
  just asked for a reset (AT+CFUN=<fun>,1, 27.007 §8.2 <rst>=1), so its sockets, contexts and timers are gone;
- hung: the body timed out waiting for the module and the module still answers no `AT`, after the retries
  that wake a sleeping UART (harness.dialects.connection.wake_uart).
Anything else is the module's own result: a refused command, a timeout after which the module answers, a
KPI out of limits.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from harness.at import ATSession, Urc
from harness.dialects.connection import wait_until_responsive, wake_uart
from harness.errors import ATError, ATTimeout, HarnessError, PortLost

# A reset the harness asked for: 27.007 §8.2 +CFUN=<fun>,<rst> with rst=1 resets the MT first.
_RESET_COMMAND = re.compile(r"^AT\+CFUN=\d+,1$", re.IGNORECASE)
# How long after a reset command its ready URC is still the expected one (a BC660K boots in seconds; the
# dialects wait 60 s for RDY, harness.dialects.quectel_nbiot REBOOT_TIMEOUT_S)
EXPECTED_READY_WITHIN_S = 60.0
# Judgement: how long a failed case waits for a ready URC before calling the module up. A module that
# reboots fails the command in flight at once and prints its ready URC once booted, which comes after the
# case has failed; the virtual BC660K boots in 0.5 s, real modules in a few seconds.
REBOOT_SETTLE_S = 5.0


class FaultKind(StrEnum):
    HUNG = "hung"
    REBOOTED = "rebooted"
    VANISHED = "vanished"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleFault:
    kind: FaultKind
    detail: str

    def describe(self) -> str:
        return f"{self.kind} ({self.detail})"


class RebootWatch:
    """The ready URCs a module printed that no reset command of the harness explains, with their session
    times; `since(t_s)` those from a moment on."""

    def __init__(self, session: ATSession, ready_urc: str | None) -> None:
        self._session = session
        self.is_watching = ready_urc is not None
        self._changed = threading.Condition()
        self._unexpected: list[Urc] = []
        self._unsubscribe: Callable[[], None] | None = None
        if ready_urc is not None:
            self._unsubscribe = session.subscribe(ready_urc, self._seen)

    def since(self, t_s: float, *, wait_s: float = 0.0) -> list[Urc]:
        """The unexpected ready URCs from `t_s` on, waiting up to `wait_s` for a first one."""
        with self._changed:
            self._changed.wait_for(lambda: any(urc.t_s >= t_s for urc in self._unexpected), timeout=wait_s)
            return [urc for urc in self._unexpected if urc.t_s >= t_s]

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _seen(self, urc: Urc) -> None:
        command, sent_s = self._session.last_command
        if _RESET_COMMAND.match(command) and 0.0 <= urc.t_s - sent_s <= EXPECTED_READY_WITHIN_S:
            return
        with self._changed:
            self._unexpected.append(urc)
            self._changed.notify_all()


def diagnose(
    session: ATSession, error: BaseException | None, watch: RebootWatch, *, since_s: float
) -> ModuleFault | None:
    """The rig fault behind a failed case that started at `since_s` (session clock): its body raised
    `error`, or (None) it missed its limits. None when the module is up and the failure is its own."""
    if isinstance(error, PortLost) or session.is_lost:
        lost = "the session lost it" if error is None else _first_line(error)
        return ModuleFault(kind=FaultKind.VANISHED, detail=f"its port went away: {lost}")
    # A reboot breaks the command in flight: a case that only missed its limits had none broken, and its
    # module's ready URC, if any, is already in; one whose body raised waits for a boot to finish.
    is_waiting = watch.is_watching and error is not None
    rebooted = watch.since(since_s, wait_s=REBOOT_SETTLE_S if is_waiting else 0.0)
    if rebooted:
        first = rebooted[0]
        return ModuleFault(kind=FaultKind.REBOOTED, detail=f"{first.line} at +{first.t_s - since_s:.1f} s")
    if (error is None or isinstance(error, ATTimeout)) and not _answers_at(session):
        after = "its limits were missed" if error is None else _first_line(error)
        return ModuleFault(kind=FaultKind.HUNG, detail=f"no answer to AT after {after}")
    return None


def _answers_at(session: ATSession) -> bool:
    try:
        wake_uart(session)
    except PortLost:
        return False
    except (ATError, HarnessError):
        return False
    return True


def _first_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text.split("; transcript:")[0]


def ready_urc_of(modem: object) -> str | None:
    """The dialect's ready URC (`RDY`), None for a dialect that knows none."""
    value = getattr(modem, "ready_urc", None)
    return value if isinstance(value, str) else None


def reset_by_at(session: ATSession, ready_urc: str | None, *, timeout_s: float) -> None:
    """AT+CFUN=1,1 (27.007 §8.2: reset, then full functionality), then its ready URC where the dialect has
    one, and an answer to AT."""
    response = session.send("AT+CFUN=1,1", timeout_s=min(timeout_s, 15.0))
    if ready_urc is not None:
        session.add_urc_prefix(ready_urc)
        session.wait_for_urc(ready_urc, timeout_s=timeout_s, since_s=response.started_s)
    wait_until_responsive(session, timeout_s)
