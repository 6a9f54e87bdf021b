"""virtual layer: where a virtual module may send traffic (DESIGN "Network rules for tests and the virtual
rig").

Only loopback (127.0.0.0/8) and the benchmarking range (198.18.0.0/15, RFC 2544, used inside network
namespaces that tests create). A virtual module never resolves names: a host must be an IPv4 literal.
"""

from __future__ import annotations

import ipaddress

ALLOWED_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("198.18.0.0/15"))


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of an IPv4 literal, or None for anything else (a name, IPv6, garbage)."""
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        return None


def is_allowed_address(host: str) -> bool:
    address = parse_ipv4(host)
    return address is not None and any(address in network for network in ALLOWED_NETWORKS)


def describe_allowed() -> str:
    return " or ".join(str(network) for network in ALLOWED_NETWORKS)
