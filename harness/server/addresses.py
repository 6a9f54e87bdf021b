"""server layer: which addresses the test server may bind, and on which interface its captures run.

DESIGN "Network rules": tests and the virtual rig use loopback (127.0.0.0/8) or 198.18.0.0/15 (RFC 2544's
benchmarking range, inside namespaces the tests create). Those are always allowed. Any other address (a lab
server's public one, or 0.0.0.0) must be asked for explicitly (`miot server --public`), so a mistyped
address never exposes a server by accident.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess

BENCHMARK_NETWORK = ipaddress.IPv4Network("198.18.0.0/15")
_IP_TIMEOUT_S = 10.0


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT -> (IPv4 address, port); `localhost` is 127.0.0.1. ValueError says what is wrong."""
    host, colon, port_text = text.rpartition(":")
    if not colon or not host:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"expected a port 0-65535 after the colon, got {port_text!r}")
    host = "127.0.0.1" if host == "localhost" else host
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        raise ValueError(f"expected an IPv4 address or localhost, got {host!r}") from None
    return host, int(port_text)


def bind_problem(host: str, *, is_public_allowed: bool) -> str | None:
    """Why the server may not bind `host`, or None when it may."""
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        return f"{host!r} is not an IPv4 address"
    if address.is_loopback or address in BENCHMARK_NETWORK or is_public_allowed:
        return None
    return (
        f"{host} is neither loopback (127.0.0.0/8) nor in {BENCHMARK_NETWORK}; "
        "a public address must be asked for with --public"
    )


def interface_of(host: str) -> str | None:
    """The interface that holds `host` (lo for loopback), or None when none does (0.0.0.0, a typo)."""
    if ipaddress.IPv4Address(host).is_loopback:
        return "lo"
    try:
        result = subprocess.run(
            ["ip", "-j", "-4", "address", "show"],
            capture_output=True,
            text=True,
            timeout=_IP_TIMEOUT_S,
            check=True,
        )
        links = json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    for link in links:
        if any(info.get("local") == host for info in link.get("addr_info", [])):
            return str(link["ifname"])
    return None
