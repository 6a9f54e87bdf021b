"""traffic layer: what the power_save engine (harness.traffic.power_save) learns while a module sleeps and
wakes: its RRC and PSM URCs with their session times, and a host-side UDP peer that takes the module's
reports and sends it downlink datagrams (a server reaching a device through the address its uplink came
from, as a real application server does).

URCs: `+CSCON: <mode>` (27.007 §10.1.30; enabled with AT+CSCON=1) for RRC connected / released; the PSM
event URCs a module offers, tried in turn and kept where the module accepts them: BC660K
`AT+QNBIOTEVENT=1,1` -> `+QNBIOTEVENT: "ENTER PSM"` / `"EXIT PSM"` ([S5] §9.8, cellular-iot.md §5.1 step 1).
A module without one has its PSM entry from the current trace only (the engine says which it used).

Background work as STYLE 5: the subscriptions are a context manager whose callbacks only record (the
session's reader thread re-raises in the caller); the peer's socket is closed on leaving its block.
"""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

from harness.at import ATCommandError, ATSession, Urc
from harness.at.responses import Cscon, parse
from harness.errors import ParseError

# enabling command -> (URC prefix, line fragment meaning PSM entered, fragment meaning PSM left)
PSM_EVENT_COMMANDS = {"AT+QNBIOTEVENT=1,1": ("+QNBIOTEVENT", "ENTER PSM", "EXIT PSM")}  # [S5] §9.8
MAX_DATAGRAM_BYTES = 65_535


class ModuleEvent(StrEnum):
    CONNECTED = "connected"
    RELEASED = "released"
    PSM_ENTERED = "psm_entered"
    PSM_LEFT = "psm_left"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimedEvent:
    event: ModuleEvent
    t_s: float  # session clock


class ModuleEventWatch:
    """Records +CSCON and PSM event URCs while open; `wait_for` blocks, with a deadline, for one."""

    def __init__(self, session: ATSession) -> None:
        self._session = session
        self._changed = threading.Condition()
        self.events: list[TimedEvent] = []
        self.psm_urc: str | None = None
        self._unsubscribes: list[Callable[[], None]] = []

    def __enter__(self) -> ModuleEventWatch:
        self._session.send("AT+CSCON=1")
        self._unsubscribes.append(self._session.subscribe("+CSCON", self._on_cscon))
        for command, (prefix, entered, left) in PSM_EVENT_COMMANDS.items():
            try:
                self._session.send(command)
            except ATCommandError:
                continue  # the module offers no such URC: its PSM entry comes from the trace
            self.psm_urc = prefix
            self._unsubscribes.append(
                self._session.subscribe(prefix, functools.partial(self._on_psm, entered=entered, left=left))
            )
            break
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()

    def times(self, event: ModuleEvent, *, after_s: float = float("-inf")) -> list[float]:
        with self._changed:
            return [item.t_s for item in self.events if item.event is event and item.t_s >= after_s]

    def wait_for(self, event: ModuleEvent, *, after_s: float, timeout_s: float) -> float | None:
        """The first `event` at or after `after_s`, waiting at most timeout_s for it; None when none came."""
        deadline_s = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = [item.t_s for item in self.events if item.event is event and item.t_s >= after_s]
                left_s = deadline_s - time.monotonic()
                if found or left_s <= 0:
                    return found[0] if found else None
                self._changed.wait(min(left_s, 0.2))

    def _add(self, event: ModuleEvent, t_s: float) -> None:
        with self._changed:
            self.events.append(TimedEvent(event=event, t_s=t_s))
            self._changed.notify_all()

    def _on_cscon(self, urc: Urc) -> None:  # the reader thread: only record
        try:
            line = parse(urc.line, solicited=False)
        except ParseError:
            return  # the transcript keeps the line; one we cannot read tells no state
        if isinstance(line, Cscon):
            self._add(ModuleEvent.CONNECTED if line.mode == 1 else ModuleEvent.RELEASED, urc.t_s)

    def _on_psm(self, urc: Urc, *, entered: str, left: str) -> None:
        if entered in urc.line:
            self._add(ModuleEvent.PSM_ENTERED, urc.t_s)
        elif left in urc.line:
            self._add(ModuleEvent.PSM_LEFT, urc.t_s)


class DownlinkPeer:
    """A UDP socket on the server host: it learns the module's address from its first report and sends it
    downlink datagrams; times are on the session clock (`clock`)."""

    def __init__(self, host: str, *, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, 0))
        self.module_address: tuple[str, int] | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    def now_s(self) -> float:
        return self._clock()

    def receive(self, timeout_s: float) -> float | None:
        """The session time a datagram from the module arrived, or None when none came within timeout_s."""
        self._socket.settimeout(timeout_s)
        try:
            _, sender = self._socket.recvfrom(MAX_DATAGRAM_BYTES)
        except TimeoutError:
            return None
        self.module_address = (str(sender[0]), int(sender[1]))
        return self._clock()

    def send(self, payload: bytes) -> float:
        """Send a datagram to the module; returns the session time it left."""
        if self.module_address is None:
            raise RuntimeError("the module has sent no report yet: its address is unknown")
        sent_s = self._clock()
        self._socket.sendto(payload, self.module_address)
        return sent_s

    def close(self) -> None:
        self._socket.close()

    def __enter__(self) -> DownlinkPeer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
