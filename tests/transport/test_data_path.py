"""harness.transport.data_path: where a module's host data path ends, read from its port (a virtual
module's status) or from the rig's `[module.data]`, and the host's address on it read from the OS."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Sequence

import pytest

from harness import netns
from harness.dialects import connect
from harness.errors import ModemError, NetnsError
from harness.rig_data_interface import HostDataInterface
from harness.transport import open_port
from harness.transport.data_path import DataPathEnds, data_path_of, host_addresses, wait_for_host_address

ROOT_REASON = netns.missing_net_admin()
USB0 = HostDataInterface(interface="usb0", subnet="10.64.0.0/10", address_timeout_s=1)


def test_a_port_without_a_described_path_has_none() -> None:
    port = open_port("loop://")
    try:
        assert data_path_of(port) is None
    finally:
        port.close()


def test_a_rig_module_with_a_data_table_ends_at_the_rigs_server() -> None:
    port = open_port("loop://")
    try:
        ends = data_path_of(port, USB0)
    finally:
        port.close()
    assert ends == DataPathEnds(
        host_interface="usb0",
        host_subnet=ipaddress.IPv4Network("10.64.0.0/10"),
        address_timeout_s=1,
        server_end=None,
    )


def test_a_virtual_module_without_datapath_has_none() -> None:
    with connect("virtual://rg255c?attach_s=0") as link:
        assert data_path_of(link.port) is None


@pytest.mark.skipif(ROOT_REASON is not None, reason=f"datapath=netns: {ROOT_REASON}")
def test_a_virtual_data_interface_names_both_ends_and_the_servers_namespace() -> None:
    with connect("virtual://rg255c?attach_s=0&datapath=netns") as link:
        ends = data_path_of(link.port, USB0)  # the module's own layout wins over the rig's table
        assert ends is not None
        assert ends.server_end is not None
        assert ends.host_interface.startswith(netns.NAME_PREFIX)
        assert netns.link_exists(ends.host_interface)
        assert netns.namespace_exists(ends.server_end.namespace)
        (address,) = host_addresses(ends.host_interface)
        assert ends.host_subnet == ipaddress.IPv4Network(f"{address.ip}/32")
        assert wait_for_host_address(ends) == str(address.ip)
        assert ipaddress.IPv4Address(ends.server_end.address) in address.network


def ip_answering(answers: list[object]) -> object:
    """A stand-in for netns.run_command: each call answers the next of `answers` (the last one repeats); a
    NetnsError answer is raised, as `ip` failing."""

    def run_command(tool: str, args: Sequence[str], *, namespace: str | None = None) -> str:
        assert (tool, list(args)) == ("ip", ["-j", "-4", "address", "show", "dev", "usb0"])
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, NetnsError):
            raise answer
        return json.dumps(answer)

    return run_command


def addr_show(*addresses: str) -> list[dict[str, object]]:
    infos = [
        {"family": "inet", "local": a.split("/")[0], "prefixlen": int(a.split("/")[1])} for a in addresses
    ]
    return [{"ifname": "usb0", "addr_info": infos}]


ENDS = DataPathEnds(
    host_interface="usb0", host_subnet=ipaddress.IPv4Network("10.64.0.0/10"), address_timeout_s=0.3
)


def test_the_address_is_the_one_in_the_subnet_once_the_interface_and_dhcp_are_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers: list[object] = [
        NetnsError('Device "usb0" does not exist.'),
        addr_show(),
        addr_show("192.168.225.20/24", "10.70.1.9/30"),
    ]
    monkeypatch.setattr(netns, "run_command", ip_answering(answers))
    assert wait_for_host_address(ENDS) == "10.70.1.9"
    assert wait_for_host_address(DataPathEnds(host_interface="usb0")) == "192.168.225.20"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (NetnsError("Device usb0 does not exist."), "usb0: no such interface (Device usb0 does not exist.)"),
        (addr_show(), "usb0: no IPv4 address within 0.3 s of the data call"),
        (addr_show("192.168.225.20/24"), "usb0: no address in 10.64.0.0/10, only 192.168.225.20/24 within"),
    ],
)
def test_no_address_in_time_says_what_was_there(
    monkeypatch: pytest.MonkeyPatch, answer: object, message: str
) -> None:
    monkeypatch.setattr(netns, "run_command", ip_answering([answer]))
    with pytest.raises(ModemError) as caught:
        wait_for_host_address(ENDS)
    assert message in str(caught.value)
    assert str(caught.value).startswith("host data interface usb0: ")


@pytest.mark.skipif(ROOT_REASON is not None, reason=f"namespaces: {ROOT_REASON}")
def test_an_address_given_after_the_call_is_read_from_the_os() -> None:
    """A veth in a namespace of this test stands for usb0; its address comes 0.3 s late, as DHCP's would."""
    namespace, interface = "miot-tdp0", "miot-tdp0a"
    ends = DataPathEnds(
        host_interface=interface, host_subnet=ipaddress.IPv4Network("198.18.77.0/24"), address_timeout_s=10
    )
    with netns.Topology() as topology:
        topology.add_namespace(namespace)
        topology.add_veth(
            netns.Endpoint(name=interface, namespace=namespace),
            netns.Endpoint(name="miot-tdp0b", namespace=namespace),
        )
        netns.add_address(interface, "198.18.76.1/24", namespace=namespace)  # another subnet's: not it
        dhcp = (interface, "198.18.77.5/24")
        late = threading.Timer(0.3, netns.add_address, dhcp, {"namespace": namespace})
        late.start()
        try:
            # `ip`, started from a thread inside the namespace, runs there too
            assert netns.call_in(namespace, lambda: wait_for_host_address(ends)) == "198.18.77.5"
        finally:
            late.join()
