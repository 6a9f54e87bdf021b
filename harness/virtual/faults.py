"""virtual layer: the faults a virtual module can be given (issue 4 item 6): their kinds and parameters, read
from the URL (the rig sets them) or from a control request (a test switches them on during a run). What each
one does is harness.virtual.fault_injector's.

  kind               parameters (default)                  what the harness sees
  no_response        -                                     nothing: no echo, no answer, no URC (ATTimeout)
  slow_response      delay_s (2)                           everything the module writes, delay_s late
  garbage            chance_pct (50), max_bytes (16)       random bytes (NUL, non-UTF-8) between lines
  urc_storm          rate_hz (200), line (registration)    a flood of URCs; commands still answered
  reboot             -                                     RDY (the ready URC), volatile state gone
  port_vanish        reappear_s (2), reboot (1)            PortLost; a new tty path in status later
  registration_lost  stat (2: searching, or 0)             +CEREG/+C5GREG <stat> 2 or 0, sockets closed
  sim_removed        -                                     +CME ERROR: 10 to SIM commands, deregistered
  socket_closed      connect_id (every open one)           +QIURC: "closed" / +MIPURC: "disconn"
  wake_loss          lost ("line" or "char")               after PSM, the first line (or byte) is lost

Every fault also takes `at_s` (start that long after boot, or after the control request; default at once).
Lasting faults (all but reboot, port_vanish and socket_closed, which happen once) take `duration_s` too: they
end by themselves that long after they started, and otherwise stay until cleared.

URL: `faults=<kind>[,<kind>...]`, then `<kind>.<parameter>=<value>` for what differs from the defaults, e.g.
`virtual://bc660k?faults=slow_response,reboot&slow_response.delay_s=3&reboot.at_s=30`.
Control: `{"op": "fault", "kind": "slow_response", "delay_s": 3, "duration_s": 10}`, and
`{"op": "clear_faults"}` (every fault) or `{"op": "clear_faults", "kind": "slow_response"}`.
A bad kind, name or value is a UrlError (URL) or a ValueError (control) naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from harness.errors import UrlError
from harness.virtual.option_reader import OptionReader, integer, number, one_of, shown_url

FAULTS_OPTION = "faults"
MAX_DELAY_S = 86_400.0
MAX_URC_LINE_CHARS = 200

Value = float | int | str


class FaultKind(StrEnum):
    NO_RESPONSE = "no_response"
    SLOW_RESPONSE = "slow_response"
    GARBAGE = "garbage"
    URC_STORM = "urc_storm"
    REBOOT = "reboot"
    PORT_VANISH = "port_vanish"
    REGISTRATION_LOST = "registration_lost"
    SIM_REMOVED = "sim_removed"
    SOCKET_CLOSED = "socket_closed"
    WAKE_LOSS = "wake_loss"


def urc_line(text: str) -> str:
    """A URC the storm repeats: `+NAME: ...` in printable ASCII on one line."""
    if not re.fullmatch(r"\+[A-Z0-9]+:[ -~]*", text) or len(text) > MAX_URC_LINE_CHARS:
        raise ValueError(f"must be one printable line like '+CEREG: 1', at most {MAX_URC_LINE_CHARS} chars")
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    parse: Callable[[str], Value]
    default: Value | None  # None: absent unless given


@dataclass(frozen=True, slots=True, kw_only=True)
class KindSpec:
    parameters: Mapping[str, Parameter]
    is_lasting: bool  # stays until cleared (or duration_s); otherwise it happens once


def _spec(*, is_lasting: bool, **parameters: Parameter) -> KindSpec:
    return KindSpec(parameters=MappingProxyType(parameters), is_lasting=is_lasting)


KINDS: Mapping[FaultKind, KindSpec] = MappingProxyType(
    {
        FaultKind.NO_RESPONSE: _spec(is_lasting=True),
        FaultKind.SLOW_RESPONSE: _spec(
            is_lasting=True, delay_s=Parameter(parse=number(0.001, 600.0), default=2.0)
        ),
        FaultKind.GARBAGE: _spec(
            is_lasting=True,
            chance_pct=Parameter(parse=number(0.0, 100.0), default=50.0),
            max_bytes=Parameter(parse=integer(1, 256), default=16),
        ),
        FaultKind.URC_STORM: _spec(
            is_lasting=True,
            rate_hz=Parameter(parse=number(0.1, 5000.0), default=200.0),
            line=Parameter(parse=urc_line, default=None),
        ),
        FaultKind.REBOOT: _spec(is_lasting=False),
        FaultKind.PORT_VANISH: _spec(
            is_lasting=False,
            reappear_s=Parameter(parse=number(0.0, 3600.0), default=2.0),
            reboot=Parameter(parse=integer(0, 1), default=1),
        ),
        FaultKind.REGISTRATION_LOST: _spec(
            is_lasting=True, stat=Parameter(parse=lambda text: int(one_of(("0", "2"))(text)), default=2)
        ),
        FaultKind.SIM_REMOVED: _spec(is_lasting=True),
        FaultKind.SOCKET_CLOSED: _spec(
            is_lasting=False, connect_id=Parameter(parse=integer(0, 255), default=None)
        ),
        FaultKind.WAKE_LOSS: _spec(
            is_lasting=True, lost=Parameter(parse=one_of(("line", "char")), default="line")
        ),
    }
)
AT_S = Parameter(parse=number(0.0, MAX_DELAY_S), default=0.0)
DURATION_S = Parameter(parse=number(0.001, MAX_DELAY_S), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One fault: its kind, its parameters (defaults filled in; optional ones only when given), when it starts
    (seconds after boot or after the request) and how long it lasts (None: until cleared)."""

    kind: FaultKind
    parameters: Mapping[str, Value]
    at_s: float = 0.0
    duration_s: float | None = None

    def number(self, name: str) -> float:
        value = self.parameters[name]
        assert not isinstance(value, str), f"{self.kind}.{name} is a number"
        return value

    def text(self, name: str) -> str | None:
        value = self.parameters.get(name)
        return None if value is None else str(value)

    def describe(self) -> dict[str, object]:
        """The fault as a status shows it (JSON values)."""
        return {"kind": str(self.kind), **self.parameters, "at_s": self.at_s, "duration_s": self.duration_s}


def _names(kind: FaultKind) -> dict[str, Parameter]:
    spec = KINDS[kind]
    return {**spec.parameters, "at_s": AT_S, **({"duration_s": DURATION_S} if spec.is_lasting else {})}


def _fault(kind: FaultKind, values: Mapping[str, Value | None]) -> Fault:
    parameters = {name: value for name, value in values.items() if value is not None}
    at_s = parameters.pop("at_s", 0.0)
    duration_s = parameters.pop("duration_s", None)
    return Fault(
        kind=kind,
        parameters=MappingProxyType(parameters),
        at_s=float(at_s),
        duration_s=None if duration_s is None else float(duration_s),
    )


def _kind(text: str) -> FaultKind:
    try:
        return FaultKind(text)
    except ValueError:
        raise ValueError(f"unknown fault {text!r} (known: {', '.join(FaultKind)})") from None


def read_url_faults(reader: OptionReader) -> tuple[Fault, ...]:
    """The faults a URL sets: `faults=<kind>,...` and `<kind>.<parameter>=<value>`; UrlError when wrong."""
    listed = reader.get(FAULTS_OPTION, lambda text: text, "")
    kinds: list[FaultKind] = []
    for word in filter(None, listed.split(",")):
        try:
            kind = _kind(word.strip())
        except ValueError as exc:
            raise UrlError(f"{shown_url(reader.url)}: option {FAULTS_OPTION}: {exc}") from None
        if kind in kinds:
            raise UrlError(f"{shown_url(reader.url)}: option {FAULTS_OPTION} names {kind} twice")
        kinds.append(kind)
    return tuple(
        _fault(
            kind,
            {name: reader.get(f"{kind}.{name}", p.parse, p.default) for name, p in _names(kind).items()},
        )
        for kind in kinds
    )


def fault_from_request(args: Mapping[str, object]) -> Fault:
    """The fault of a control request {"kind": ..., <parameter>: <value>, ...}; ValueError when wrong."""
    kind_value = args.get("kind")
    if not isinstance(kind_value, str):
        raise ValueError(f"a fault needs a kind (one of {', '.join(FaultKind)}), got {kind_value!r}")
    kind = _kind(kind_value)
    names = _names(kind)
    unknown = sorted(set(args) - set(names) - {"kind"})
    if unknown:
        raise ValueError(
            f"fault {kind} has no parameter {unknown[0]!r} (known: {', '.join(names) or 'none'})"
        )
    values: dict[str, Value | None] = {}
    for name, parameter in names.items():
        if name not in args:
            values[name] = parameter.default
            continue
        value = args[name]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"{kind}.{name} must be a number or text, got {value!r}")
        try:
            values[name] = parameter.parse(str(value))
        except ValueError as exc:
            raise ValueError(f"{kind}.{name} {exc}, got {value!r}") from None
    return _fault(kind, values)
