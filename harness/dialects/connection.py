"""dialects layer: from a port URL to a Modem ready for commands, usable from a REPL:

    with connect("virtual://bc660k?ce=1") as link:
        link.modem.attach(None, timeout_s=60)

Opens the port (harness.transport), starts an ATSession with its transcript, waits until the module answers
`AT` (a module that just powered up prints RDY and ignores commands for a moment; BC660K also loses the
first character after deep sleep, cellular-iot.md §3.1), asks for numeric +CME errors (AT+CMEE=1, 27.007
§9.1) and picks the dialect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import cast

import serial

from harness.at import ATCommandError, ATSession, ATTimeout, SerialPort
from harness.at.identifier_redaction import IdentifierHash
from harness.dialects.detection import AUTO, check_dialect, detect, open_modem
from harness.dialects.modem import Modem
from harness.errors import ModemError, Problem
from harness.rig import Rig, rig_dialect_problems, rig_port_problems
from harness.transport import check_url, open_port

READY_TIMEOUT_S = 10.0
_READY_ATTEMPT_S = 0.5
# Judgement: the waits for an answer to the AT that wakes a UART asleep in PSM (a BC660K in QSCLK=1 deep
# sleep loses the command that wakes it, [S5] §9.10; cellular-iot.md §3.1, §5.1 step 6). An awake module
# answers AT well under a second (this-machine.md: 0.1-0.2 ms over a pty; a real module within 300 ms). The
# first retries come quickly, before the UART's quiet-time countdown ends again (BC660K "slplocktimes" 10 s
# [S5] §11.1.5, a tenth of it on a rig running timers at 0.1), or every retry would meet a UART asleep again.
UART_WAKE_WAITS_S = (0.2, 0.2, 0.2, 0.5, 1.0, 2.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectOptions:
    dialect: str = AUTO
    baudrate: int = 115200
    transcript_path: Path | None = None
    # what replaces IMEI, IMSI and ICCID in the transcript; None keeps them in clear
    identifier_hash: IdentifierHash | None = None
    ready_timeout_s: float = READY_TIMEOUT_S
    default_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ModemLink:
    """An open port, its AT session and the Modem driving it; closing it closes all three."""

    port: serial.SerialBase
    session: ATSession
    modem: Modem
    dialect: str

    def close(self) -> None:
        try:
            self.session.close()
        finally:
            self.port.close()

    def __enter__(self) -> ModemLink:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def connect(url: str, options: ConnectOptions | None = None) -> ModemLink:
    options = options or ConnectOptions()
    port = open_port(url, baudrate=options.baudrate)
    try:
        return link_port(port, options)
    except BaseException:
        port.close()
        raise


def link_port(port: serial.SerialBase, options: ConnectOptions) -> ModemLink:
    """An AT session and Modem on a port that is already open (a fresh one, or one reopened after the
    module came back); the port stays open when this fails."""
    # pyserial's stubs declare in_waiting on the concrete port classes only; every port serial_for_url
    # returns has it.
    session = ATSession(
        cast(SerialPort, port),
        default_timeout_s=options.default_timeout_s,
        transcript_path=options.transcript_path,
        identifier_hash=options.identifier_hash,
    ).open()
    try:
        wait_until_responsive(session, options.ready_timeout_s)
        session.send("AT+CMEE=1")
        dialect = detect(session) if options.dialect == AUTO else options.dialect
        modem = open_modem(session, dialect)
    except BaseException:
        session.close()
        raise
    return ModemLink(port=port, session=session, modem=modem, dialect=dialect)


def rig_connection_problems(rig: Rig) -> list[Problem]:
    """What can be found wrong with a rig's modules without opening anything: port URLs and dialects."""
    return [*rig_port_problems(rig, check_url), *rig_dialect_problems(rig, check_dialect)]


def wake_uart(session: ATSession, waits_s: tuple[float, ...] = UART_WAKE_WAITS_S) -> float:
    """Send AT until one is answered (the first may be lost to a sleeping UART); the seconds it took. The last
    try raises what it meets (ATTimeout naming the command)."""
    start_s = session.now_s()
    *tries, last = waits_s
    for wait_s in tries:
        try:
            session.send("AT", timeout_s=wait_s)
            return session.now_s() - start_s
        except ATTimeout:
            continue
    session.send("AT", timeout_s=last)
    return session.now_s() - start_s


def wait_until_responsive(session: ATSession, timeout_s: float) -> None:
    """Send `AT` until the module answers OK, using the whole of timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        attempt_s = min(_READY_ATTEMPT_S, deadline - time.monotonic())
        try:
            session.send("AT", timeout_s=max(attempt_s, 0.0))
            return
        except (ATTimeout, ATCommandError) as error:
            if time.monotonic() >= deadline:
                raise ModemError(
                    f"{session.port_name}: no OK to AT within {timeout_s:g} s ({error})"
                ) from error
