"""A simulated SCPI DC power analyzer on loopback (tests/power): answers *IDN?, SYST:ERR? and the digitizer's
FETC:ARR:CURR? with a known current per sweep, after the sweep's real duration; it can queue an instrument
error after a command, keep silent at a query, or answer garbage."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

IDN = "Keysight Technologies,N6705C,MY56000123,D.03.01"
NO_ERROR = '+0,"No error"'


def sweep_amps(sweep: int, points: int) -> list[float]:
    """Sweep k: (k + 1) x 100 µA plus 0.1 µA per point, so every row says where it came from."""
    return [(sweep + 1) * 1e-4 + point * 1e-7 for point in range(points)]


@dataclass
class FakeScpi:
    idn: str = IDN
    errors_after: dict[str, str] = field(default_factory=dict)  # command prefix -> error it queues
    silent_at: str | None = None  # a query left unanswered
    fetch_answer: Callable[[int, int], str] | None = None  # (sweep, points) -> the line sent
    commands: list[str] = field(default_factory=list)
    triggers_s: list[float] = field(default_factory=list)
    sent_amps: list[list[float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.resource = f"TCPIP0::127.0.0.1::{self._server.getsockname()[1]}::SOCKET"
        self._errors: list[str] = []
        self._points, self._interval_s = 1, 0.001
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-scpi", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(5)

    def _serve(self) -> None:
        self._server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            with client:
                self._talk(client)

    def _talk(self, client: socket.socket) -> None:
        client.settimeout(0.05)
        pending = b""
        while not self._stop.is_set():
            try:
                chunk = client.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, _, pending = pending.partition(b"\n")
                answer = self._answer(line.decode().strip())
                if answer is not None:
                    client.sendall(answer.encode() + b"\n")

    def _answer(self, command: str) -> str | None:
        self.commands.append(command)
        for prefix, error in self.errors_after.items():
            if command.startswith(prefix):
                self._errors.append(error)
        if self.silent_at is not None and command.startswith(self.silent_at):
            return None
        if command.startswith("SENS:SWE:POIN"):
            self._points = int(command.split()[1].split(",")[0])
        elif command.startswith("SENS:SWE:TINT"):
            self._interval_s = float(command.split()[1].split(",")[0])
        elif command.startswith("TRIG:ACQ "):
            self.triggers_s.append(time.monotonic())
        elif command == "*IDN?":
            return self.idn
        elif command == "SYST:ERR?":
            return self._errors.pop(0) if self._errors else NO_ERROR
        elif command.startswith("FETC:ARR:CURR?"):
            time.sleep(self._points * self._interval_s)
            sweep = len(self.sent_amps)
            amps = sweep_amps(sweep, self._points)
            self.sent_amps.append(amps)
            if self.fetch_answer is not None:
                return self.fetch_answer(sweep, self._points)
            return ",".join(f"{value:+.6E}" for value in amps)
        return None
