"""harness.transport.data_path: where a module's host data path ends, read from its port (a virtual
module's status; nothing for a port the rig describes no path for)."""

from __future__ import annotations

import pytest

from harness import netns
from harness.dialects import connect
from harness.transport import open_port
from harness.transport.data_path import data_path_of

ROOT_REASON = netns.missing_net_admin()


def test_a_port_without_a_described_path_has_none() -> None:
    port = open_port("loop://")
    try:
        assert data_path_of(port) is None
    finally:
        port.close()


def test_a_virtual_module_without_datapath_has_none() -> None:
    with connect("virtual://rg255c?attach_s=0") as link:
        assert data_path_of(link.port) is None


@pytest.mark.skipif(ROOT_REASON is not None, reason=f"datapath=netns: {ROOT_REASON}")
def test_a_virtual_data_interface_names_both_ends_and_the_servers_namespace() -> None:
    with connect("virtual://rg255c?attach_s=0&datapath=netns") as link:
        ends = data_path_of(link.port)
        assert ends is not None
        assert ends.host_interface.startswith(netns.NAME_PREFIX)
        assert netns.link_exists(ends.host_interface)
        assert netns.namespace_exists(ends.server_namespace)
        assert ends.host_address != ends.server_address
