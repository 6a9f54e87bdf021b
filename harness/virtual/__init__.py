"""virtual layer: virtual modules, processes behind pseudo-terminals that answer AT commands like real ones.

Reached only through transport URLs (`virtual://bc660k?ce=1`), exactly like hardware: nothing above the
transport layer knows a module is virtual (DESIGN "Layers"). Stdlib only: the module process imports
neither pyserial, pandas nor scapy.

Modules: process (process entry and start handshake), options (URL -> ModuleOptions), module (one virtual
module on an event loop), command_line (V.250 line syntax), at_front (framing, echo, CMEE, data mode),
registration (CFUN, +CEREG), link (the NB-IoT link model and its expected RTT), radio (RSRP, CE level,
signal indices), udp_sockets (real UDP sockets behind the link), ts27007_commands / quectel_sockets /
model_<name> (command tables), event_loop, pty_port, address_policy.
"""

from harness.virtual.link import (
    CE_PROFILES,
    LinkModel,
    LinkProfile,
    airtime_ms,
    expected_rtt_median_ms,
    rtt_bounds_ms,
)
from harness.virtual.options import ModuleOptions, known_models, parse_virtual_url
from harness.virtual.process import VirtualModuleProcess, start_virtual_module

__all__ = [
    "CE_PROFILES",
    "LinkModel",
    "LinkProfile",
    "ModuleOptions",
    "VirtualModuleProcess",
    "airtime_ms",
    "expected_rtt_median_ms",
    "known_models",
    "parse_virtual_url",
    "rtt_bounds_ms",
    "start_virtual_module",
]
