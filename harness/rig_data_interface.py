"""inputs layer: a rig module's `[module.data]` table, the host data interface of a real module (DESIGN
via="host"): the ECM/RNDIS/MBIM netdev the module brings up on the rig host once its data call is up.

    [module.data]
    interface = "usb0"             # the netdev's name; a udev rule can make it stable (NAME="wwan-rc1")
    subnet = "10.0.0.0/8"          # optional: the address the operator gives it must lie here
    address_timeout_s = 30         # optional: how long after the data call the address may take (DHCP)

The address itself is never written here: the operator assigns it with the data call, and the harness reads
it from the OS (harness.transport.data_path). Traffic on the path is IPv4 (the host socket, iperf3 and the
test server are), so `subnet` is an IPv4 network. The test server for the path is the rig's `[server]`:
traffic leaves through this interface and reaches it through the operator's network.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from harness.netns import MAX_INTERFACE_NAME_CHARS

# Linux accepts any name of at most IFNAMSIZ-1 bytes without '/', ':' or white space, except "." and ".."
# (net/core/dev.c dev_valid_name).
INTERFACE_NAME_PATTERN = rf"(?!\.\.?$)[^/:\s]{{1,{MAX_INTERFACE_NAME_CHARS}}}"
# Judgement: an ECM/RNDIS function's DHCP answer arrives within seconds of the call; 30 s leaves room.
DEFAULT_ADDRESS_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class HostDataInterface:
    interface: str = field(
        metadata={
            "pattern": INTERFACE_NAME_PATTERN,
            "doc": f"a network interface name such as usb0 (at most {MAX_INTERFACE_NAME_CHARS} characters)",
        }
    )
    subnet: str | None = field(default=None, metadata={"pattern": r"\S+", "doc": "an IPv4 network"})
    address_timeout_s: float = field(default=DEFAULT_ADDRESS_TIMEOUT_S, metadata={"min": 1, "max": 600})

    @property
    def network(self) -> ipaddress.IPv4Network | None:
        """The expected subnet as a network (None: any address the interface gets)."""
        return None if self.subnet is None else ipaddress.IPv4Network(self.subnet)

    def problems(self) -> list[tuple[str, str]]:
        if self.subnet is None:
            return []
        try:
            ipaddress.IPv4Network(self.subnet)
        except ValueError as error:
            return [("subnet", f"expected an IPv4 network such as 10.0.0.0/8, got {self.subnet!r} ({error})")]
        return []
