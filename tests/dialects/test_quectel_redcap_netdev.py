"""harness.dialects.quectel_redcap_netdev: +QCFG "usbnet" and +QNETDEVCTL readers, and finding the host's
interface in a fake sysfs tree laid out as Linux lays it out (class/net and class/tty links into devices/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects.quectel_redcap_netdev import (
    CallMode,
    DataCall,
    UsbNet,
    find_host_interface,
    host_interfaces,
    read_data_call,
    read_usbnet,
)
from harness.errors import ModemError, ParseError

QUECTEL = "2c7c"
REALTEK = "0bda"


class FakeSysfs:
    """A /sys with USB devices, their network interfaces and ttys."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for part in ("class/net", "class/tty", "bus/usb/drivers"):
            (root / part).mkdir(parents=True, exist_ok=True)

    def usb_device(self, bus_path: str, vendor: str = QUECTEL) -> Path:
        device = self.root / "devices/pci0000:00/0000:00:14.0/usb1" / bus_path
        device.mkdir(parents=True)
        (device / "idVendor").write_text(f"{vendor}\n")
        return device

    def platform_device(self, name: str) -> Path:
        device = self.root / "devices/platform" / name
        device.mkdir(parents=True)
        return device

    def net(self, name: str, usb: Path, *, interface: int, driver: str) -> None:
        function = usb / f"{usb.name}:1.{interface}"
        function.mkdir()
        driver_dir = self.root / "bus/usb/drivers" / driver
        driver_dir.mkdir(exist_ok=True)
        (function / "driver").symlink_to(driver_dir)
        net_dir = function / "net" / name
        net_dir.mkdir(parents=True)
        (net_dir / "device").symlink_to(function)
        (self.root / "class/net" / name).symlink_to(net_dir)

    def tty(self, name: str, parent: Path) -> None:
        port = parent / name
        tty_dir = port / "tty" / name
        tty_dir.mkdir(parents=True)
        (tty_dir / "device").symlink_to(port)
        (self.root / "class/tty" / name).symlink_to(tty_dir)

    def usb_tty(self, name: str, usb: Path, *, interface: int) -> None:
        function = usb / f"{usb.name}:1.{interface}"
        function.mkdir(exist_ok=True)
        self.tty(name, function)


@pytest.fixture
def sysfs(tmp_path: Path) -> FakeSysfs:
    return FakeSysfs(tmp_path / "sys")


def two_modules(sysfs: FakeSysfs) -> None:
    """Two RM520Ns on the host, both in ECM mode, plus the host's own Ethernet and a virtual interface."""
    first = sysfs.usb_device("1-2")
    sysfs.usb_tty("ttyUSB2", first, interface=2)
    sysfs.net("usb0", first, interface=4, driver="cdc_ether")
    second = sysfs.usb_device("1-3")
    sysfs.usb_tty("ttyUSB6", second, interface=2)
    sysfs.net("enx0a1b2c3d4e5f", second, interface=4, driver="cdc_ether")
    sysfs.net("eth0", sysfs.usb_device("2-1", vendor=REALTEK), interface=0, driver="r8152")
    (sysfs.root / "class/net/lo").mkdir()


def test_the_interface_on_the_at_ports_usb_device_is_found(sysfs: FakeSysfs) -> None:
    two_modules(sysfs)
    found = [
        find_host_interface(mode=UsbNet.ECM, port_name=port, sysfs=sysfs.root)
        for port in ("/dev/ttyUSB2", "/dev/ttyUSB6")
    ]
    assert found == ["usb0", "enx0a1b2c3d4e5f"]


def test_a_serial_by_id_link_leads_to_the_same_tty(sysfs: FakeSysfs, tmp_path: Path) -> None:
    two_modules(sysfs)
    (tmp_path / "ttyUSB6").touch()
    link = tmp_path / "usb-Quectel_RM520N-GL_abc-if02-port0"
    link.symlink_to(tmp_path / "ttyUSB6")
    assert find_host_interface(mode=UsbNet.ECM, port_name=str(link), sysfs=sysfs.root) == "enx0a1b2c3d4e5f"


def test_only_the_driver_of_the_usb_mode_counts(sysfs: FakeSysfs) -> None:
    two_modules(sysfs)
    assert find_host_interface(mode=UsbNet.MBIM, port_name="/dev/ttyUSB2", sysfs=sysfs.root) is None
    module = sysfs.usb_device("1-4")
    sysfs.usb_tty("ttyUSB9", module, interface=2)
    sysfs.net("wwan0", module, interface=4, driver="cdc_mbim")
    assert find_host_interface(mode=UsbNet.MBIM, port_name="/dev/ttyUSB9", sysfs=sysfs.root) == "wwan0"


def test_two_candidates_on_one_device_ask_for_the_rig_setting(sysfs: FakeSysfs) -> None:
    module = sysfs.usb_device("1-2")
    sysfs.usb_tty("ttyUSB2", module, interface=2)
    sysfs.net("usb0", module, interface=4, driver="rndis_host")
    sysfs.net("usb1", module, interface=5, driver="rndis_host")
    with pytest.raises(ModemError, match=r"2 rndis_host interfaces .* \(usb0, usb1\): the rig must name"):
        find_host_interface(mode=UsbNet.RNDIS, port_name="/dev/ttyUSB2", sysfs=sysfs.root)


def test_a_uart_port_falls_back_to_the_only_quectel_interface(sysfs: FakeSysfs) -> None:
    sysfs.tty("ttyS1", sysfs.platform_device("serial8250"))
    sysfs.net("usb0", sysfs.usb_device("1-2"), interface=4, driver="cdc_ether")
    sysfs.net("eth1", sysfs.usb_device("1-5", vendor=REALTEK), interface=0, driver="cdc_ether")
    assert find_host_interface(mode=UsbNet.ECM, port_name="/dev/ttyS1", sysfs=sysfs.root) == "usb0"
    sysfs.net("usb1", sysfs.usb_device("1-3"), interface=4, driver="cdc_ether")
    with pytest.raises(ModemError, match="on Quectel USB devices"):
        find_host_interface(mode=UsbNet.ECM, port_name="/dev/ttyS1", sysfs=sysfs.root)


@pytest.mark.parametrize("port", ["rfc2217://rig-7:4001", "socket://198.18.0.2:4001", "/dev/pts/7"])
def test_remote_ports_and_ptys_have_no_interface_here(sysfs: FakeSysfs, port: str) -> None:
    two_modules(sysfs)
    assert find_host_interface(mode=UsbNet.ECM, port_name=port, sysfs=sysfs.root) is None


def test_host_interfaces_skip_those_without_a_device(sysfs: FakeSysfs) -> None:
    two_modules(sysfs)
    found = {i.name: (i.driver, i.vendor) for i in host_interfaces(sysfs.root)}
    assert found == {
        "usb0": ("cdc_ether", QUECTEL),
        "enx0a1b2c3d4e5f": ("cdc_ether", QUECTEL),
        "eth0": ("r8152", REALTEK),
    }


def test_a_missing_sysfs_has_no_interfaces(tmp_path: Path) -> None:
    assert host_interfaces(tmp_path / "nothing") == []


# --- module side -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "driver", "is_module_dialled"),
    [
        (UsbNet.RMNET, "qmi_wwan", False),
        (UsbNet.ECM, "cdc_ether", True),
        (UsbNet.MBIM, "cdc_mbim", False),
        (UsbNet.RNDIS, "rndis_host", True),
    ],
)
def test_usb_modes(mode: UsbNet, driver: str, is_module_dialled: bool) -> None:
    assert (mode.host_driver, mode.is_module_dialled) == (driver, is_module_dialled)


@given(mode=st.sampled_from(list(UsbNet)), spacing=st.sampled_from(["", " "]), is_quoted=st.booleans())
def test_any_usbnet_line_reads_back(mode: UsbNet, spacing: str, is_quoted: bool) -> None:
    key = '"usbnet"' if is_quoted else "usbnet"
    assert read_usbnet(f"+QCFG:{spacing}{key},{spacing}{int(mode)}") is mode


@pytest.mark.parametrize(
    "line",
    ['+QCFG: "usbnet",5', '+QCFG: "nat",1', '+QCFG: "usbnet"', '+QCFG: "usbnet",1,0', "+QCFG: usbnet,x"],
)
def test_usbnet_lines_it_cannot_read(line: str) -> None:
    with pytest.raises(ParseError):
        read_usbnet(line)


@given(
    mode=st.sampled_from(list(CallMode)),
    cid=st.integers(1, 11),
    is_urc_enabled=st.booleans(),
    is_connected=st.booleans(),
)
def test_any_data_call_line_reads_back(
    mode: CallMode, cid: int, is_urc_enabled: bool, is_connected: bool
) -> None:
    line = f"+QNETDEVCTL: {int(mode)},{cid},{int(is_urc_enabled)},{int(is_connected)}"
    assert read_data_call(line) == DataCall(
        mode=mode, cid=cid, is_urc_enabled=is_urc_enabled, is_connected=is_connected
    )


@pytest.mark.parametrize(
    "line",
    [
        "+QNETDEVCTL: 3,1,1",  # the older LTE form: not this family's
        "+QNETDEVCTL: 2,1,1,1",  # op 2 is not defined
        "+QNETDEVCTL: 3,1,2,1",
        "+QNETDEVCTL: 3,1,1,2",
        "+QNETDEVCTL: 3,,1,1",
    ],
)
def test_data_call_lines_it_cannot_read(line: str) -> None:
    with pytest.raises(ParseError):
        read_data_call(line)
