"""results layer: what a module did on the network, read back from one AT transcript (tests/<id>/at.log, the
grammar of harness.transcript_grammar), so the network-friendliness checks (harness.results.friendliness)
work on any run directory, old ones too.

An instant is kept on the session clock (`t_s`) and, where the header says when the session opened, also as
a wall-clock time (`utc_s`, Unix seconds), which puts the reports of several modules on one time line.

Which commands count (the commands the dialects and the virtual modules send; GSMA TS.34 principles,
../shared/reference/indicators.md §3.1):
  attach        AT+CFUN=1 (also =1,1), AT+CGATT=1, AT+COPS=0/1/4 (TS 27.007 §8.2, §10.1.9, §7.3)
  PDN           AT+CGACT=1 (27.007 §10.1.10), AT+QIACT, AT+QNETDEVCTL=3/1 (Quectel), AT+MIPCALL=1,
                AT+MDIALUP=<cid>,1 (China Mobile)
  report sends  AT+QISEND=<id>,<len>[,<RAI>] (not its `,0` query), AT+QISENDEX, AT+NSOST, AT+NSOSTF,
                AT+MIPSEND; release assistance: QISEND's <RAI> 1/2, NSOSTF's flags 0x200/0x400
  DNS           AT+QIDNSGIP, AT+QDNSGIP, AT+MDNSGIP (a host name inside a socket-open command is not seen)
  power saving  AT+CPSMS=1 (27.007 §7.38), AT+CEDRXS=1/2 (§7.40), AT+QEDRXCFG=1/2 (Quectel, with a PTW):
                requested
A failure is ERROR / +CME ERROR ending an attach or PDN command. Registration states are every +CEREG /
+C5GREG / +CGREG / +CREG line, as URC or as the answer to the read command it follows.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from harness.at.responses import C5greg, Cereg, Cgreg, Creg, Cscon, parse
from harness.errors import ParseError
from harness.traffic.registration_watch import StatReport, stat_report_of
from harness.transcript_grammar import Direction, TranscriptEntry, read_numbered_entries

_OPENED = re.compile(r"^# session opened (\S+);")
_PORT = re.compile(r"^# miot-harness AT transcript; port (.*)$")
_FINALS = ("OK", "ERROR", "+CME ERROR", "+CMS ERROR", "NO CARRIER")
_FAILURES = ("ERROR", "+CME ERROR", "+CMS ERROR")
_REGISTRATION = (Cereg, C5greg, Cgreg, Creg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """An AT command as written: `name` like `+CFUN`, `args` split at commas (whitespace kept out)."""

    t_s: float
    name: str
    args: tuple[str, ...]

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None


def parse_command(t_s: float, text: str) -> Command | None:
    """`AT+CFUN=1,1` -> Command(+CFUN, (1, 1)); None for a line that is not an extended AT command."""
    upper = text.strip().upper()
    if not upper.startswith("AT+") and not upper.startswith("AT%"):
        return None
    head, _, rest = upper[2:].partition("=")
    name = head.rstrip("?").strip()
    args = tuple(part.strip().strip('"') for part in rest.split(",")) if rest and rest != "?" else ()
    return Command(t_s=t_s, name=name, args=args)


def is_attach(command: Command) -> bool:
    first = command.arg(0)
    return (
        (command.name == "+CFUN" and first == "1")
        or (command.name == "+CGATT" and first == "1")
        or (command.name == "+COPS" and first in ("0", "1", "4"))
    )


def is_pdn_activation(command: Command) -> bool:
    first = command.arg(0)
    if command.name == "+QIACT":
        return bool(command.args)
    if command.name == "+MDIALUP":
        return command.arg(1) == "1"
    return (command.name in ("+CGACT", "+MIPCALL") and first == "1") or (
        command.name == "+QNETDEVCTL" and first in ("1", "3")
    )


def is_report_send(command: Command) -> bool:
    if command.name == "+QISEND":
        return command.arg(1) not in (None, "0")  # `,0` asks for the TCP counters, and sends nothing
    return command.name in ("+QISENDEX", "+NSOST", "+NSOSTF", "+MIPSEND") and bool(command.args)


def has_release_assistance(command: Command) -> bool:
    """A send marked "no further data" or "one response expected" (harness.dialects.release_assistance)."""
    if command.name == "+QISEND":
        return command.arg(2) in ("1", "2")
    if command.name == "+NSOSTF":
        with contextlib.suppress(ValueError, TypeError):
            return int(command.arg(3) or "0", 16) & 0x600 != 0
    return False


def is_dns_lookup(command: Command) -> bool:
    return command.name in ("+QIDNSGIP", "+QDNSGIP", "+MDNSGIP") and bool(command.args)


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptActivity:
    """Instants (session seconds) of what a module did, one tuple per kind, in transcript order."""

    port: str = ""
    opened_utc_s: float | None = None
    attach_commands: tuple[float, ...] = ()
    pdn_activations: tuple[float, ...] = ()
    command_failures: tuple[float, ...] = ()  # an attach or PDN command that ended in an error
    report_sends: tuple[float, ...] = ()
    release_assisted_sends: tuple[float, ...] = ()
    dns_lookups: tuple[float, ...] = ()
    power_saving_requests: tuple[float, ...] = ()  # AT+CPSMS=1, AT+CEDRXS=1/2
    registration: tuple[StatReport, ...] = ()
    rrc_connected: tuple[float, ...] = ()  # +CSCON mode 1
    rrc_released: tuple[float, ...] = ()  # +CSCON mode 0
    granted_active_time_s: tuple[int, ...] = ()  # T3324 in +CEREG reports that carry it

    @property
    def timer_scale(self) -> float:
        """How many times their length a virtual module runs the 24.301 timers (its `timer_scale` option,
        read from the port URL); 1 for hardware."""
        parts = urlsplit(self.port)
        if parts.scheme != "virtual":
            return 1.0
        with contextlib.suppress(ValueError, IndexError, KeyError):
            return float(parse_qs(parts.query)["timer_scale"][0])
        return 1.0

    def utc_s(self, t_s: float) -> float | None:
        return None if self.opened_utc_s is None else self.opened_utc_s + t_s


def read_activity(path: str | Path) -> TranscriptActivity:
    """The activity in a transcript file (InputError naming the lines it cannot read)."""
    port, opened = _header(Path(path))
    return activity_of(_entries_on_first_clock(Path(path), opened), port=port, opened_utc_s=opened)


def _entries_on_first_clock(path: Path, first_opened_utc_s: float | None) -> list[TranscriptEntry]:
    """The entries with every instant on the first session's clock. A port reopened for the same test (module
    recovery, a rerun) continues the file under a new `# session opened` header whose clock starts at 0
    again; taken as they stand, its instants would fall before the earlier ones and every interval across the
    reopen (a retry's wait, an hour's attempts) would be wrong. The headers' opening times give the shift."""
    shifts: list[tuple[int, float]] = []  # (line number of a session header, its shift in seconds)
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if line.startswith("#") and (found := _OPENED.match(line)) is not None:
                opened = _utc_s(found[1])
                if opened is not None and first_opened_utc_s is not None:
                    shifts.append((number, opened - first_opened_utc_s))
    entries = []
    for number, entry in read_numbered_entries(path):
        shift = next((s for at, s in reversed(shifts) if at < number), 0.0)
        entries.append(entry if shift == 0.0 else replace(entry, t_s=entry.t_s + shift))
    return entries


def activity_of(
    entries: list[TranscriptEntry], *, port: str = "", opened_utc_s: float | None = None
) -> TranscriptActivity:
    """The activity in transcript entries (module docstring)."""
    found: dict[str, list[float]] = {name: [] for name in _KINDS}
    registration: list[StatReport] = []
    granted: list[int] = []
    pending: Command | None = None  # the command whose final result has not been read yet
    for entry in entries:
        if entry.direction is Direction.WRITTEN:
            pending = parse_command(entry.t_s, entry.text)
            if pending is not None:
                _count_command(pending, found)
        elif entry.direction is Direction.READ:
            text = entry.text.strip()
            if pending is not None and text.startswith(_FINALS):
                if text.startswith(_FAILURES) and (is_attach(pending) or is_pdn_activation(pending)):
                    found["command_failures"].append(entry.t_s)
                pending = None
                continue
            is_answer = pending is not None and text.upper().startswith(pending.name + ":")
            _read_line(text, entry.t_s, is_answer, (registration, granted, found))
    return TranscriptActivity(
        port=port,
        opened_utc_s=opened_utc_s,
        registration=tuple(registration),
        granted_active_time_s=tuple(granted),
        **{name: tuple(times) for name, times in found.items()},
    )


_KINDS = (
    "attach_commands",
    "pdn_activations",
    "command_failures",
    "report_sends",
    "release_assisted_sends",
    "dns_lookups",
    "power_saving_requests",
    "rrc_connected",
    "rrc_released",
)


def _count_command(command: Command, found: dict[str, list[float]]) -> None:
    for kind, test in (
        ("attach_commands", is_attach),
        ("pdn_activations", is_pdn_activation),
        ("report_sends", is_report_send),
        ("release_assisted_sends", has_release_assistance),
        ("dns_lookups", is_dns_lookup),
    ):
        if test(command):
            found[kind].append(command.t_s)
    if is_power_saving_request(command):
        found["power_saving_requests"].append(command.t_s)


def is_power_saving_request(command: Command) -> bool:
    """PSM or eDRX switched on: +CPSMS=1, +CEDRXS=1/2, or Quectel's +QEDRXCFG=1/2 (eDRX with a PTW, the
    modes of +CEDRXS; BC660K AT manual §9.6), which the quectel_nbiot dialect sends to ask for a PTW."""
    first = command.arg(0)
    return (command.name == "+CPSMS" and first == "1") or (
        command.name in ("+CEDRXS", "+QEDRXCFG") and first in ("1", "2")
    )


def _read_line(
    text: str,
    t_s: float,
    is_answer: bool,
    into: tuple[list[StatReport], list[int], dict[str, list[float]]],
) -> None:
    registration, granted, found = into
    try:
        line = parse(text, solicited=is_answer)
    except ParseError:
        return  # a line the module garbled is no evidence either way
    if isinstance(line, _REGISTRATION):
        registration.append(stat_report_of(line, t_s, is_read=is_answer))
        if isinstance(line, Cereg) and line.active_time_s is not None:
            granted.append(line.active_time_s)
    elif isinstance(line, Cscon):
        found["rrc_connected" if line.mode == 1 else "rrc_released"].append(t_s)


def _header(path: Path) -> tuple[str, float | None]:
    """The port and the session's opening time (Unix seconds) from the transcript's `#` header lines."""
    port, opened = "", None
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.startswith("#"):
                break
            if (found := _PORT.match(line.rstrip("\n"))) is not None:
                port = found[1]
            elif (found := _OPENED.match(line)) is not None:
                opened = _utc_s(found[1])
    return port, opened


def _utc_s(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
