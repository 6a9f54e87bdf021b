"""at layer: packet domain lines +CGDCONT, +CGACT, +CGPADDR and +CSCON (TS 27.007 §10.1.1, §10.1.10,
§10.1.14, §10.1.30; ../shared/reference/cellular-iot.md §1.4; BC660K manual §4.4, §4.6, §5.1, §5.4 [S5]).

- +CGDCONT: one line per context, `<cid>,<PDP_type>,<APN>,<PDP_addr>,<d_comp>,<h_comp>[,...]`; modules stop
  early (BC660K `+CGDCONT: 1,"IP","CMNET"`) or add many fields (RM520N `...,0,0,0,0,,,,,,,,,"",,,,0` [S14]).
  The fields after <h_comp> are kept as text in `options`.
- +CGACT: one `<cid>,<state>` line per context.
- +CGPADDR: `<cid>[,<PDP_addr_1>[,<PDP_addr_2>]]`, quoted or not; IPv6 also in 27.007's 16 dotted octets.
- +CSCON: read `<n>,<mode>[,<state>[,<access>]]`, URC `<mode>[,<state>[,<access>]]`: the forms overlap at 2
  and 3 fields, where the caller must say which it is.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from harness.at.fields import Field, read_int, read_text, require_int
from harness.at.responses.registry import count_between, form_of, padded, parses

_MAX_CID = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class Cgdcont:
    """One +CGDCONT? line: a defined PDP context (BC660K reads APNs back upper-cased)."""

    cid: int
    pdp_type: str
    apn: str | None
    pdp_addr: str | None
    d_comp: int | None
    h_comp: int | None
    options: tuple[str | None, ...]


@parses("+CGDCONT")
def _read_cgdcont(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cgdcont:
    count_between(fields, "+CGDCONT", low=2, high=64)
    rest = padded(fields, 6)
    pdp_type = read_text(rest[1])
    if pdp_type is None:
        raise ValueError("PDP_type is empty")
    return Cgdcont(
        cid=require_int(rest[0], "cid", low=0, high=_MAX_CID),
        pdp_type=pdp_type,
        apn=read_text(rest[2]),
        pdp_addr=read_text(rest[3]),
        d_comp=read_int(rest[4], "d_comp", low=0, high=255),
        h_comp=read_int(rest[5], "h_comp", low=0, high=255),
        options=tuple(read_text(f) for f in fields[6:]),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Cgact:
    """One +CGACT? line: a context's activation state (0 deactivated, 1 activated)."""

    cid: int
    state: int

    @property
    def is_active(self) -> bool:
        return self.state == 1


@parses("+CGACT")
def _read_cgact(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cgact:
    count_between(fields, "+CGACT", low=2, high=2)
    return Cgact(
        cid=require_int(fields[0], "cid", low=0, high=_MAX_CID),
        state=require_int(fields[1], "state", low=0, high=1),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Cgpaddr:
    """+CGPADDR, PDP addresses of a context: the raw address fields as sent, and `ip_addrs` read from them."""

    cid: int
    pdp_addr_1: str | None
    pdp_addr_2: str | None
    ip_addrs: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]


@parses("+CGPADDR")
def _read_cgpaddr(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cgpaddr:
    count_between(fields, "+CGPADDR", low=1, high=3)
    addrs = [read_text(f) for f in fields[1:]] + [None, None]
    return Cgpaddr(
        cid=require_int(fields[0], "cid", low=0, high=_MAX_CID),
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
    """+CSCON, signalling connection status: mode 0 idle, 1 connected. n is None in a URC."""

    n: int | None
    mode: int
    state: int | None
    access: int | None


@parses("+CSCON")
def _read_cscon(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cscon:
    is_read = form_of(len(fields), read=frozenset({2, 3, 4}), urc=frozenset({1, 2, 3}), solicited=solicited)
    n = require_int(fields[0], "n", low=0, high=3) if is_read else None
    rest = padded(fields[1:] if is_read else fields, 3)
    return Cscon(
        n=n,
        mode=require_int(rest[0], "mode", low=0, high=1),
        state=read_int(rest[1], "state", low=0, high=255),
        access=read_int(rest[2], "access", low=0, high=255),
    )
