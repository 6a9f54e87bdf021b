"""virtual layer: the namespaces behind a virtual module's data interface (layout in data_interface): one
slot's names and addresses, and building them for the relay process (data_interface_relay), which owns them.

A slot is claimed by creating its router namespace: `ip netns add` lets only one process create a name, so
two relays starting at once never share a slot. Addresses come from 198.19.0.0/16, the upper half of the
benchmarking range (RFC 2544, DESIGN "Network rules"), one /24 per slot, leaving 198.18.0.0/16 to tests that
build their own namespaces. The host's and the server's interfaces get gso_max_segs 1, so the relay sees one
IP packet per frame and delay and loss apply per packet; the router's own interfaces keep IPv6 quiet, so
tbf counts nothing but relayed frames. Neighbours are static: no ARP needs to cross.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from harness import netns
from harness.errors import NetnsError
from harness.virtual.link import LinkProfile

ADDRESS_BLOCK = ipaddress.IPv4Network("198.19.0.0/16")
SLOT_PREFIX_LENGTH = 24
MAX_SLOTS = 256
UE_SIDE = "miot-ue"  # router interfaces: toward the host (the UE) and toward the core network
CORE_SIDE = "miot-core"
SERVER_SIDE = "miot-srv"
# Judgement: 2 ms of tokens (at least two full frames) keeps tbf from rounding the rate down at 200 Mbit/s
# without letting bursts through at veth speed.
BURST_S = 0.002
MIN_BURST_BYTES = 2 * 1514


@dataclass(frozen=True, slots=True, kw_only=True)
class DataInterfaceInfo:
    """Where things are: what a rig names as the module's data interface, and where the server goes."""

    slot: int
    host_interface: str  # in the namespace of whoever started the interface
    host_address: str
    server_address: str
    prefix_length: int
    network_namespace: str  # the test server runs here
    router_namespace: str  # tbf and the relay


def layout_for(slot: int) -> DataInterfaceInfo:
    if not 0 <= slot < MAX_SLOTS:
        raise ValueError(f"a data interface slot is 0 to {MAX_SLOTS - 1}, got {slot}")
    subnet = list(ADDRESS_BLOCK.subnets(new_prefix=SLOT_PREFIX_LENGTH))[slot]
    return DataInterfaceInfo(
        slot=slot,
        host_interface=f"{netns.NAME_PREFIX}d{slot}",
        host_address=str(subnet[1]),
        server_address=str(subnet[2]),
        prefix_length=SLOT_PREFIX_LENGTH,
        network_namespace=f"{netns.NAME_PREFIX}n{slot}",
        router_namespace=f"{netns.NAME_PREFIX}r{slot}",
    )


def build(
    topology: netns.Topology, profile: LinkProfile, *, slot: int | None, queue_ms: float, is_carrier_on: bool
) -> DataInterfaceInfo:
    """Claim `slot` (None: the first free one) and build it, owned by `topology`; the carrier (the link of
    the router's UE side) up or down."""
    info = claim_slot(topology, slot)
    host_end = netns.Endpoint(name=info.host_interface)
    topology.add_veth(host_end, netns.Endpoint(name=UE_SIDE, namespace=info.router_namespace))
    server_end = netns.Endpoint(name=SERVER_SIDE, namespace=info.network_namespace)
    topology.add_veth(netns.Endpoint(name=CORE_SIDE, namespace=info.router_namespace), server_end)
    for end in (host_end, server_end):
        netns.set_link(end.name, namespace=end.namespace, gso_max_segs=1)
    netns.add_address(info.host_interface, f"{info.host_address}/{info.prefix_length}")
    netns.add_address(
        SERVER_SIDE, f"{info.server_address}/{info.prefix_length}", namespace=info.network_namespace
    )
    netns.add_neighbour(
        info.server_address,
        netns.link_mac(SERVER_SIDE, namespace=info.network_namespace),
        device=info.host_interface,
    )
    netns.add_neighbour(
        info.host_address,
        netns.link_mac(info.host_interface),
        device=SERVER_SIDE,
        namespace=info.network_namespace,
    )
    shape(info, profile, queue_ms=queue_ms)
    netns.set_link(CORE_SIDE, namespace=info.router_namespace, is_ipv6_quiet=True, is_up=True)
    netns.set_link(SERVER_SIDE, namespace=info.network_namespace, is_up=True)
    netns.set_loopback_up(info.network_namespace)
    netns.set_link(info.host_interface, is_up=True)
    netns.set_link(UE_SIDE, namespace=info.router_namespace, is_ipv6_quiet=True, is_up=is_carrier_on)
    return info


def claim_slot(topology: netns.Topology, slot: int | None) -> DataInterfaceInfo:
    """The slot asked for, or the first free one: its router namespace is created here (and owned)."""
    for candidate in range(MAX_SLOTS) if slot is None else (slot,):
        info = layout_for(candidate)
        router, network = info.router_namespace, info.network_namespace
        # the existence check only spares an `ip` call; the claim itself is try_add_namespace
        if netns.namespace_exists(router) or not topology.try_add_namespace(router):
            continue
        if not netns.link_exists(info.host_interface) and topology.try_add_namespace(network):
            return info
        topology.remove_namespace(router)  # the rest is taken (a killed relay's leftovers?)
    wanted = f"slot {slot}" if slot is not None else f"any of {MAX_SLOTS} slots"
    raise NetnsError(f"no free data interface: {wanted} taken (ip netns list shows {netns.NAME_PREFIX}r*)")


def shape(info: DataInterfaceInfo, profile: LinkProfile, *, queue_ms: float) -> None:
    """tbf at the profile's rates: UL where frames leave the router toward the core, DL toward the host."""
    for device, rate_kbps in ((CORE_SIDE, profile.ul_kbps), (UE_SIDE, profile.dl_kbps)):
        burst_bytes = max(MIN_BURST_BYTES, round(rate_kbps * 1000 / 8 * BURST_S))
        tbf = netns.Tbf(rate_kbps=rate_kbps, burst_bytes=burst_bytes, latency_ms=queue_ms)
        netns.set_tbf(device, tbf, namespace=info.router_namespace)
