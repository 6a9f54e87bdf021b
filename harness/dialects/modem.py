"""dialects layer: the `Modem` protocol every module family implements, and the data it returns.

DESIGN "Public names": `identity()`, `sim()`, `set_radio(on)`, `attach(apn, *, timeout_s)`,
`registration()`, `radio_snapshot() -> RadioSnapshot`, `psm()/set_psm()`, `edrx()/set_edrx()`, `ping()`, the
socket subset for via="module" (`open_udp`, `open_tcp`), `data_interface()`, `capabilities`; plus the SIM
controls of issue 3 item 4 (`enter_pin`, `select_operator`, `select_sim_slot`). The protocol is composed of
small ones (STYLE 4), each a group a procedure may need; `capabilities` says which optional groups a module
really has, so a procedure skips with a reason instead of failing on a module that cannot do it (STYLE 11).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from harness.emm_causes import describe_reject

# Capabilities a procedure can ask for before it starts (STYLE 11: skip with a reason, do not cascade).
UDP_SOCKET = "udp_socket"
TCP_SOCKET = "tcp_socket"
PING = "ping"
PSM = "psm"
EDRX = "edrx"
DATA_INTERFACE = "data_interface"
SIM_SLOTS = "sim_slots"
STAT_DENIED = 3  # +CEREG/+C5GREG <stat> 3: registration denied (27.007 §10.1.22)


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    manufacturer: str
    model: str
    firmware: str
    imei: str | None
    imsi: str | None
    iccid: str | None


class SimState(StrEnum):
    """+CPIN states (3GPP TS 27.007 §8.3), plus the absent card (+CME ERROR: 10)."""

    READY = "READY"
    SIM_PIN = "SIM PIN"
    SIM_PUK = "SIM PUK"
    PH_SIM_PIN = "PH-SIM PIN"
    SIM_PIN2 = "SIM PIN2"
    SIM_PUK2 = "SIM PUK2"
    NOT_INSERTED = "NOT INSERTED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Registration:
    """EPS/5GS registration as +CEREG/+C5GREG report it (TS 27.007 §10.1.22): stat 1 home, 5 roaming, 3
    denied. `cause_type` and `reject_cause` when the module reports a reject (n=3 or 5); `domain` says which
    cause table applies: "EMM" (+CEREG, TS 24.301) or "5GMM" (+C5GREG, TS 24.501)."""

    stat: int
    tac: str | None = None
    ci: str | None = None
    act: int | None = None
    cause_type: int | None = None
    reject_cause: int | None = None
    domain: str = "EMM"

    @property
    def is_registered(self) -> bool:
        return self.stat in (1, 5)

    @property
    def is_denied(self) -> bool:
        return self.stat == STAT_DENIED

    def describe_reject(self) -> str | None:
        """`EMM cause #15 (no suitable cells in tracking area)`; None without a reported cause."""
        if self.reject_cause is None:
            return None
        return describe_reject(self.reject_cause, cause_type=self.cause_type, domain=self.domain)

    @property
    def is_roaming(self) -> bool:
        return self.stat == 5


@dataclass(frozen=True, slots=True, kw_only=True)
class RadioSnapshot:
    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
    sinr_db: float | None = None
    ce_level: int | None = None
    cell_id: str | None = None
    pci: int | None = None
    earfcn: int | None = None
    band: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PsmTimers:
    """PSM timers as coded on the air (TS 24.008 §10.5.7.4/§10.5.7.4a) and in seconds; None = not present,
    or (for the seconds) deactivated."""

    periodic_tau_bits: str | None
    active_time_bits: str | None
    periodic_tau_s: int | None
    active_time_s: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PsmState:
    """What was requested (+CPSMS?) and what the network granted (+CEREG n=4/5, or a vendor command);
    cellular-iot.md §1.5 and §5.1. `granted` is None when the module has not reported it."""

    is_enabled: bool
    requested: PsmTimers | None
    granted: PsmTimers | None

    @property
    def is_granted(self) -> bool:
        """PSM granted: an active time (T3324) that is not deactivated (`111xxxxx`)."""
        return self.granted is not None and self.granted.active_time_s is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxState:
    """+CEDRXRDP (TS 27.007 §7.41): AcT-type 0 means the cell does not use eDRX; values in seconds."""

    act_type: int
    requested_edrx_s: float | None
    nw_edrx_s: float | None
    ptw_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PingResult:
    """A module's own ping (AT+QPING, +MPING, +NPING...): one RTT per answered echo request."""

    host: str
    sent: int
    rtts_ms: tuple[float, ...]

    @property
    def received(self) -> int:
        return len(self.rtts_ms)

    @property
    def loss_pct(self) -> float | None:
        return None if self.sent == 0 else 100.0 * (self.sent - self.received) / self.sent


@dataclass(frozen=True, slots=True, kw_only=True)
class Datagram:
    """Data a module socket received; `t_s` is when the harness learned of it (session clock)."""

    data: bytes
    t_s: float


class ModuleSocket(Protocol):
    """A UDP socket in the module's own IP stack, driven by AT commands (via="module")."""

    def send(self, payload: bytes) -> float:
        """Hand one datagram to the module; returns the session time the send command was written."""
        ...

    def receive(self, timeout_s: float) -> Datagram | None:
        """The next datagram, or None when none arrived within timeout_s."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Connected:
    """How long a TCP open took the module: from its open command written to the result that reported the
    connection (session clock, s)."""

    command_s: float
    connected_s: float

    @property
    def connect_ms(self) -> float:
        return (self.connected_s - self.command_s) * 1000


class ModuleStream(ModuleSocket, Protocol):
    """A TCP connection in the module's own IP stack (via="module"). send() hands bytes to the module's
    stream (accepted into its buffer, not yet delivered); receive() returns the next bytes the module
    reported, as a Datagram whose boundaries mean nothing; once the peer or the network has closed the
    connection and the bytes before it were taken, receive() and send() raise ModemError."""

    @property
    def connected(self) -> Connected: ...

    @property
    def is_ended(self) -> bool:
        """The peer or the network closed the connection."""
        ...


class Identification(Protocol):
    def identity(self) -> Identity: ...

    def sim(self) -> SimState: ...

    def enter_pin(self, pin: str) -> None:
        """Unlock the SIM; the PIN never reaches a transcript or an error message."""
        ...

    def select_sim_slot(self, slot: int) -> None:
        """Switch to another SIM slot on a dual-SIM module (capability SIM_SLOTS)."""
        ...


class NetworkAccess(Protocol):
    def set_radio(self, on: bool) -> None: ...

    def select_operator(self, plmn: str | None, *, timeout_s: float) -> None:
        """Manual selection of a PLMN (MCC+MNC digits), or automatic with None (+COPS, TS 27.007 §7.3)."""
        ...

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration: ...

    def registration(self) -> Registration: ...

    def radio_snapshot(self) -> RadioSnapshot: ...


class PowerSaving(Protocol):
    def psm(self) -> PsmState: ...

    def set_psm(self, *, periodic_tau_s: int | None, active_time_s: int | None) -> PsmTimers:
        """Request PSM with these timers (None for both disables it); returns what was requested, as coded:
        the nearest representable values not below the request."""
        ...

    def edrx(self) -> EdrxState: ...

    def set_edrx(self, cycle_s: float | None, *, ptw_s: float | None = None) -> EdrxState:
        """Request eDRX with this cycle (None disables it) and, where the module has a way, a PTW."""
        ...


class DataPath(Protocol):
    def open_udp(self, host: str, port: int) -> ModuleSocket:
        """A UDP socket in the module's IP stack, via="module" (capability UDP_SOCKET)."""
        ...

    def open_tcp(self, host: str, port: int, *, timeout_s: float = 60.0) -> ModuleStream:
        """A TCP connection from the module's IP stack, via="module" (capability TCP_SOCKET); ModemError
        when the module reports the connect refused or timed out, ATTimeout when it reports nothing within
        timeout_s."""
        ...

    def ping(self, host: str, *, count: int = 4, timeout_s: float = 4.0) -> PingResult:
        """The module's own ping (capability PING)."""
        ...

    def data_interface(self) -> str | None:
        """The host's network interface that reaches the module's data path (via="host"), or None."""
        ...


@runtime_checkable
class DataCallControl(Protocol):
    """A module that starts the data call behind its host data interface itself, by AT command (ECM/RNDIS
    dialled by the module). Where the host runs the call (MBIM, QMI) it happens outside the harness."""

    def connect_data(self, cid: int = 1, *, timeout_s: float = 30.0) -> object:
        """Start the call of context `cid` and wait until the module reports it up."""
        ...

    def disconnect_data(self, cid: int = 1) -> None: ...


class Modem(Identification, NetworkAccess, PowerSaving, DataPath, Protocol):
    """What procedures need from a module, whatever its family. Optional groups are in `capabilities`."""

    @property
    def capabilities(self) -> frozenset[str]: ...
