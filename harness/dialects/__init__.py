"""dialects layer: the `Modem` protocol and one module per module family (DESIGN "dialects")."""

from harness.dialects.modem import (
    UDP_SOCKET,
    Datagram,
    Identity,
    Modem,
    ModuleSocket,
    RadioSnapshot,
    Registration,
    SimState,
)

__all__ = [
    "UDP_SOCKET",
    "Datagram",
    "Identity",
    "Modem",
    "ModuleSocket",
    "RadioSnapshot",
    "Registration",
    "SimState",
]
