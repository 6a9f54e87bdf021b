"""harness.virtual.data_interface_topology: one slot's names and addresses, and (as root) a built slot: each
direction's rate, static neighbours, a free slot claimed, a taken one refused. Traffic through it is tested
in test_data_interface.py."""

from __future__ import annotations

import ipaddress
import json
import subprocess

import pytest

from harness import netns
from harness.errors import NetnsError
from harness.virtual.data_interface_topology import (
    ADDRESS_BLOCK,
    CORE_SIDE,
    MAX_SLOTS,
    UE_SIDE,
    build,
    layout_for,
)
from harness.virtual.link import LinkProfile


@pytest.mark.parametrize("slot", [0, 7, MAX_SLOTS - 1])
def test_a_slot_has_its_own_names_and_addresses_in_the_benchmarking_range(slot: int) -> None:
    info = layout_for(slot)
    assert (info.host_interface, info.router_namespace, info.network_namespace) == (
        f"miot-d{slot}",
        f"miot-r{slot}",
        f"miot-n{slot}",
    )
    assert len(info.host_interface) <= netns.MAX_INTERFACE_NAME_CHARS
    network = ipaddress.IPv4Interface(f"{info.host_address}/{info.prefix_length}").network
    assert ipaddress.IPv4Address(info.server_address) in network
    assert network.subnet_of(ADDRESS_BLOCK)
    assert network.subnet_of(netns.ALLOWED_NETWORK)
    assert network != ipaddress.IPv4Interface(f"{layout_for((slot + 1) % MAX_SLOTS).host_address}/24").network


@pytest.mark.parametrize("slot", [-1, MAX_SLOTS])
def test_a_slot_outside_the_range_is_refused(slot: int) -> None:
    with pytest.raises(ValueError, match="slot"):
        layout_for(slot)


ROOT_REASON = netns.missing_net_admin()
PROFILE = LinkProfile(
    delay_ms=5.0,
    jitter_ms=0.0,
    ul_kbps=5_000.0,
    dl_kbps=20_000.0,
    loss_pct=0.0,
    rrc_setup_ms=0.0,
    inactivity_s=1.0,
)


def tbf_rate_bytes_per_s(device: str, namespace: str) -> int:
    shown = subprocess.run(
        ["tc", "-n", namespace, "-j", "qdisc", "show", "dev", device],
        capture_output=True,
        text=True,
        check=True,
        timeout=20,
    )
    (qdisc,) = [q for q in json.loads(shown.stdout) if q["kind"] == "tbf"]
    return int(qdisc["options"]["rate"])


@pytest.mark.skipif(ROOT_REASON is not None, reason=f"data interface tests: {ROOT_REASON}")
def test_a_built_slot_shapes_each_direction_at_its_rate_and_claims_a_free_slot() -> None:
    with netns.Topology() as first, netns.Topology() as second:
        info = build(first, PROFILE, slot=None, queue_ms=50.0, is_carrier_on=False)
        other = build(second, PROFILE, slot=None, queue_ms=50.0, is_carrier_on=True)
        assert other.slot != info.slot
        # uplink leaves the router toward the core, downlink toward the host (tc shows bytes per second)
        assert tbf_rate_bytes_per_s(CORE_SIDE, info.router_namespace) == 5_000 * 1000 // 8
        assert tbf_rate_bytes_per_s(UE_SIDE, info.router_namespace) == 20_000 * 1000 // 8
        neighbours = subprocess.run(
            ["ip", "neigh", "show", "dev", info.host_interface], capture_output=True, text=True, timeout=20
        ).stdout
        assert f"{info.server_address} lladdr" in neighbours
        assert "PERMANENT" in neighbours
        with pytest.raises(NetnsError, match=f"slot {other.slot} taken"):
            build(first, PROFILE, slot=other.slot, queue_ms=50.0, is_carrier_on=True)
    assert not netns.namespace_exists(info.router_namespace)
    assert not netns.link_exists(other.host_interface)
