"""transport layer: where a module's host data path (via="host", DESIGN) ends, whatever is behind its port.

Host-driven traffic needs both ends of the path: the host's interface onto the module (ECM/RNDIS) with its
address, and a test server reachable through it. A virtual module started with `datapath=netns` reports
its layout in its status (harness.virtual.data_interface_topology): the host interface and address, and
the network namespace, behind the module's relay and tbf, where the test server belongs. A rig of real
modules does not describe this yet (the interface would come from the dialect, Modem.data_interface(), and
the server would be the rig's own): there `data_path_of` returns None and host-path procedures skip. As with
radio_control, only this layer knows which kind of port it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import serial


@dataclass(frozen=True, slots=True, kw_only=True)
class DataPathEnds:
    """The host's end (interface, address) and the server's (address, and the network namespace it must
    run in)."""

    host_interface: str
    host_address: str
    server_address: str
    server_namespace: str


def data_path_of(port: serial.SerialBase) -> DataPathEnds | None:
    """The ends of the module's host data path, or None when the rig describes none for this port."""
    module = getattr(port, "virtual_module", None)
    if module is None:
        return None
    status: Mapping[str, object] = module.control({"op": "status"})
    layout = status.get("data_interface")
    if not isinstance(layout, dict):
        return None  # a virtual module without `datapath=netns`: AT sockets only
    return DataPathEnds(
        host_interface=str(layout["host_interface"]),
        host_address=str(layout["host_address"]),
        server_address=str(layout["server_address"]),
        server_namespace=str(layout["network_namespace"]),
    )
