"""dialects layer: the `Modem` protocol every module family implements, and the data it returns.

DESIGN "Public names": `identity()`, `sim()`, `set_radio(on)`, `attach(apn, *, timeout_s)`,
`registration()`, `radio_snapshot() -> RadioSnapshot`, the socket subset for via="module", `capabilities`.
Still to come with issue 3: `psm()/set_psm()`, `edrx()/set_edrx()`, `ping()`, `data_interface()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

# Capabilities a procedure can ask for before it starts (STYLE 11: skip with a reason, do not cascade).
UDP_SOCKET = "udp_socket"


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
    """EPS/5GS registration as +CEREG/+C5GREG report it (TS 27.007 §10.1.22): stat 1 home, 5 roaming."""

    stat: int
    tac: str | None = None
    ci: str | None = None
    act: int | None = None

    @property
    def is_registered(self) -> bool:
        return self.stat in (1, 5)

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


class Modem(Protocol):
    """What procedures need from a module, whatever its family (STYLE 4: a small interface)."""

    @property
    def capabilities(self) -> frozenset[str]: ...

    def identity(self) -> Identity: ...

    def sim(self) -> SimState: ...

    def set_radio(self, on: bool) -> None: ...

    def attach(self, apn: str | None, *, timeout_s: float) -> Registration: ...

    def registration(self) -> Registration: ...

    def radio_snapshot(self) -> RadioSnapshot: ...

    def open_udp(self, host: str, port: int) -> ModuleSocket: ...
