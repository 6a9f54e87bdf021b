"""transport layer: where a module's host data path (via="host", DESIGN) ends, whatever is behind its port.

Host-driven traffic needs both ends of the path: the host's interface onto the module (ECM/RNDIS/MBIM)
with its address, and a test server reachable through it. Two kinds of rig describe one:

- a virtual module started with `datapath=netns` reports its layout in its status
  (harness.virtual.data_interface_topology): the host interface and address, and the network namespace,
  behind the module's relay and tbf, where a test server for the path belongs (`server_end`);
- a rig module with `[module.data]` (harness.rig_data_interface) names the netdev a real module brings up;
  its address is the operator's, read from the OS once the data call is up (`wait_for_host_address`), and
  the test server is the rig's own `[server]` (`server_end` None), reached through the operator's network.

The port is asked first: only this layer knows which kind of port it is, as with radio_control. A virtual
module reached over `socket://` has no status channel, exactly like hardware, and is described by the rig.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

import serial

from harness import netns
from harness.errors import ModemError, NetnsError
from harness.rig_data_interface import DEFAULT_ADDRESS_TIMEOUT_S, HostDataInterface

_ADDRESS_POLL_S = 0.1


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerEnd:
    """A test server that belongs inside a network namespace of this host, bound to `address` there."""

    address: str
    namespace: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DataPathEnds:
    """The host's end (its interface; the network its address must lie in, when known; how long the address
    may take after the data call) and the server's: in a namespace (`server_end`), or the rig's own (None)."""

    host_interface: str
    host_subnet: ipaddress.IPv4Network | None = None
    address_timeout_s: float = DEFAULT_ADDRESS_TIMEOUT_S
    server_end: ServerEnd | None = None


def data_path_of(port: serial.SerialBase, data: HostDataInterface | None = None) -> DataPathEnds | None:
    """The ends of the module's host data path: a virtual module's own layout, else the rig's
    `[module.data]`; None when neither describes one."""
    module = getattr(port, "virtual_module", None)
    if module is not None:
        status: Mapping[str, object] = module.control({"op": "status"})
        layout = status.get("data_interface")
        if isinstance(layout, dict):
            return DataPathEnds(
                host_interface=str(layout["host_interface"]),
                host_subnet=ipaddress.IPv4Network(f"{layout['host_address']}/32"),
                server_end=ServerEnd(
                    address=str(layout["server_address"]), namespace=str(layout["network_namespace"])
                ),
            )
    if data is None:
        return None  # a virtual module without `datapath=netns`, or a rig module without `[module.data]`
    return DataPathEnds(
        host_interface=data.interface, host_subnet=data.network, address_timeout_s=data.address_timeout_s
    )


def host_addresses(interface: str) -> list[ipaddress.IPv4Interface]:
    """The IPv4 addresses the OS holds on `interface` now (`ip -j -4 address show dev`); NetnsError when
    there is no such interface (yet: a USB function may appear only with the data call)."""
    text = netns.run_command("ip", ["-j", "-4", "address", "show", "dev", interface]).strip()
    links = json.loads(text) if text else []
    return [
        ipaddress.IPv4Interface(f"{info['local']}/{info['prefixlen']}")
        for link in links
        for info in link.get("addr_info", [])
        if info.get("family") == "inet" and "local" in info
    ]


def wait_for_host_address(ends: DataPathEnds) -> str:
    """The host's address on the path: the first IPv4 address on its interface (in `host_subnet` when
    given), waiting up to `address_timeout_s` for the operator's DHCP or the interface itself; ModemError
    saying what was there instead."""
    deadline_s = time.monotonic() + ends.address_timeout_s
    while True:
        try:
            seen = host_addresses(ends.host_interface)
            missing = "no IPv4 address"
        except NetnsError as error:
            seen, missing = [], f"no such interface ({error})"
        found = [a for a in seen if ends.host_subnet is None or a.ip in ends.host_subnet]
        if found:
            return str(found[0].ip)
        if time.monotonic() >= deadline_s:
            if seen:
                missing = f"no address in {ends.host_subnet}, only {', '.join(map(str, seen))}"
            raise ModemError(
                f"host data interface {ends.host_interface}: {missing} within {ends.address_timeout_s:g} s "
                "of the data call"
            )
        time.sleep(_ADDRESS_POLL_S)
