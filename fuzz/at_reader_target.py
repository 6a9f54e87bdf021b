"""Fuzz target for the AT reader (issue 9 item 3): bytes a module might send, through everything that turns
them into meaning without a port: harness.at's framer and router (lines, prompts, raw data blocks, echo,
finals, URCs, noise), the typed parsers of harness.at.responses, and the dialects' own line readers.

Promise under test: whatever the bytes, the only exception is ParseError (a known prefix that cannot be
read) or, from a dialect's reader, ModemError; anything else is a crash. Pure and quick (no I/O, no
threads), so the runner tries thousands of inputs a second.

The first byte of an input picks the reader's situation (which command is pending, whether a prompt or an
echo is expected), the second the size of the chunks the rest arrives in, as a serial port splits it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

from harness.at.exchange import Urc
from harness.at.framing import DataRule, data_length_field
from harness.at.responses import parse, read_imei, read_imsi
from harness.at.routing import LineRouter, PendingCommand
from harness.at.transcript import Transcript
from harness.at.urcs import UrcRouter
from harness.dialects.cmcc_cat1_lines import read_mipurc
from harness.dialects.quectel_nbiot_cell import read_nuestats, read_qeng
from harness.dialects.quectel_redcap_cells import read_serving_cell
from harness.dialects.quectel_redcap_layouts import FirmwareLayout, layout_for
from harness.dialects.quectel_redcap_ping import read_ping_line
from harness.dialects.quectel_redcap_signal import read_network_info, read_signal_quality
from harness.errors import ModemError, ParseError

# Commands whose answers take every path through the router: a read (solicited lines), a set, a prompt
# command, a data-rule read, bare-line identity reads, a vendor report.
COMMANDS = ("AT+CEREG?", "AT+CEREG=5", "AT+QISEND=0,5", "AT+QIRD=0,512", "AT+CGSN", "AT+CIMI", "AT+QENG=0")
PROMPT_COMMANDS = frozenset({"AT+QISEND=0,5"})
DATA_RULES = (
    DataRule(prefix="+QIRD", length_of=data_length_field(0)),
    DataRule(prefix='+QIURC: "recv"', length_of=data_length_field(2)),
)
URC_BACKLOG = 64
# The RedCap readers read fields by firmware family (AT+CGMR); the last revision here matches none.
REVISIONS = ("RG255CGLAAR01A01M4G", "RM520NGLAAR03A07M4G", "XX000")


def exercise(data: bytes) -> frozenset[str]:
    """Feed `data` to a fresh reader as described in the module docstring. Returns what came out, as
    `reader:outcome` names (`parse:Cereg`, `read_imsi:ParseError`): the runner keeps an input that shows a
    new one in the corpus. Raises only what the reader is allowed to raise (ALLOWED)."""
    situation = data[0] if data else 0
    chunk_bytes = 1 + (data[1] % 64 if len(data) > 1 else 0)
    stream = data[2:]
    layout = layout_for(REVISIONS[situation % len(REVISIONS)])
    router = LineRouter(urcs=UrcRouter(backlog_size=URC_BACKLOG), transcript=Transcript(None))
    for rule in DATA_RULES:
        router.add_rule(rule)
    commands = itertools.cycle(COMMANDS[situation % len(COMMANDS) :] + COMMANDS[: situation % len(COMMANDS)])
    pending = _begin(router, next(commands), echo=bytes(stream[:5]) if situation & 0x80 else None)
    seen: set[str] = set()
    for at in range(0, len(stream), chunk_bytes):
        for urc in router.take(stream[at : at + chunk_bytes], t_s=float(at)):
            _read_urc(urc, layout, seen)
        if pending.final is not None:
            _read_answer(pending, layout, seen)
            pending = _begin(router, next(commands), echo=None)
    _read_answer(pending, layout, seen)
    return frozenset(seen)


ALLOWED: tuple[type[Exception], ...] = (ParseError, ModemError)


def _begin(router: LineRouter, command: str, *, echo: bytes | None) -> PendingCommand:
    pending = PendingCommand.of(command, started_s=0.0, timeout_s=1.0, is_secret=False)
    router.begin(pending, is_prompt=command in PROMPT_COMMANDS)
    if echo is not None:
        pending.is_echo_seen = True
        router.expect_echo(pending, echo)
    return pending


def _read_urc(urc: Urc, layout: FirmwareLayout, seen: set[str]) -> None:
    seen.add("urc")
    _each_allowed(
        seen,
        functools.partial(parse, urc.line, solicited=False),
        functools.partial(parse, urc.line),
        functools.partial(read_mipurc, urc.line, is_cached=True),
        functools.partial(read_network_info, urc.line),
        functools.partial(read_signal_quality, urc.line, layout),
        functools.partial(read_ping_line, urc.line),
    )


def _read_answer(pending: PendingCommand, layout: FirmwareLayout, seen: set[str]) -> None:
    lines = tuple(pending.lines)
    calls: list[Callable[[], object]] = [functools.partial(parse, line, solicited=True) for line in lines]
    readers: tuple[Callable[[tuple[str, ...]], object], ...] = (
        read_imsi,
        read_imei,
        read_qeng,
        read_nuestats,
    )
    calls += [functools.partial(reader, lines) for reader in readers]
    calls.append(functools.partial(read_serving_cell, lines, layout))
    _each_allowed(seen, *calls)
    if pending.final is not None:
        seen.add(f"final:{pending.to_response().kind}")


def _each_allowed(seen: set[str], *calls: Callable[[], object]) -> None:
    for call in calls:
        try:
            outcome = type(call()).__name__
        except ALLOWED as error:
            outcome = type(error).__name__
        seen.add(f"{getattr(getattr(call, 'func', call), '__name__', 'reader')}:{outcome}")
