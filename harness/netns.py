"""errors layer (bottom; stdlib only, imports nothing above harness.errors): Linux network namespaces, veth
pairs, IPv4 addresses, routes, static neighbours and tbf, through iproute2's `ip` and `tc` commands.

DESIGN "Network rules for tests and the virtual rig": traffic stays on loopback or inside namespaces the
harness creates, with addresses from 198.18.0.0/15 (RFC 2544's benchmarking range); every other address is
refused here, before any command runs. Every namespace and interface this module creates, changes or deletes
is named with NAME_PREFIX ("miot-"), so nothing else on the host can be touched by mistake. `Topology`
creates them and removes them when its block ends, also when the block fails.

Privileges: creating namespaces mounts under /run/netns (CAP_SYS_ADMIN) and links need CAP_NET_ADMIN, so
in practice root. `missing_net_admin()` says why it cannot work here (tests skip with that reason);
commands refused by the kernel raise NeedsNetAdmin.

tc here has tbf and htb but no netem (../shared/reference/this-machine.md): delay, jitter and loss are
modelled in user space by whoever moves the packets. tbf delays a packet its own sender queued on the same
host instead of dropping it, so a shaper meant to drop sits on a router namespace between two veth pairs
(same file, "Pitfalls").
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from harness.errors import NeedsNetAdmin, NetnsError

NAME_PREFIX = "miot-"
ALLOWED_NETWORK = ipaddress.IPv4Network("198.18.0.0/15")
MAX_INTERFACE_NAME_CHARS = 15  # IFNAMSIZ is 16 with the terminating NUL (linux/if.h)
NETNS_DIR = Path("/run/netns")  # where `ip netns add` mounts named namespaces
# An `ip` or `tc` call takes 2-10 ms; the deadline is for a machine under heavy load.
COMMAND_TIMEOUT_S = 20.0
# linux/capability.h bit numbers, as /proc/<pid>/status prints the effective set in hex
CAP_NET_ADMIN_BIT = 12
CAP_SYS_ADMIN_BIT = 21
CLONE_NEWNET = 0x40000000  # linux/sched.h, for setns(2)
T = TypeVar("T")
NEEDS_ROOT = "needs root (CAP_NET_ADMIN, and CAP_SYS_ADMIN for `ip netns`)"
_CARRIER_POLL_S = 0.02
_REFUSED_BY_KERNEL = ("Operation not permitted", "Permission denied")


# --- privileges --------------------------------------------------------------------------------------


def missing_net_admin() -> str | None:
    """Why namespaces cannot be built here (a reason a test can skip with), or None when they can."""
    missing = [tool for tool in ("ip", "tc") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian package iproute2)"
    effective = _effective_capabilities()
    lacking = [
        name
        for name, bit in (("CAP_NET_ADMIN", CAP_NET_ADMIN_BIT), ("CAP_SYS_ADMIN", CAP_SYS_ADMIN_BIT))
        if not effective >> bit & 1
    ]
    if lacking:
        return f"network namespaces {NEEDS_ROOT}; this process lacks {', '.join(lacking)}"
    return None


def require_net_admin() -> None:
    reason = missing_net_admin()
    if reason is not None:
        raise NeedsNetAdmin(reason)


def _effective_capabilities() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return 0


# --- names and addresses -----------------------------------------------------------------------------


def check_name(name: str, *, is_interface: bool) -> str:
    """A namespace or interface name this module may create or delete: NAME_PREFIX, then [a-z0-9-]."""
    body = name.removeprefix(NAME_PREFIX)
    if not name.startswith(NAME_PREFIX) or not body or not all(c.isalnum() or c == "-" for c in body):
        raise NetnsError(f"name {name!r} must be {NAME_PREFIX!r} followed by letters, digits or '-'")
    if is_interface and len(name) > MAX_INTERFACE_NAME_CHARS:
        raise NetnsError(f"interface name {name!r} is longer than {MAX_INTERFACE_NAME_CHARS} characters")
    return name


def check_network(text: str) -> ipaddress.IPv4Interface:
    """An IPv4 address with prefix ("198.18.3.1/24") whose whole network lies in ALLOWED_NETWORK."""
    try:
        interface = ipaddress.IPv4Interface(text)
    except ValueError:
        raise NetnsError(f"{text!r} is not an IPv4 address with a prefix length") from None
    if not interface.network.subnet_of(ALLOWED_NETWORK):
        raise NetnsError(f"{text} is outside {ALLOWED_NETWORK}, the only range namespaces may use")
    return interface


def check_address(text: str) -> ipaddress.IPv4Address:
    return check_network(f"{text}/32").ip


# --- running ip and tc ---------------------------------------------------------------------------------


def run_command(tool: str, args: Sequence[str], *, namespace: str | None = None) -> str:
    """Run `ip` or `tc` (in `namespace` when given) and return its standard output."""
    command = [tool, *(("-n", namespace) if namespace else ()), *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise NetnsError(f"{tool} not found (Debian package iproute2)") from None
    except subprocess.TimeoutExpired:
        raise NetnsError(f"`{' '.join(command)}` did not finish within {COMMAND_TIMEOUT_S:g} s") from None
    if done.returncode != 0:
        error = done.stderr.strip() or f"exit status {done.returncode}"
        if any(words in error for words in _REFUSED_BY_KERNEL):
            raise NeedsNetAdmin(f"`{' '.join(command)}` {NEEDS_ROOT}: {error}")
        raise NetnsError(f"`{' '.join(command)}` failed: {error}")
    return done.stdout


def _read_json(tool: str, args: Sequence[str], *, namespace: str | None) -> list[dict[str, Any]]:
    text = run_command(tool, ["-j", *args], namespace=namespace).strip()
    found = json.loads(text) if text else []
    return found if isinstance(found, list) else []


# --- namespaces ---------------------------------------------------------------------------------------


def try_add_namespace(name: str) -> bool:
    """Create a named namespace; False when one of that name exists. `ip netns add` creates its file with
    O_EXCL, so of several processes claiming one name exactly one gets True."""
    check_name(name, is_interface=False)
    try:
        run_command("ip", ["netns", "add", name])
    except NetnsError as exc:
        if "File exists" in str(exc) and not isinstance(exc, NeedsNetAdmin):
            return False
        raise
    return True


def delete_namespace(name: str) -> None:
    """Remove a named namespace (gone already is fine). It ends once no process runs inside it."""
    check_name(name, is_interface=False)
    if namespace_exists(name):
        run_command("ip", ["netns", "delete", name])


def namespace_exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def call_in(namespace: str, function: Callable[[], T]) -> T:
    """Call `function` inside `namespace` and return its result (or raise its exception). setns(2) moves
    only the calling thread, so a short-lived thread does it: sockets made there stay in the namespace
    (their traffic, routes and interfaces are its) and work from any thread; threads started there stay in
    it too."""
    path = NETNS_DIR / check_name(namespace, is_interface=False)
    results: list[T] = []
    failures: list[BaseException] = []

    def enter_and_call() -> None:
        try:
            try:
                target = open(path)  # noqa: SIM115 (closed right after setns below)
            except FileNotFoundError:
                raise NetnsError(f"namespace {namespace} does not exist") from None
            with target:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(target.fileno(), CLONE_NEWNET) != 0:
                    error = ctypes.get_errno()
                    raise NetnsError(f"setns into {namespace} failed: {os.strerror(error)}")
            results.append(function())
        except BaseException as exc:  # re-raised in the caller's thread below
            failures.append(exc)

    worker = threading.Thread(target=enter_and_call, name=f"in-{namespace}")
    worker.start()
    worker.join()
    if failures:
        raise failures[0]
    return results[0]


def open_socket_in(namespace: str, family: int, kind: int, protocol: int = 0) -> socket.socket:
    """A socket that lives in `namespace`, usable from any thread."""
    return call_in(namespace, lambda: socket.socket(family, kind, protocol))


# --- links --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One end of a veth pair: its interface name and the namespace it lives in (None: the caller's)."""

    name: str
    namespace: str | None = None


def add_veth(end: Endpoint, peer: Endpoint) -> None:
    """A veth pair with each end created directly in its namespace (no name clash in the caller's)."""
    args = ["link", "add", "name", check_name(end.name, is_interface=True)]
    args += ["netns", end.namespace] if end.namespace else []
    args += ["type", "veth", "peer", "name", check_name(peer.name, is_interface=True)]
    args += ["netns", peer.namespace] if peer.namespace else []
    run_command("ip", args)


def delete_link(name: str, *, namespace: str | None = None) -> None:
    """Delete an interface (both ends, for a veth); gone already is fine."""
    check_name(name, is_interface=True)
    if link_exists(name, namespace=namespace):
        run_command("ip", ["link", "delete", "dev", name], namespace=namespace)


def link_exists(name: str, *, namespace: str | None = None) -> bool:
    if namespace is not None and not namespace_exists(namespace):
        return False
    return any(link.get("ifname") == name for link in _read_json("ip", ["link", "show"], namespace=namespace))


def wait_for_carrier(name: str, *, timeout_s: float, sysfs: Path = Path("/sys")) -> None:
    """Until the interface (in this namespace) has a carrier: a data interface whose call just came up, or
    a veth whose peer was just set up; NetnsError naming it after timeout_s."""
    carrier = sysfs / "class" / "net" / name / "carrier"
    deadline_s = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError):  # reading carrier of a link that is down is EINVAL
            if carrier.read_text().strip() == "1":
                return
        if time.monotonic() >= deadline_s:
            raise NetnsError(f"no carrier on {name} within {timeout_s:g} s ({carrier})")
        time.sleep(_CARRIER_POLL_S)


def set_link(
    name: str,
    *,
    namespace: str | None = None,
    is_up: bool | None = None,
    mtu_bytes: int | None = None,
    gso_max_segs: int | None = None,
    is_ipv6_quiet: bool = False,
) -> None:
    """Set an interface up or down, its MTU, how many segments one GSO packet may carry (1: the stack
    hands the device one IP packet at a time), or keep IPv6 quiet on it (no link-local address, hence no
    router solicitations or MLD reports)."""
    args = ["link", "set", "dev", check_name(name, is_interface=True)]
    args += ["addrgenmode", "none"] if is_ipv6_quiet else []
    args += [] if mtu_bytes is None else ["mtu", str(mtu_bytes)]
    args += [] if gso_max_segs is None else ["gso_max_segs", str(gso_max_segs)]
    args += [] if is_up is None else ["up" if is_up else "down"]
    run_command("ip", args, namespace=namespace)


def set_loopback_up(namespace: str) -> None:
    """Bring up `lo` inside one of our namespaces (a new namespace starts with it down)."""
    run_command("ip", ["link", "set", "dev", "lo", "up"], namespace=check_name(namespace, is_interface=False))


def link_mac(name: str, *, namespace: str | None = None) -> str:
    links = _read_json(
        "ip", ["link", "show", "dev", check_name(name, is_interface=True)], namespace=namespace
    )
    if not links or "address" not in links[0]:
        raise NetnsError(f"interface {name} in {namespace or 'this namespace'} has no MAC address")
    return str(links[0]["address"])


# --- addresses, routes, neighbours ------------------------------------------------------------------------


def add_address(interface: str, address: str, *, namespace: str | None = None) -> None:
    """Give `interface` an address with prefix ("198.18.3.1/24"), which must lie in ALLOWED_NETWORK."""
    checked = check_network(address)
    args = ["address", "add", str(checked), "dev", check_name(interface, is_interface=True)]
    run_command("ip", args, namespace=namespace)


def add_route(
    destination: str, *, device: str | None = None, via: str | None = None, namespace: str | None = None
) -> None:
    """A route to `destination` (a network in ALLOWED_NETWORK) through `device` and/or gateway `via`."""
    network = check_network(destination).network
    if device is None and via is None:
        raise NetnsError(f"a route to {network} needs a device or a gateway")
    args = ["route", "add", str(network)]
    args += [] if via is None else ["via", str(check_address(via))]
    args += [] if device is None else ["dev", check_name(device, is_interface=True)]
    run_command("ip", args, namespace=namespace)


def add_neighbour(address: str, mac: str, *, device: str, namespace: str | None = None) -> None:
    """A permanent neighbour entry: the stack sends to `address` on `device` without asking ARP."""
    args = ["neighbour", "replace", str(check_address(address)), "lladdr", mac]
    args += ["dev", check_name(device, is_interface=True)]
    args += ["nud", "permanent"]
    run_command("ip", args, namespace=namespace)


# --- tbf ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Tbf:
    """A token bucket (tc-tbf(8)): `rate_kbps` (1 kbit = 1000 bit, counted over whole Ethernet frames
    without preamble or FCS), a bucket of `burst_bytes`, and a queue that holds `latency_ms` at that rate;
    what does not fit is dropped."""

    rate_kbps: float
    burst_bytes: int
    latency_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TbfStats:
    """Counters of a tbf qdisc (`tc -s qdisc show`) since it was created."""

    sent_bytes: int
    sent_packets: int
    dropped_packets: int
    overlimits: int
    backlog_bytes: int
    backlog_packets: int


def set_tbf(device: str, tbf: Tbf, *, namespace: str | None = None) -> None:
    """Put `tbf` at the root of `device`'s egress, replacing what was there (counters restart)."""
    if tbf.rate_kbps <= 0 or tbf.burst_bytes <= 0 or tbf.latency_ms <= 0:
        raise NetnsError(f"tbf needs a positive rate, burst and latency, got {tbf}")
    args = ["qdisc", "replace", "dev", check_name(device, is_interface=True), "root", "tbf"]
    args += ["rate", f"{round(tbf.rate_kbps * 1000)}bit", "burst", str(tbf.burst_bytes)]
    args += ["latency", f"{round(tbf.latency_ms * 1000)}us"]
    run_command("tc", args, namespace=namespace)


def read_tbf(device: str, *, namespace: str | None = None) -> TbfStats:
    args = ["-s", "qdisc", "show", "dev", check_name(device, is_interface=True)]
    for qdisc in _read_json("tc", args, namespace=namespace):
        if qdisc.get("kind") == "tbf":
            return TbfStats(
                sent_bytes=int(qdisc.get("bytes", 0)),
                sent_packets=int(qdisc.get("packets", 0)),
                dropped_packets=int(qdisc.get("drops", 0)),
                overlimits=int(qdisc.get("overlimits", 0)),
                backlog_bytes=int(qdisc.get("backlog", 0)),
                backlog_packets=int(qdisc.get("qlen", 0)),
            )
    raise NetnsError(f"no tbf on {device} in {namespace or 'this namespace'}")


# --- topology -----------------------------------------------------------------------------------------


class Topology:
    """Namespaces and veth pairs made through it, all removed by `close()` or when the `with` block ends,
    also when it fails. Addresses, routes, neighbours and qdiscs go with their interfaces. Processes
    started inside the namespaces are their starter's to end (a namespace lives while one runs in it)."""

    def __init__(self) -> None:
        self._namespaces: list[str] = []
        self._links: list[Endpoint] = []

    def __enter__(self) -> Topology:
        require_net_admin()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is None:
            self.close()
            return
        # the block's own error is the one to see; a failed clean-up is added as a note
        try:
            self.close()
        except NetnsError as exc:
            error.add_note(f"and the topology was not removed completely: {exc}")

    def try_add_namespace(self, name: str) -> bool:
        """Create and own a namespace; False (and nothing owned) when the name is taken."""
        is_added = try_add_namespace(name)
        if is_added:
            self._namespaces.append(name)
        return is_added

    def add_namespace(self, name: str) -> None:
        if not self.try_add_namespace(name):
            raise NetnsError(f"namespace {name} exists already")

    def remove_namespace(self, name: str) -> None:
        """Delete a namespace made through this topology before the rest."""
        self._namespaces.remove(name)
        delete_namespace(name)

    def add_veth(self, end: Endpoint, peer: Endpoint) -> None:
        add_veth(end, peer)
        self._links.append(end)

    def close(self) -> None:
        """Remove every link, then every namespace, newest first; raise the first failure at the end."""
        failures: list[NetnsError] = []
        # a veth is deleted at once with its pair; a namespace's own interfaces go later, asynchronously,
        # so a name reused right away could still be taken: links first, by name
        while self._links:
            end = self._links.pop()
            with _collected(failures):
                delete_link(end.name, namespace=end.namespace)
        while self._namespaces:
            with _collected(failures):
                delete_namespace(self._namespaces.pop())
        if failures:
            raise failures[0]


@contextlib.contextmanager
def _collected(failures: list[NetnsError]) -> Iterator[None]:
    try:
        yield
    except NetnsError as exc:
        failures.append(exc)
