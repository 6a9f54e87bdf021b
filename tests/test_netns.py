"""harness.netns: the network rule (198.18.0.0/15, miot- names) checked before any command runs, the
needs-root error, and, as root, namespaces, veth pairs, sockets inside namespaces and tbf, always removed."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness import netns
from harness.errors import NeedsNetAdmin, NetnsError

ROOT_REASON = netns.missing_net_admin()
needs_root = pytest.mark.skipif(ROOT_REASON is not None, reason=f"netns tests: {ROOT_REASON}")
REPO = Path(__file__).resolve().parents[1]
READ_TIMEOUT_S = 5.0


def unique(kind: str) -> str:
    """A name no concurrent test run uses: miot-<kind><6 hex digits> (at most 15 characters)."""
    return f"{netns.NAME_PREFIX}{kind}{uuid.uuid4().hex[:6]}"


@pytest.fixture
def no_commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Records instead of running: a refused request must not run anything."""
    ran: list[list[str]] = []

    def record(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(netns.subprocess, "run", record)
    return ran


# --- the network rule, without root ----------------------------------------------------------------------


@given(address=st.ip_addresses(v=4), prefix=st.integers(8, 32))
def test_only_networks_inside_198_18_0_0_15_are_accepted(address: ipaddress.IPv4Address, prefix: int) -> None:
    network = ipaddress.IPv4Interface(f"{address}/{prefix}").network
    text = f"{address}/{prefix}"
    if network.subnet_of(netns.ALLOWED_NETWORK):
        assert netns.check_network(text) == ipaddress.IPv4Interface(text)
    else:
        with pytest.raises(NetnsError, match=r"outside 198\.18\.0\.0/15"):
            netns.check_network(text)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1/24",
        "127.0.0.1/8",  # loopback is for sockets, never for a namespace's interface
        "198.17.255.255/32",
        "198.20.0.1/24",
        "198.18.0.1/14",  # the address is inside, its network is not
        "8.8.8.8/32",
    ],
)
def test_addresses_routes_and_neighbours_outside_the_range_are_refused_before_any_command(
    address: str, no_commands: list[list[str]]
) -> None:
    with pytest.raises(NetnsError, match="outside"):
        netns.add_address("miot-x0", address)
    with pytest.raises(NetnsError, match="outside"):
        netns.add_route(address, device="miot-x0")
    host = address.split("/")[0]
    if ipaddress.IPv4Address(host) not in netns.ALLOWED_NETWORK:
        with pytest.raises(NetnsError, match="outside"):
            netns.add_route("198.18.7.0/24", via=host)
        with pytest.raises(NetnsError, match="outside"):
            netns.add_neighbour(host, "02:00:00:00:00:01", device="miot-x0")
    assert no_commands == []


def test_an_address_inside_the_range_is_handed_to_ip(no_commands: list[list[str]]) -> None:
    netns.add_address("miot-x0", "198.19.4.1/24", namespace="miot-n4")
    netns.add_route("198.18.9.0/24", via="198.18.4.2", namespace="miot-n4")
    assert no_commands == [
        ["ip", "-n", "miot-n4", "address", "add", "198.19.4.1/24", "dev", "miot-x0"],
        ["ip", "-n", "miot-n4", "route", "add", "198.18.9.0/24", "via", "198.18.4.2"],
    ]


@pytest.mark.parametrize(
    "name", ["eth0", "lo", "miot-", "miot-a b", "miot-x;reboot", "xmiot-a", "miot-waytoolong1"]
)
def test_names_without_the_prefix_or_too_long_are_refused(name: str, no_commands: list[list[str]]) -> None:
    with pytest.raises(NetnsError, match="name"):
        netns.delete_link(name)
    with pytest.raises(NetnsError, match="name"):
        netns.add_veth(netns.Endpoint(name=name), netns.Endpoint(name="miot-ok"))
    assert no_commands == []


def test_a_namespace_name_may_be_longer_than_an_interface_name(no_commands: list[list[str]]) -> None:
    assert netns.check_name("miot-waytoolong1", is_interface=False) == "miot-waytoolong1"


def test_a_refusal_by_the_kernel_is_needs_net_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            command, 2, "", "mount --make-shared /run/netns failed: Operation not permitted"
        )

    monkeypatch.setattr(netns.subprocess, "run", refuse)
    with pytest.raises(NeedsNetAdmin, match=r"needs root \(CAP_NET_ADMIN"):
        netns.try_add_namespace("miot-x1")


def test_another_failure_is_a_netns_error_naming_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 2, "", "Error: argument is wrong")

    monkeypatch.setattr(netns.subprocess, "run", fail)
    with pytest.raises(NetnsError, match=r"`ip link set dev miot-x0 up` failed: Error: argument") as caught:
        netns.set_link("miot-x0", is_up=True)
    assert not isinstance(caught.value, NeedsNetAdmin)


def test_missing_capabilities_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns, "_effective_capabilities", lambda: 1 << netns.CAP_SYS_ADMIN_BIT)
    reason = netns.missing_net_admin()
    assert reason is not None
    assert "needs root" in reason
    assert "lacks CAP_NET_ADMIN" in reason
    with pytest.raises(NeedsNetAdmin, match="CAP_NET_ADMIN"), netns.Topology():
        pytest.fail("the block must not run without the capability")


def test_missing_tools_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns.shutil, "which", lambda tool: None if tool == "tc" else f"/usr/sbin/{tool}")
    assert netns.missing_net_admin() == "tc not found (Debian package iproute2)"


@needs_root
def test_a_process_without_the_capability_gets_needs_net_admin_from_ip() -> None:
    # as root, with CAP_NET_ADMIN and CAP_SYS_ADMIN taken out of the bounding set (setpriv(1))
    script = (
        "from harness import netns\n"
        "print(netns.missing_net_admin())\n"
        "try:\n"
        "    netns.try_add_namespace('miot-nopriv')\n"
        "except netns.NeedsNetAdmin as exc:\n"
        "    print('NeedsNetAdmin', exc)\n"
    )
    done = subprocess.run(
        ["setpriv", "--bounding-set", "-net_admin,-sys_admin", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert "lacks CAP_NET_ADMIN, CAP_SYS_ADMIN" in first
    assert second.startswith("NeedsNetAdmin `ip netns add miot-nopriv` needs root (CAP_NET_ADMIN")
    assert not netns.namespace_exists("miot-nopriv")


# --- as root -------------------------------------------------------------------------------------------


@pytest.fixture
def pair() -> Iterator[tuple[str, str]]:
    """Two namespaces joined by a veth pair (miot-a in the first, miot-b in the second), 198.18.250.1/.2."""
    with netns.Topology() as topology:
        first, second = unique("t"), unique("t")
        topology.add_namespace(first)
        topology.add_namespace(second)
        topology.add_veth(
            netns.Endpoint(name="miot-a", namespace=first), netns.Endpoint(name="miot-b", namespace=second)
        )
        for namespace, name, address in (
            (first, "miot-a", "198.18.250.1/30"),
            (second, "miot-b", "198.18.250.2/30"),
        ):
            netns.add_address(name, address, namespace=namespace)
            netns.set_link(name, namespace=namespace, is_up=True)
        yield first, second


@needs_root
def test_a_topology_is_removed_when_its_block_ends() -> None:
    host_end = unique("h")
    with netns.Topology() as topology:
        inside = unique("t")
        topology.add_namespace(inside)
        topology.add_veth(netns.Endpoint(name=host_end), netns.Endpoint(name="miot-in", namespace=inside))
        assert netns.namespace_exists(inside)
        assert netns.link_exists(host_end)
        assert netns.link_exists("miot-in", namespace=inside)
    assert not netns.namespace_exists(inside)
    assert not netns.link_exists(host_end)


def build_and_fail(namespace: str, host_end: str) -> None:
    with netns.Topology() as topology:
        topology.add_namespace(namespace)
        topology.add_veth(netns.Endpoint(name=host_end), netns.Endpoint(name="miot-in", namespace=namespace))
        raise ZeroDivisionError


@needs_root
def test_a_topology_is_removed_when_its_block_fails() -> None:
    namespace, host_end = unique("t"), unique("h")
    with pytest.raises(ZeroDivisionError):
        build_and_fail(namespace, host_end)
    assert not netns.namespace_exists(namespace)
    assert not netns.link_exists(host_end)


@needs_root
def test_a_taken_namespace_name_is_not_claimed_twice() -> None:
    name = unique("t")
    with netns.Topology() as first:
        assert first.try_add_namespace(name)
        with netns.Topology() as second:
            assert not second.try_add_namespace(name)
            with pytest.raises(NetnsError, match="exists already"):
                second.add_namespace(name)
        assert netns.namespace_exists(name)  # the second topology did not take it away on leaving
    assert not netns.namespace_exists(name)


@needs_root
def test_one_namespace_of_a_topology_can_go_before_the_rest() -> None:
    early, late = unique("t"), unique("t")
    with netns.Topology() as topology:
        topology.add_namespace(early)
        topology.add_namespace(late)
        topology.remove_namespace(early)
        assert not netns.namespace_exists(early)
        assert netns.namespace_exists(late)
    assert not netns.namespace_exists(late)


@needs_root
def test_a_socket_opened_in_a_namespace_uses_that_namespace(pair: tuple[str, str]) -> None:
    first, second = pair
    with netns.open_socket_in(second, socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("198.18.250.2", 0))
        server.settimeout(READ_TIMEOUT_S)
        with netns.open_socket_in(first, socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.sendto(b"across", server.getsockname())
            assert server.recvfrom(100) == (b"across", ("198.18.250.1", client.getsockname()[1]))
    # the address exists only inside the namespace, not in this process's own
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as here,
        pytest.raises(OSError, match="Cannot assign requested address"),
    ):
        here.bind(("198.18.250.2", 0))


@needs_root
def test_call_in_runs_a_function_inside_a_namespace_and_hands_back_its_result_or_error(
    pair: tuple[str, str],
) -> None:
    first, _ = pair
    inside = netns.call_in(first, lambda: {name for _, name in socket.if_nameindex()})
    assert inside == {"lo", "miot-a"}
    assert "miot-a" not in {name for _, name in socket.if_nameindex()}  # this thread never moved
    with pytest.raises(ZeroDivisionError):
        netns.call_in(first, lambda: 1 / 0)


@needs_root
def test_a_socket_in_a_missing_namespace_is_an_error() -> None:
    with pytest.raises(NetnsError, match="does not exist"):
        netns.open_socket_in(unique("t"), socket.AF_INET, socket.SOCK_DGRAM)


@needs_root
def test_tbf_is_set_and_counts_what_it_sent(pair: tuple[str, str]) -> None:
    first, second = pair
    netns.set_tbf("miot-a", netns.Tbf(rate_kbps=50_000, burst_bytes=20_000, latency_ms=50), namespace=first)
    with (
        netns.open_socket_in(second, socket.AF_INET, socket.SOCK_DGRAM) as server,
        netns.open_socket_in(first, socket.AF_INET, socket.SOCK_DGRAM) as client,
    ):
        server.bind(("198.18.250.2", 0))
        for _ in range(20):
            client.sendto(bytes(1000), server.getsockname())
    stats = netns.read_tbf("miot-a", namespace=first)
    assert stats.sent_packets >= 20
    assert stats.sent_bytes >= 20 * (1000 + 42)  # UDP, IPv4 and Ethernet headers are counted too
    assert stats.dropped_packets == 0
    with pytest.raises(NetnsError, match="no tbf on miot-b"):
        netns.read_tbf("miot-b", namespace=second)


@needs_root
def test_set_link_takes_an_interface_down_and_limits_gso(pair: tuple[str, str]) -> None:
    first, _ = pair
    netns.set_link("miot-a", namespace=first, is_up=False, gso_max_segs=1, mtu_bytes=1400)
    shown = subprocess.run(
        ["ip", "-n", first, "-d", "link", "show", "miot-a"],
        capture_output=True,
        text=True,
        check=True,
        timeout=20,
    ).stdout
    assert "mtu 1400" in shown
    assert "gso_max_segs 1 " in shown
    assert "state DOWN" in shown


def test_waiting_for_a_carrier_returns_once_it_is_up_and_names_the_interface_when_it_never_is(
    tmp_path: Path,
) -> None:
    carrier = tmp_path / "class" / "net" / "usb0" / "carrier"
    carrier.parent.mkdir(parents=True)
    carrier.write_text("1\n")
    netns.wait_for_carrier("usb0", timeout_s=0.0, sysfs=tmp_path)
    carrier.write_text("0\n")
    with pytest.raises(NetnsError, match=r"no carrier on usb0 within 0\.05 s"):
        netns.wait_for_carrier("usb0", timeout_s=0.05, sysfs=tmp_path)
    with pytest.raises(NetnsError, match="no carrier on usb1"):
        netns.wait_for_carrier("usb1", timeout_s=0.0, sysfs=tmp_path)
