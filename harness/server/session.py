"""server layer: what a test session is, as both ends of the control channel see it.

A session is one piece of test traffic at the server, on its own port: a UDP reflector (probe echo), a UDP
or TCP sink, a UDP or TCP source, or one iperf3 server. The harness opens it with a kind and parameters,
gets back where to send (`SessionInfo`), and later reads its counters, its samples table and its capture.
`ServerControl` is the interface the traffic engines and the plugin use, served in-process by
`harness.server.local.LocalServer` and over the network by `harness.server.client.ServerClient`.

Parameter bounds are part of the server's promise to stay bounded (harness.server.control lists them all).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from harness.errors import HarnessError
from harness.probe import HEADER_BYTES

# The largest UDP payload over IPv4 (65535 minus the IPv4 and UDP headers, RFC 768 / RFC 791).
MAX_UDP_PAYLOAD_BYTES = 65_507
MAX_TCP_WRITE_BYTES = 1 << 20
MAX_RATE_KBPS = 10_000_000.0  # 10 Gbit/s: above any module; a typo is refused rather than attempted
MAX_DURATION_S = 3600.0
DEFAULT_MAX_SAMPLES = 1_000_000
KNOCK_BYTES = 8  # the random prefix a source waits for before it sends anything (see SessionInfo.knock)


class ServerError(HarnessError):
    """The test server refused a request or failed to serve a session; the message says which and why."""


class SessionKind(StrEnum):
    UDP_REFLECTOR = "udp_reflector"
    UDP_SINK = "udp_sink"
    TCP_SINK = "tcp_sink"
    UDP_SOURCE = "udp_source"
    TCP_SOURCE = "tcp_source"
    IPERF3 = "iperf3"

    @property
    def protocol(self) -> str:
        """The BPF protocol word of the session's traffic ("" for iperf3, which uses both)."""
        if self is SessionKind.IPERF3:
            return ""
        return self.value.split("_", 1)[0]

    @property
    def is_source(self) -> bool:
        return self in (SessionKind.UDP_SOURCE, SessionKind.TCP_SOURCE)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionParams:
    """What to run. Sources send `payload_bytes` per datagram (UDP) or per write (TCP) at `rate_kbps`
    (1 kbit = 1000 bit of payload) for `duration_s` from the moment the module knocked. `port` 0 takes any
    free port. `is_captured` asks the server to capture the session's packets into a pcap."""

    rate_kbps: float = field(default=100.0, metadata={"min": 0.001, "max": MAX_RATE_KBPS})
    payload_bytes: int = field(default=512, metadata={"min": HEADER_BYTES, "max": MAX_TCP_WRITE_BYTES})
    duration_s: float = field(default=10.0, metadata={"min": 0.001, "max": MAX_DURATION_S})
    port: int = field(default=0, metadata={"min": 0, "max": 65535})
    max_samples: int = field(default=DEFAULT_MAX_SAMPLES, metadata={"min": 0, "max": DEFAULT_MAX_SAMPLES})
    is_captured: bool = False

    def problems(self, kind: SessionKind) -> list[str]:
        """Every value outside its bounds, named; [] when the parameters can run."""
        found = []
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            low, high = spec.metadata.get("min"), spec.metadata.get("max")
            if low is not None and not low <= value <= high:
                found.append(f"{spec.name}={value!r} is outside [{low}, {high}]")
        if kind is SessionKind.UDP_SOURCE and self.payload_bytes > MAX_UDP_PAYLOAD_BYTES:
            found.append(f"payload_bytes={self.payload_bytes} is more than a UDP datagram holds")
        return found

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionParams:
        """Parameters from a JSON object; unknown names and wrong types are a ServerError."""
        known = {spec.name: spec for spec in dataclasses.fields(cls)}
        if unknown := sorted(set(data) - set(known)):
            raise ServerError(f"unknown session parameter(s): {', '.join(unknown)}")
        for name, value in data.items():
            expected = bool if name == "is_captured" else (int if known[name].type == "int" else float)
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            is_whole = is_number and not isinstance(value, float)
            is_right = {bool: isinstance(value, bool), int: is_whole, float: is_number}[expected]
            if not is_right:
                wanted = {bool: "true or false", int: "a whole number", float: "a number"}[expected]
                raise ServerError(f"session parameter {name} must be {wanted}, got {value!r}")
        return cls(**data)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    """Where a session listens and what it was opened with. A source sends nothing until a datagram (UDP)
    or the first bytes of a connection (TCP) starting with `knock` (hex) reach its port; it then sends to
    that peer only, so nobody who merely knows the port can point it at a third party."""

    session_id: str
    kind: SessionKind
    host: str
    port: int
    params: SessionParams
    knock: str = ""
    capture_off_reason: str | None = None

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def bpf(self) -> str:
        """A capture filter for this session's traffic."""
        protocol = self.kind.protocol
        return f"{protocol} port {self.port}" if protocol else f"port {self.port}"

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind.value
        data["params"] = self.params.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionInfo:
        fields = dict(data)
        fields["kind"] = SessionKind(fields["kind"])
        fields["params"] = SessionParams.from_json(fields["params"])
        return cls(**fields)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCounters:
    """What a session saw and did. `dropped_packets`: arrived but neither answered nor accepted (not a
    probe, a second peer, a connection over the cap). `samples_dropped`: rows not kept once the sample cap
    was reached (counted all the same). `capture_dropped_packets`: packets the session's server-side capture
    lost (tcpdump's kernel and interface drop counters, harness.capture.CaptureRecord); known once the
    session is closed, and 0 for a session that was not captured."""

    received_packets: int = 0
    received_bytes: int = 0
    sent_packets: int = 0
    sent_bytes: int = 0
    dropped_packets: int = 0
    connections: int = 0
    samples_kept: int = 0
    samples_dropped: int = 0
    capture_dropped_packets: int = 0
    is_open: bool = True

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionCounters:
        return cls(**data)


class ServerControl(Protocol):
    """A test server as the harness drives it, local or remote."""

    def open_session(self, kind: SessionKind, params: SessionParams | None = None) -> SessionInfo: ...

    def close_session(self, session_id: str) -> SessionCounters: ...

    def counters(self, session_id: str) -> SessionCounters: ...

    def samples(self, session_id: str) -> pd.DataFrame: ...

    def fetch_capture(self, session_id: str, path: Path) -> Path | None: ...

    def iperf3_report(self, session_id: str) -> dict[str, Any] | None: ...

    def close(self) -> None: ...
