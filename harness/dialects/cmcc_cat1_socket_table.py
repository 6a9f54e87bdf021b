"""dialects layer: what the sockets of one China Mobile OneMO module share (cmcc_cat1_socket): their
options, the connect ids in use, and the commands whose result may come as a URC (AT+MIPOPEN, AT+MIPCLOSE).
Section numbers are the OneMO TCP/IP AT manual V5.1.5's (cellular-iot.md §3.4 [S11], search index id
58929532626).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol

from harness.at import ATResponse, ATSession
from harness.errors import ModemError

CONNECT_IDS = range(6)  # <connect_id> 0-5 (§3.3)
OPEN_TIMEOUT_S = 60  # <timeout> of AT+MIPOPEN, 1-180 s, default 60 s (§3.3); sent explicitly
SEND_INPUT_TIMEOUT_S = 10.0  # the module waits this long for data-mode input: AT+MIPCFG "timeout" default
RESULT_MARGIN_S = 5.0  # on top of the module's own timeouts, for the answer to reach the host
SEND_TIMEOUT_S = SEND_INPUT_TIMEOUT_S + RESULT_MARGIN_S  # AT+MIPSEND, prompt and data included


class AccessMode(IntEnum):
    """<access_mode> of AT+MIPOPEN that fit a UDP socket driven by AT commands (§3.3); TCP uses NORMAL."""

    NORMAL = 0
    PACKET_CACHE = 3


class SendForm(StrEnum):
    """How AT+MIPSEND carries the datagram (§3.5); HEX and ASCII set <send_format> 1 and 0 (§3.1)."""

    DATA_MODE = "data_mode"
    HEX = "hex"
    ASCII = "ascii"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultLine:
    """A command's result line, when the command was written and when the line was read (session clock)."""

    line: str
    command_s: float
    t_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SocketOptions:
    access_mode: AccessMode = AccessMode.NORMAL
    send_form: SendForm = SendForm.DATA_MODE


class CommandSender(Protocol):
    """What the sockets use of their Modem: its session, and commands sent with the dialect's timeouts."""

    session: ATSession

    def send_command(
        self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False
    ) -> ATResponse: ...

    def command_timeout_s(self, cmd: str) -> float | None: ...


class ConnectIds:
    """The connect ids of one module in use, and one lock per result prefix (one command of each in flight,
    so a result cannot be taken for another's)."""

    def __init__(self, sender: CommandSender, options: SocketOptions) -> None:
        self.sender = sender
        self.session = sender.session
        self.options = options
        self._lock = threading.Lock()
        self._in_use: set[int] = set()
        self._result_locks = {prefix: threading.Lock() for prefix in ("+MIPOPEN", "+MIPCLOSE")}

    def take(self) -> int:
        with self._lock:
            free = [i for i in CONNECT_IDS if i not in self._in_use]
            if not free:
                raise ModemError(f"all {len(CONNECT_IDS)} socket connect IDs are in use")
            self._in_use.add(free[0])
            return free[0]

    def release(self, connect_id: int) -> None:
        with self._lock:
            self._in_use.discard(connect_id)

    def send_for_result(
        self, command: str, *, prefix: str, match: Callable[[str], bool], timeout_s: float
    ) -> ResultLine:
        """Send `command` and return its result line: a response line when the module put the result before
        OK, else the first matching URC read after the command was written."""
        with self._result_locks[prefix]:
            response = self.sender.send_command(command)
            for line in response.matching(prefix):
                if match(line):
                    return ResultLine(line=line, command_s=response.started_s, t_s=response.ended_s)
            urc = self.session.wait_for_urc(
                prefix, timeout_s=timeout_s, match=lambda urc: match(urc.line), since_s=response.started_s
            )
            return ResultLine(line=urc.line, command_s=response.started_s, t_s=urc.t_s)
