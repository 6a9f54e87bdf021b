"""dialects layer: the `Modem` protocol and one module per module family (DESIGN "dialects").

Dialects (each a module defining MODEM and matches(); helper modules carry the dialect's name as a prefix):
ts27007         3GPP TS 27.007 only: the baseline every other dialect extends (PIN, +COPS, APN, PSM, eDRX)
quectel_nbiot   Quectel BC660K/BC950K and BC95/BC28 (NB-IoT): QIOPEN or NSOCR sockets, QENG/NUESTATS, ping
quectel_redcap  Quectel RG255C/RM520N (5G RedCap, NR SA): QENG servingcell, QNWINFO, QCSQ, QPING, usbnet
cmcc_cat1       China Mobile OneMO ML307R/ML30x (LTE Cat-1): MIPOPEN sockets, MPING, MUESTATS

Around them:
modem           the Modem protocol and the data it returns
detection       dialects found by name; detect(session) from +CGMI/+CGMM
connection      connect(url) -> ModemLink: port, AT session and Modem, ready for commands
sim             prepare_sim: PIN from the environment, ICCID/IMSI checks, operator, APN, SIM slot
"""

from harness.dialects.connection import ConnectOptions, ModemLink, connect, rig_connection_problems
from harness.dialects.detection import AUTO, check_dialect, detect, dialect_names, open_modem
from harness.dialects.modem import (
    DATA_INTERFACE,
    EDRX,
    PING,
    PSM,
    SIM_SLOTS,
    TCP_SOCKET,
    UDP_SOCKET,
    Connected,
    DataCallControl,
    Datagram,
    Identity,
    Modem,
    ModuleSocket,
    ModuleStream,
    RadioSnapshot,
    Registration,
    SimState,
)
from harness.dialects.sim import SimReport, prepare_sim

__all__ = [
    "AUTO",
    "DATA_INTERFACE",
    "EDRX",
    "PING",
    "PSM",
    "SIM_SLOTS",
    "TCP_SOCKET",
    "UDP_SOCKET",
    "ConnectOptions",
    "Connected",
    "DataCallControl",
    "Datagram",
    "Identity",
    "Modem",
    "ModemLink",
    "ModuleSocket",
    "ModuleStream",
    "RadioSnapshot",
    "Registration",
    "SimReport",
    "SimState",
    "check_dialect",
    "connect",
    "detect",
    "dialect_names",
    "open_modem",
    "prepare_sim",
    "rig_connection_problems",
]
