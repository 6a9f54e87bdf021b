"""virtual layer: Quectel's AT+QPING as a virtual module answers it (BC660K, RG255C), timed by
harness.virtual.module_ping.

Syntax (Quectel BG95/BG96 TCP/IP application notes [S13]; the same command on BC660K [S5 §14.1] and RM5xx,
cellular-iot.md §3.1, §3.3; the golden exchanges of fixtures/at/golden/quectel_redcap/qping-*.log):
  AT+QPING=<contextID>,"<host>"[,<timeout 1-255 s, default 4>[,<pingnum 1-10, default 4>]]
  -> OK, then per request  +QPING: 0,"<ip>",<bytes>,<time_ms>,<ttl>   or  +QPING: 569 (timed out)
     then the summary       +QPING: 0,<sent>,<rcvd>,<lost>,<min>,<max>,<avg>
                            (min, max and avg 0 when nothing came back: judgement; some firmware stops
                            after <lost> then, qping-silent-host.log, which not every dialect reads)
  ERROR when the context is not active (not registered) or a ping is already running; OK then
  +QPING: 565 (DNS parse failed: the virtual module resolves no names) or +QPING: 572 (operation not
  allowed: an address outside the network rule, harness.virtual.address_policy).
Echo data is 32 bytes, the size every example shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.address_policy import is_allowed_address, parse_ipv4
from harness.virtual.at_front import Handler, Reply, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.module_ping import PingReply, PingRun

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

DNS_PARSE_FAILED = 565
TIMED_OUT = 569
OPERATION_NOT_ALLOWED = 572
ECHO_BYTES = 32
DEFAULT_TIMEOUT_S = 4
DEFAULT_COUNT = 4


class QuectelPing:
    def __init__(self, module: VirtualModule, *, context_ids: range) -> None:
        self._module = module
        self._context_ids = context_ids
        self._run: PingRun | None = None
        module.reboot_watchers.append(self._stop)

    def table(self) -> dict[str, Handler]:
        return {"+QPING": self.qping}

    def qping(self, command: ATCommand) -> Reply:
        if command.kind is CommandKind.TEST:
            first, last = self._context_ids.start, self._context_ids.stop - 1
            return ok(f'+QPING: ({first}-{last}),"host",(1-255),(1-10)')
        if command.kind is not CommandKind.WRITE or len(command.args) < 2:
            return error()
        int_arg(command, 0, self._context_ids.start, self._context_ids.stop - 1)
        host = command.args[1]
        timeout_s = int_arg(command, 2, 1, 255, default=DEFAULT_TIMEOUT_S)
        count = int_arg(command, 3, 1, 10, default=DEFAULT_COUNT)
        if not self._module.registration.is_registered or (self._run is not None and self._run.is_running):
            return error()
        if parse_ipv4(host) is None:
            self._later(f"+QPING: {DNS_PARSE_FAILED}")
        elif not is_allowed_address(host):
            self._later(f"+QPING: {OPERATION_NOT_ALLOWED}")
        else:
            self._run = PingRun(
                self._module,
                host=host,
                count=count,
                timeout_s=timeout_s,
                size_bytes=ECHO_BYTES,
                on_reply=self._reply,
                on_done=self._summary,
            )
        return ok()

    def _later(self, line: str) -> None:
        """A URC after the OK (the front holds URCs until the command's answer is out)."""
        self._module.front.emit_urc(line)

    def _reply(self, reply: PingReply) -> None:
        if reply.rtt_ms is None:
            self._later(f"+QPING: {TIMED_OUT}")
        else:
            self._later(f'+QPING: 0,"{reply.host}",{reply.size_bytes},{reply.rtt_ms},{reply.ttl}')

    def _summary(self, replies: list[PingReply]) -> None:
        rtts = [reply.rtt_ms for reply in replies if reply.rtt_ms is not None]
        sent, received = len(replies), len(rtts)
        low, high, average = (min(rtts), max(rtts), round(sum(rtts) / received)) if rtts else (0, 0, 0)
        self._later(f"+QPING: 0,{sent},{received},{sent - received},{low},{high},{average}")

    def _stop(self) -> None:
        if self._run is not None:
            self._run.stop()
            self._run = None
