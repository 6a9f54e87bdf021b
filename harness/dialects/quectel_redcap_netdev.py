"""dialects layer: the data path of Quectel 5G modules to the host (via="host"): USB network mode, the
module-driven data call, and the host's name for the interface.

Module side:
- `AT+QCFG="usbnet"[,<n>]` → `+QCFG: "usbnet",<n>`: 0 RmNet/QMI, 1 ECM, 2 MBIM, 3 RNDIS; a new mode takes
  effect after a reboot (cellular-iot.md §3.3 [S29]; RG255: 1/2/3 only, MBIM listed as unsupported, by a
  public RG255 driver written from its RTOS AT manual [R], index id 65738526446).
- `AT+QNETDEVCTL=<op>,<cid>[,<urc_en>]` starts the data call of an ECM/RNDIS interface: op 1 connect once,
  3 connect and reconnect automatically, 0 disconnect; read `+QNETDEVCTL: <op>,<cid>,<urc_en>,<state>`
  with state 1 = connected, cid 1-11 on RG255 (ModemManager's Quectel tests, index id 66949180241, and
  [R]'s tests, id 65903676210, agree on this form; cellular-iot.md §3.3 marks the op values as recalled).
  With RmNet or MBIM the host runs the call (quectel-CM, ModemManager, mbimcli): QNETDEVCTL does not apply.

Host side: the module cannot know what the host calls the interface (usb0, enx<MAC> from systemd's
predictable names, wwan0, wwp0s20f0u2i4...). It is found, in this order:
1. the name the rig gives, which must exist;
2. else the interface that sits on the same USB device as the AT port: /sys/class/tty/<tty>/device and
   /sys/class/net/<if>/device lead up to the same directory with an idVendor file, and the interface's
   driver is the one of the USB mode (qmi_wwan, cdc_ether, cdc_mbim, rndis_host);
3. else, when the AT port is a local device that is not on USB (a UART), the only interface with that
   driver on a Quectel USB device (vendor 2c7c, as lsusb shows RM5xx modules);
and None otherwise (a virtual module, a remote port): no guess. Two candidates are an error that asks for
the rig setting. sysfs layout: Linux Documentation/ABI/testing/sysfs-class-net (recalled).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from harness.at.fields import Field, read_text, require_int, split_line
from harness.errors import ModemError, ParseError

QUECTEL_USB_VENDOR = "2c7c"


class UsbNet(IntEnum):
    RMNET = 0
    ECM = 1
    MBIM = 2
    RNDIS = 3

    @property
    def host_driver(self) -> str:
        return _HOST_DRIVERS[self]

    @property
    def is_module_dialled(self) -> bool:
        """True when AT+QNETDEVCTL starts the data call (the module runs the call and serves the host)."""
        return self in (UsbNet.ECM, UsbNet.RNDIS)


_HOST_DRIVERS = {
    UsbNet.RMNET: "qmi_wwan",
    UsbNet.ECM: "cdc_ether",
    UsbNet.MBIM: "cdc_mbim",
    UsbNet.RNDIS: "rndis_host",
}


class CallMode(IntEnum):
    DISCONNECT = 0
    CONNECT_ONCE = 1
    CONNECT_AUTO = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class DataCall:
    mode: CallMode
    cid: int
    is_urc_enabled: bool
    is_connected: bool


def read_usbnet(line: str) -> UsbNet:
    try:
        fields = split_line(line)[1]
        if len(fields) != 2 or read_text(fields[0]) != "usbnet":
            raise ValueError('expected +QCFG: "usbnet",<n>')
        return UsbNet(require_int(fields[1], "usbnet", low=0, high=255))
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def read_data_call(line: str) -> DataCall:
    try:
        fields = split_line(line)[1]
        if len(fields) != 4:
            raise ValueError(f"+QNETDEVCTL has 4 fields (op, cid, urc_en, state), this line {len(fields)}")
        return DataCall(
            mode=CallMode(require_int(fields[0], "op", low=0, high=255)),
            cid=require_int(fields[1], "cid", low=0, high=255),
            is_urc_enabled=_flag(fields[2], "urc_en"),
            is_connected=_flag(fields[3], "state"),
        )
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def _flag(field: Field, name: str) -> bool:
    return require_int(field, name, low=0, high=1) == 1


# --- host side -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class HostInterface:
    name: str
    driver: str | None
    usb_device: Path | None
    vendor: str | None


def host_interfaces(sysfs: Path) -> list[HostInterface]:
    """Every network interface of the host that sits on a device (loopback, bridges, veths have none)."""
    found: list[HostInterface] = []
    net = sysfs / "class" / "net"
    for entry in sorted(net.iterdir()) if net.is_dir() else []:
        device = entry / "device"
        if not device.exists():
            continue
        usb = usb_device_of(device)
        driver = device / "driver"
        found.append(
            HostInterface(
                name=entry.name,
                driver=driver.resolve().name if driver.exists() else None,
                usb_device=usb,
                vendor=None if usb is None else (usb / "idVendor").read_text().strip().lower(),
            )
        )
    return found


def usb_device_of(device: Path) -> Path | None:
    """The USB device directory (the one with idVendor) above a sysfs device, or None when not on USB."""
    at = device.resolve()
    while at != at.parent:
        if (at / "idVendor").is_file():
            return at
        at = at.parent
    return None


def tty_usb_device(port_name: str, sysfs: Path) -> Path | None:
    """The USB device of a local tty (`/dev/ttyUSB2`, a /dev/serial/by-id link), None when not on USB."""
    name = Path(os.path.realpath(port_name)).name
    device = sysfs / "class" / "tty" / name / "device"
    return usb_device_of(device) if device.exists() else None


def find_host_interface(*, mode: UsbNet, port_name: str, sysfs: Path) -> str | None:
    """The host's interface for a module in `mode` whose AT port is `port_name` (rules 2 and 3 above)."""
    if not port_name.startswith("/"):
        return None
    candidates = [i for i in host_interfaces(sysfs) if i.driver == mode.host_driver]
    usb = tty_usb_device(port_name, sysfs)
    if usb is not None:
        matched = [i for i in candidates if i.usb_device == usb]
        where = f"on the USB device of {port_name}"
    elif (sysfs / "class" / "tty" / Path(os.path.realpath(port_name)).name).exists():
        matched = [i for i in candidates if i.vendor == QUECTEL_USB_VENDOR]
        where = "on Quectel USB devices"
    else:
        return None
    if len(matched) > 1:
        names = ", ".join(i.name for i in matched)
        raise ModemError(
            f"{len(matched)} {mode.host_driver} interfaces {where} ({names}): the rig must name the data "
            "interface"
        )
    return matched[0].name if matched else None


def check_named_interface(name: str, sysfs: Path) -> str:
    """A data interface the rig names, which the host must have."""
    if not (sysfs / "class" / "net" / name).exists():
        raise ModemError(f"the rig names data interface {name!r}, which this host does not have")
    return name
