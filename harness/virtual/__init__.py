"""virtual layer: virtual modules, processes behind pseudo-terminals that answer AT commands like real ones.

Reached only through transport URLs (`virtual://bc660k?ce=1`), exactly like hardware: nothing above the
transport layer knows a module is virtual (DESIGN "Layers"). Stdlib only: the module process imports
neither pyserial, pandas nor scapy.

Modules: process (process entry, start handshake, control requests), options / option_reader (URL ->
ModuleOptions), model_spec and model_<name> (one file per model: its spec, options and command table),
profiles (per RAT: link figures, radio defaults, serving cell), network_policy (what the test network grants,
roaming, downlink buffering), module (one virtual module on an event loop), control (its control ops),
registration (CFUN, +COPS, +CEREG/+C5GREG), power_saving (PSM/eDRX requests and grants), idle_mode (T3324,
T3412, PSM, eDRX windows, held downlink), state_timeline (what a power rail reads), link (delay, jitter, rate,
loss, RRC), radio (cell, RSRP, CE level, signal indices), command_line and at_front (V.250 syntax, framing,
echo, CMEE, data mode, UART sleep), udp_sockets (real UDP sockets behind the link), tcp_sockets and
tcp_segments (real TCP client connections behind the link), module_ping (a module's ping through the link),
the command tables (ts27007_commands, packet_domain_commands, ts27007_power_commands, pdp_contexts, quectel_*,
cmcc_*), event_loop, pty_port, address_policy; faults (the kinds of fault and their parameters),
fault_injector (when they start and end, their control ops) and fault_effects (what each does), uart (mute,
slow, noisy) and usb_port (a pty that can vanish and come back).
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
from harness.virtual.profiles import PROFILES, RadioProfile
from harness.virtual.state_timeline import ModemState

__all__ = [
    "CE_PROFILES",
    "PROFILES",
    "LinkModel",
    "LinkProfile",
    "ModemState",
    "ModuleOptions",
    "RadioProfile",
    "VirtualModuleProcess",
    "airtime_ms",
    "expected_rtt_median_ms",
    "known_models",
    "parse_virtual_url",
    "rtt_bounds_ms",
    "start_virtual_module",
]
