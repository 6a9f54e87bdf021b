"""traffic layer: one report of the uplink report engine (harness.traffic.uplink_reports) handed to the
module, with the state it left from, and the waits for a state around the reports.

Per report: an AT until answered first (a UART asleep in PSM loses the command that wakes it, BC660K
Hardware Design §3.4.2 [S19], cellular-iot.md §3.1; timed apart as `uart_wake_ms`), the state the module
last reported (harness.traffic.modem_state_watch), then the probe (harness.probe: seq and the host's wall
clock when handed over) through the socket, marked with release assistance when asked. A send the module
refuses (ERROR, SEND FAIL) is a report not accepted, kept with its reason; a lost port or a silent module
(PortLost, ATTimeout) ends the run, as in every engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Collection
from dataclasses import dataclass

from harness.at import ATCommandError, ATSession
from harness.dialects.connection import wake_uart
from harness.dialects.modem import ModuleSocket
from harness.dialects.release_assistance import ReleaseAssistance, ReleaseAssistingSocket
from harness.errors import ModemError
from harness.probe import ProbeHeader, encode_probe
from harness.traffic.modem_state_watch import ModemState, ModemStateWatch
from harness.traffic.uplink_delivery import release_delays_s

_POLL_S = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class SentReport:
    """One report as the host handed it over; times on the session clock."""

    seq: int
    sent_s: float  # the send command was written (when it was refused: when it was about to be)
    state: str  # the module's state when it left (ModemState)
    state_held_s: float
    is_state_read: bool
    uart_wake_ms: float
    rai: int  # ReleaseAssistance
    payload_bytes: int
    is_accepted: bool
    detail: str
    send_ms: float  # the AT exchange of the send
    client_tx_ns: int  # host wall clock in the probe header

    def row(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportSender:
    session: ATSession
    sock: ModuleSocket
    watch: ModemStateWatch
    payload_bytes: int

    def send(self, seq: int, release: ReleaseAssistance) -> SentReport:
        uart_wake_s = wake_uart(self.session)
        before = self.watch.latest()
        command_s = self.session.now_s()
        client_tx_ns = time.time_ns()
        payload = encode_probe(ProbeHeader(seq=seq, client_tx_ns=client_tx_ns), self.payload_bytes)
        detail = ""
        try:
            sent_s = self._send(payload, release)
        except (ATCommandError, ModemError) as error:
            sent_s, detail = command_s, str(error)
        return SentReport(
            seq=seq,
            sent_s=sent_s,
            state=str(before.state),
            state_held_s=sent_s - before.t_s,
            is_state_read=before.is_read,
            uart_wake_ms=uart_wake_s * 1000.0,
            rai=int(release),
            payload_bytes=self.payload_bytes,
            is_accepted=not detail,
            detail=detail,
            send_ms=(self.session.now_s() - command_s) * 1000.0,
            client_tx_ns=client_tx_ns,
        )

    def _send(self, payload: bytes, release: ReleaseAssistance) -> float:
        if release is ReleaseAssistance.NONE:
            return self.sock.send(payload)
        if not isinstance(self.sock, ReleaseAssistingSocket):
            raise ModemError(f"{type(self.sock).__name__} cannot mark a datagram with release assistance")
        return self.sock.send_with_release(payload, release)


def reach(watch: ModemStateWatch, states: Collection[ModemState], timeout_s: float) -> None:
    """Wait up to timeout_s for one of `states` (none: no wait); a module that does not get there is
    measured as it is, so this never raises for it."""
    if not states:
        return
    with contextlib.suppress(ModemError):
        watch.wait_for(states, timeout_s=timeout_s)


def wait_released(watch: ModemStateWatch, last: SentReport, timeout_s: float) -> None:
    """Until the connection the last report used is released (so its release time is measured), timeout_s
    at most."""
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        changes = watch.changes_since(last.sent_s)
        if not math.isnan(release_delays_s([last.sent_s], [last.state], changes)[0]):
            return
        time.sleep(_POLL_S)
