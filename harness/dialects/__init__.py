"""dialects layer: the `Modem` protocol and one module per module family (DESIGN "dialects").

ts27007        3GPP TS 27.007 only: the baseline every other dialect extends
quectel_nbiot  Quectel BC660K / BC950K (NB-IoT): AT+QCCID, AT+QIOPEN/QISEND/QIRD/QICLOSE sockets
detection      dialects found by name; detect(session) from +CGMI/+CGMM
connection     connect(url) -> ModemLink: port, AT session and Modem, ready for commands
"""

from harness.dialects.connection import ConnectOptions, ModemLink, connect, rig_connection_problems
from harness.dialects.detection import AUTO, check_dialect, detect, dialect_names, open_modem
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
    "AUTO",
    "UDP_SOCKET",
    "ConnectOptions",
    "Datagram",
    "Identity",
    "Modem",
    "ModemLink",
    "ModuleSocket",
    "RadioSnapshot",
    "Registration",
    "SimState",
    "check_dialect",
    "connect",
    "detect",
    "dialect_names",
    "open_modem",
    "rig_connection_problems",
]
