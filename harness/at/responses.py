"""at layer: typed readers for information lines and URCs (DESIGN "Public names": harness.at.responses).

`parse(line, *, solicited=None)` returns a frozen dataclass, None for a line it does not know, and raises
ParseError for a known prefix it cannot read: never a wrong value. Field names follow TS 27.007 in snake case;
raw values are kept and converted ones added; 27.007's "unknown" codes (99, 255) become None.

One parser per prefix, registered where it is defined with @parses (the registry is filled at import and
never changed afterwards). This first version knows +CEREG, +CESQ, +CSQ, +CPIN, +CGPADDR, +CSCON and
+CME ERROR / +CMS ERROR; issue 3 adds the rest.

`solicited` says whether the line answers a read command (True) or is a URC (False); None infers it from the
line's shape. +CEREG's forms have field counts that never overlap (read 2, 5, 7, 9; URC 1, 4, 6, 8), so the
count decides and a `solicited` that disagrees is a ParseError. +CSCON's forms overlap at 2 and 3 fields,
where the caller must say which it is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from harness.at.fields import (
    Field,
    read_bits,
    read_hex,
    read_int,
    read_measurement,
    read_text,
    require_int,
    split_line,
)
from harness.at.framing import FinalKind, parse_final
from harness.at.timers import decode_gprs_timer2, decode_gprs_timer3
from harness.errors import ParseError

Parser = Callable[[str, tuple[Field, ...], bool | None], object]
T = TypeVar("T")

_PARSERS: dict[str, Parser] = {}


def parses(*prefixes: str) -> Callable[[Parser], Parser]:
    """Register the decorated function as the parser of lines with these prefixes."""

    def register(parser: Parser) -> Parser:
        for prefix in prefixes:
            if prefix in _PARSERS:
                raise ValueError(f"{prefix} already has a parser")
            _PARSERS[prefix] = parser
        return parser

    return register


def parse(line: str, *, solicited: bool | None = None) -> object | None:
    """The line read into its dataclass; None for an unknown line; ParseError when it cannot be read."""
    prefix, colon, _ = line.strip(" \t").partition(":")
    parser = _PARSERS.get(prefix.strip(" \t")) if colon else None
    if parser is None:
        return None
    try:
        _, fields = split_line(line)
        return parser(line, fields, solicited)
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def parse_as(line: str, kind: type[T], *, solicited: bool | None = None) -> T:
    """parse(), insisting on one result type: ParseError when the line is anything else."""
    value = parse(line, solicited=solicited)
    if not isinstance(value, kind):
        raise ParseError(line, f"expected a {kind.__name__} line")
    return value


def _form(count: int, *, read: frozenset[int], urc: frozenset[int], solicited: bool | None) -> bool:
    """True for the read form, False for the URC form, from the field count and what the caller says."""
    is_read, is_urc = count in read, count in urc
    if solicited is None and is_read != is_urc:
        return is_read
    if solicited is True and is_read:
        return True
    if solicited is False and is_urc:
        return False
    expected = {True: "read", False: "URC", None: "read or URC"}[solicited]
    raise ValueError(f"{count} fields do not make a {expected} form")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cereg:
    """+CEREG, EPS registration status (TS 27.007 §10.1.22; cellular-iot.md §1.1). n is None in a URC."""

    n: int | None
    stat: int
    tac: str | None
    ci: str | None
    act: int | None
    cause_type: int | None
    reject_cause: int | None
    active_time_bits: str | None
    periodic_tau_bits: str | None
    active_time_s: int | None
    periodic_tau_s: int | None


# Field counts of the two forms for n = 0..5, from the table in cellular-iot.md §1.1 (27.007 §10.1.22).
_CEREG_READ_COUNTS = frozenset({2, 5, 7, 9})
_CEREG_URC_COUNTS = frozenset({1, 4, 6, 8})


@parses("+CEREG")
def _read_cereg(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cereg:
    is_read = _form(
        len(fields), read=frozenset({2, 5, 7, 9}), urc=frozenset({1, 4, 6, 8}), solicited=solicited
    )
    n = require_int(fields[0], "n", low=0, high=5) if is_read else None
    rest = _padded(fields[1:] if is_read else fields, 8)
    active_time_bits = read_bits(rest[6], "Active-Time")
    periodic_tau_bits = read_bits(rest[7], "Periodic-TAU")
    return Cereg(
        n=n,
        stat=require_int(rest[0], "stat", low=0, high=255),
        tac=read_hex(rest[1], "tac", max_digits=4),
        ci=_read_eutran_ci(rest[2]),
        act=read_int(rest[3], "AcT", low=0, high=255),
        cause_type=read_int(rest[4], "cause_type", low=0, high=1),
        reject_cause=read_int(rest[5], "reject_cause", low=0, high=65_535),
        active_time_bits=active_time_bits,
        periodic_tau_bits=periodic_tau_bits,
        active_time_s=None if active_time_bits is None else decode_gprs_timer2(active_time_bits),
        periodic_tau_s=None if periodic_tau_bits is None else decode_gprs_timer3(periodic_tau_bits),
    )


def _padded(fields: tuple[Field, ...], count: int) -> tuple[Field, ...]:
    """The fields, with empty ones added up to `count` (a line that stops early)."""
    return (*fields, *(Field(""),) * (count - len(fields)))


def _read_eutran_ci(field: Field) -> str | None:
    """An E-UTRAN cell identity: 28 bits, so at most 8 hex digits below 1 << 28 (cellular-iot.md §6.9)."""
    ci = read_hex(field, "ci", max_digits=8)
    if ci is not None and int(ci, 16) >= 1 << 28:
        raise ValueError(f"ci {ci!r} does not fit the 28 bits of an E-UTRAN cell identity")
    return ci


@dataclass(frozen=True, slots=True, kw_only=True)
class Cesq:
    """+CESQ, extended signal quality (TS 27.007 §8.69; cellular-iot.md §1.3). rsrp_dbm = rsrp - 141 and
    rsrq_db = rsrq / 2 - 20: the lower edge of each reported range (DESIGN)."""

    rxlev: int | None
    ber: int | None
    rscp: int | None
    ecno: int | None
    rsrq: int | None
    rsrp: int | None
    rsrq_db: float | None
    rsrp_dbm: int | None


@parses("+CESQ")
def _read_cesq(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cesq:
    if len(fields) != 6:
        raise ValueError(f"+CESQ has 6 fields, this line {len(fields)}")
    rsrq = read_measurement(fields[4], "rsrq", high=34, unknown=255)
    rsrp = read_measurement(fields[5], "rsrp", high=97, unknown=255)
    return Cesq(
        rxlev=read_measurement(fields[0], "rxlev", high=63, unknown=99),
        ber=read_measurement(fields[1], "ber", high=7, unknown=99),
        rscp=read_measurement(fields[2], "rscp", high=96, unknown=255),
        ecno=read_measurement(fields[3], "ecno", high=49, unknown=255),
        rsrq=rsrq,
        rsrp=rsrp,
        rsrq_db=None if rsrq is None else rsrq / 2 - 20,
        rsrp_dbm=None if rsrp is None else rsrp - 141,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Csq:
    """+CSQ, signal quality (TS 27.007 §8.5; cellular-iot.md §1.3): rssi_dbm = -113 + 2 * rssi."""

    rssi: int | None
    ber: int | None
    rssi_dbm: int | None


@parses("+CSQ")
def _read_csq(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Csq:
    if len(fields) != 2:
        raise ValueError(f"+CSQ has 2 fields, this line {len(fields)}")
    rssi = read_measurement(fields[0], "rssi", high=31, unknown=99)
    return Csq(
        rssi=rssi,
        ber=read_measurement(fields[1], "ber", high=7, unknown=99),
        rssi_dbm=None if rssi is None else -113 + 2 * rssi,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Cpin:
    """+CPIN, SIM state (TS 27.007 §8.3): `code` is READY, SIM PIN, SIM PUK, ... as the module sends it."""

    code: str

    @property
    def is_ready(self) -> bool:
        return self.code == "READY"


@parses("+CPIN")
def _read_cpin(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cpin:
    code = read_text(fields[0]) if len(fields) == 1 else None
    if code is None:
        raise ValueError("+CPIN has one non-empty field")
    return Cpin(code=code)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cgpaddr:
    """+CGPADDR, PDP addresses of a context (TS 27.007 §10.1.14; cellular-iot.md §1.4). The raw address
    fields as sent, and `ip_addrs` read from them (IPv6 also in 27.007's 16 dotted decimal octets)."""

    cid: int
    pdp_addr_1: str | None
    pdp_addr_2: str | None
    ip_addrs: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]


@parses("+CGPADDR")
def _read_cgpaddr(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cgpaddr:
    if not 1 <= len(fields) <= 3:
        raise ValueError(f"+CGPADDR has 1 to 3 fields, this line {len(fields)}")
    addrs = [read_text(f) for f in fields[1:]] + [None, None]
    return Cgpaddr(
        cid=require_int(fields[0], "cid", low=0, high=255),
        pdp_addr_1=addrs[0],
        pdp_addr_2=addrs[1],
        ip_addrs=tuple(_ip_address(a) for a in addrs[:2] if a is not None),
    )


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    octets = text.split(".")
    if len(octets) == 16 and all(o.isascii() and o.isdigit() and int(o) <= 255 for o in octets):
        return ipaddress.IPv6Address(bytes(int(o) for o in octets))
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 or IPv6 address") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cscon:
    """+CSCON, signalling connection status (TS 27.007 §10.1.30; cellular-iot.md §1.4): mode 0 idle,
    1 connected. n is None in a URC."""

    n: int | None
    mode: int
    state: int | None
    access: int | None


# Read `+CSCON: <n>,<mode>[,<state>[,<access>]]`, URC `+CSCON: <mode>[,<state>[,<access>]]`.
_CSCON_READ_COUNTS = frozenset({2, 3, 4})
_CSCON_URC_COUNTS = frozenset({1, 2, 3})


@parses("+CSCON")
def _read_cscon(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cscon:
    is_read = _form(len(fields), read=_CSCON_READ_COUNTS, urc=_CSCON_URC_COUNTS, solicited=solicited)
    n = require_int(fields[0], "n", low=0, high=3) if is_read else None
    rest = _padded(fields[1:] if is_read else fields, 3)
    return Cscon(
        n=n,
        mode=require_int(rest[0], "mode", low=0, high=1),
        state=read_int(rest[1], "state", low=0, high=255),
        access=read_int(rest[2], "access", low=0, high=255),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CmeError:
    """+CME ERROR (TS 27.007 §9.2): numeric `code` (AT+CMEE=1) or verbose `text` (AT+CMEE=2)."""

    code: int | None
    text: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CmsError:
    """+CMS ERROR (TS 27.005 §3.2.5): numeric `code` or verbose `text`."""

    code: int | None
    text: str | None


@parses(FinalKind.CME_ERROR.value, FinalKind.CMS_ERROR.value)
def _read_error(line: str, fields: tuple[Field, ...], solicited: bool | None) -> CmeError | CmsError:
    final = parse_final(line)
    if final is None or (final.code is None and final.reason is None):
        raise ValueError("an error result code with neither a number nor a text")
    kind = CmeError if final.kind is FinalKind.CME_ERROR else CmsError
    return kind(code=final.code, text=final.reason)
