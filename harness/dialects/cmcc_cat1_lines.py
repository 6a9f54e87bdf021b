"""dialects layer: typed readers of the lines a China Mobile OneMO ML307R (LTE Cat-1) sends for its TCP/IP
commands, and the line-reading helpers harness.dialects.cmcc_cat1_reports shares; used by the cmcc_cat1
dialect.

Source: OneMO "TCP/IP用户手册" V5.1.5 (2025-03-26; ../shared/reference/cellular-iot.md §3.4 [S11], search
index id 58929532626): §3.3 +MIPOPEN, §3.4 +MIPCLOSE, §3.5 +MIPSEND, §3.6 +MIPRD, §3.20 +MIPURC, §5 error
codes. Each reader returns a frozen dataclass, None for a line of a kind it does not read (a +MIPURC event
this dialect does not use), and raises ParseError for a line it cannot read: never a wrong value.

Data in +MIPURC and +MIPRD lines is read in the HEX form only (AT+MIPCFG="encoding" <recv_format> 1). The
ASCII form puts raw bytes into the middle of a line, where CR, LF and bytes that are not UTF-8 cannot be
told from framing, so a reader of it could return damaged data.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeVar

from harness.at.fields import Field, require_int, split_line
from harness.errors import ParseError

T = TypeVar("T")

CONNECT_ID_MAX = 5  # <connect_id> 0-5 (TCP/IP manual §3.3; MN316 parts stop at 4, MR880A goes to 9)
HEX_DIGITS = frozenset(string.hexdigits)

# §5 of the TCP/IP manual: the +CME ERROR codes of the TCP/IP, DNS and ping commands.
SOCKET_ERRORS: Final = MappingProxyType(
    {
        550: "TCP/IP unknown error",
        551: "connection id not in use",
        552: "connection id already in use",
        553: "not connected",
        554: "socket creation failed",
        555: "socket bind failed",
        556: "socket listen failed",
        557: "connection refused",
        558: "connection timed out",
        559: "connection failed",
        560: "socket write error",
        561: "socket read error",
        562: "socket accept error",
        570: "PDP context not active",
        571: "PDP activation failed",
        572: "PDP deactivation failed",
        575: "APN not configured",
        576: "port busy",
        577: "IPv4/IPv6 not supported",
        580: "DNS failure or bad IP address",
        581: "DNS busy",
        582: "ping busy",
    }
)

# <connect_state> of +MIPURC: "disconn" (§3.20).
DISCONNECT_REASONS: Final = MappingProxyType(
    {1: "closed by the server", 2: "connection error", 3: "PDP deactivated"}
)


def line_reader(read: Callable[[str, tuple[Field, ...]], T]) -> Callable[[str], T]:
    """The line split into its fields for `read`; what `read` cannot read becomes a ParseError."""

    def read_line(line: str) -> T:
        try:
            _, fields = split_line(line)
            return read(line, fields)
        except ValueError as exc:
            raise ParseError(line, str(exc)) from exc

    read_line.__doc__ = read.__doc__
    return read_line


def _connect_id(field: Field) -> int:
    return require_int(field, "connect_id", low=0, high=CONNECT_ID_MAX)


def read_signed(field: Field, name: str) -> int:
    """A whole number that may be negative (`-1015`, `-1`)."""
    text = field.text.strip(" \t")
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{name} {text!r} is not a whole number")
    return int(text)


def require_count(fields: tuple[Field, ...], expected: int, what: str) -> None:
    if len(fields) != expected:
        raise ValueError(f"{what} has {expected} fields, this line {len(fields)}")


def _hex_data(field: Field, length_bytes: int) -> bytes:
    """Data in the HEX form (upper or lower case), exactly `length_bytes` long."""
    text = field.text.strip(" \t")
    if set(text) - HEX_DIGITS or len(text) % 2:
        raise ValueError(f'data {text[:40]!r} is not a HEX string (AT+MIPCFG="encoding" must set HEX)')
    data = bytes.fromhex(text)
    if len(data) != length_bytes:
        raise ValueError(f"data holds {len(data)} bytes, the line announces {length_bytes}")
    return data


# --- +MIPOPEN, +MIPSEND, +MIPCLOSE --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SocketResult:
    """`+MIPOPEN: <connect_id>,<result>` (0 connected; an error code or -1 otherwise), `+MIPSEND:
    <connect_id>,<send_length>`, `+MIPCLOSE: <connect_id>[,<ret_code>]` (value None when absent)."""

    connect_id: int
    value: int | None


@line_reader
def read_socket_result(line: str, fields: tuple[Field, ...]) -> SocketResult:
    """+MIPOPEN, +MIPSEND or +MIPCLOSE with its connect id and value."""
    if not 1 <= len(fields) <= 2:
        raise ValueError(f"a socket result has 1 or 2 fields, this line {len(fields)}")
    value = read_signed(fields[1], "value") if len(fields) == 2 else None
    return SocketResult(connect_id=_connect_id(fields[0]), value=value)


# --- +MIPURC ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """Normal mode: `+MIPURC: "rudp"|"rtcp",<connect_id>,<recv_length>,<data>`, the data in it."""

    kind: str
    connect_id: int
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Cached:
    """Cache mode: `+MIPURC: "rudp",<connect_id>,<recv_count>` (packets now cached) or `+MIPURC:
    "rtcp",<connect_id>,<recv_length>,<total_length>` (bytes just received, bytes now cached)."""

    kind: str
    connect_id: int
    cached: int
    received_bytes: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnected:
    """`+MIPURC: "disconn",<connect_id>,<connect_state>`: 1 server closed, 2 error, 3 PDP deactivated."""

    connect_id: int
    connect_state: int

    @property
    def reason(self) -> str:
        return DISCONNECT_REASONS.get(self.connect_state, f"connect_state {self.connect_state}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dropped:
    """`+MIPURC: "drop",<connect_id>,<drop_length>`: the cache was full and data was thrown away."""

    connect_id: int
    drop_length: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Acked:
    """`+MIPURC: "ack",<connect_id>,<length>`: the peer acknowledged TCP data (AT+MIPCFG "ackmode" 1)."""

    connect_id: int
    length: int


MipUrc = Received | Cached | Disconnected | Dropped | Acked


def read_mipurc(line: str, *, is_cached: bool) -> MipUrc | None:
    """A +MIPURC line of a socket in cache mode (`is_cached`) or normal mode; None for events this dialect
    does not read ("seq", and the server-mode "itcp"/"iudp" of MR880A). The two forms of "rudp" differ in
    their field count; the two of "rtcp" do not, so the socket's mode decides."""
    return _read_mipurc_cached(line) if is_cached else _read_mipurc_normal(line)


def _read_mipurc(line: str, fields: tuple[Field, ...], *, is_cached: bool) -> MipUrc | None:
    if not fields or not fields[0].text:
        raise ValueError("no event name")
    kind = fields[0].text.strip(" \t").lower()
    rest = fields[1:]
    if kind in ("rudp", "rtcp"):
        return _read_data_event(kind, rest, is_cached=is_cached)
    if kind == "disconn":
        require_count(rest, 2, '"disconn"')
        return Disconnected(
            connect_id=_connect_id(rest[0]),
            connect_state=require_int(rest[1], "connect_state", low=0, high=255),
        )
    if kind == "drop":
        require_count(rest, 2, '"drop"')
        return Dropped(connect_id=_connect_id(rest[0]), drop_length=read_length(rest[1], "drop_length"))
    if kind == "ack":
        require_count(rest, 2, '"ack"')
        return Acked(connect_id=_connect_id(rest[0]), length=read_length(rest[1], "length"))
    return None


def _read_data_event(kind: str, rest: tuple[Field, ...], *, is_cached: bool) -> Received | Cached:
    if is_cached and kind == "rudp":
        require_count(rest, 2, '"rudp" in packet cache mode')
        return Cached(
            kind=kind,
            connect_id=_connect_id(rest[0]),
            cached=read_length(rest[1], "recv_count"),
            received_bytes=None,
        )
    require_count(rest, 3, f'"{kind}"')
    length_bytes = read_length(rest[1], "recv_length")
    if is_cached:
        return Cached(
            kind=kind,
            connect_id=_connect_id(rest[0]),
            cached=read_length(rest[2], "total_length"),
            received_bytes=length_bytes,
        )
    return Received(kind=kind, connect_id=_connect_id(rest[0]), data=_hex_data(rest[2], length_bytes))


def read_length(field: Field, name: str) -> int:
    return require_int(field, name, low=0, high=1 << 31)


@line_reader
def _read_mipurc_cached(line: str, fields: tuple[Field, ...]) -> MipUrc | None:
    return _read_mipurc(line, fields, is_cached=True)


@line_reader
def _read_mipurc_normal(line: str, fields: tuple[Field, ...]) -> MipUrc | None:
    return _read_mipurc(line, fields, is_cached=False)


# --- +MIPRD -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheRead:
    """`+MIPRD: <connect_id>,<unread>[,<data_len>,<data>]` (§3.6): unread packets (UDP) or bytes (TCP)
    left in the cache, and the data read (None for the query form without it)."""

    connect_id: int
    unread: int
    data: bytes | None


@line_reader
def read_miprd(line: str, fields: tuple[Field, ...]) -> CacheRead:
    """A +MIPRD line, its data in the HEX form."""
    if len(fields) not in (2, 4):
        raise ValueError(f"+MIPRD has 2 or 4 fields, this line {len(fields)}")
    data = _hex_data(fields[3], read_length(fields[2], "data_len")) if len(fields) == 4 else None
    return CacheRead(connect_id=_connect_id(fields[0]), unread=read_length(fields[1], "unread"), data=data)


def explain(final: str, code: int | None) -> str:
    """A failed command's final result code with the TCP/IP manual's meaning of its number (§5):
    `+CME ERROR: 557 (connection refused)`."""
    meaning = SOCKET_ERRORS.get(code) if code is not None else None
    return f"{final} ({meaning})" if meaning else final
