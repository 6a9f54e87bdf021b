"""UDP round-trip self-overhead (issue 10): the harness's echo engine (harness.traffic.run_udp_echo_on over a
harness.traffic.HostUdpSocket, as via="host" runs it) and its reflector (harness.server), side by side with
irtt (`irtt client` against `irtt server`, Debian package irtt) and ping (ICMP echo, the kernel's floor), on
loopback (127.0.0.1) and across a veth pair into a namespace this bench creates (bench_throughput's
shaped_link, no tbf: 198.18.252.1 here, 198.18.252.2 there). Goal: the harness's median and p99 no higher
than irtt's.

The harness's reflector is timed twice: in a `miot server` process opened over its control channel (the
headline rows: a lab's server, and like irtt two processes), and as a reflector thread of the client's own
process (what the virtual rig's LocalServer does: one interpreter, so both take turns at its lock; detail
table only).

Every tool sends 64-byte payloads (irtt -l 64, ping -s 56: 64 bytes of ICMP) every 10 ms (irtt's default
shortest interval), ROUNDS rounds of PROBES_PER_ROUND probes each (3 x 2 s per tool and path; with the
servers' start-ups about 75 s in all; p99 is the 6th-highest of 600), the tools alternating within a round so
that the machine's 1.5-2x speed swings (../shared/reference/this-machine.md) hit all alike. Percentiles over
the pooled probes, linear between order statistics, the same function for every tool; a lost probe counts in
the received column, not the percentiles. The harness's first probe of a round is its warm-up and left out
(irtt and ping keep theirs: a slightly harsher p99 for them).
Needs root for the veth rows (namespaces); irtt or ping missing leaves their rows unjudged, never a crash.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.bench_table import BenchFigure, skipped
from benchmarks.bench_throughput import HOST_ADDRESS, SERVER_ADDRESS, shaped_link
from benchmarks.rtt_tool_output import irtt_rtts_us, ping_rtts_us
from harness import netns
from harness.server import ServerClient, SessionKind, UdpReflector
from harness.server.control import TOKEN_ENV
from harness.traffic import HostPath, UdpEchoSpec
from harness.traffic.host_socket import HostUdpSocket
from harness.traffic.udp_echo import run_udp_echo_on
from harness.virtual.process import child_environment
from tests.server.server_process import listening_port, stop_server

ROUNDS = 3
PROBES_PER_ROUND = 200
INTERVAL_S = 0.01
PAYLOAD_BYTES = 64
PING_DATA_BYTES = PAYLOAD_BYTES - 8  # the ICMP echo header
IRTT_WAIT = "250ms"  # after the last probe; irtt's default waits 4 s at least
TOOL_TIMEOUT_S = 60.0
HARNESS, IN_PROCESS, IRTT, PING = "harness", "in-process", "irtt", "ping"
GOAL = "<= irtt"
FLOOR = "- (the kernel's floor)"
TOOL_NAMES = {
    HARNESS: "harness + miot server",
    IN_PROCESS: "harness + reflector thread",
    IRTT: "irtt client + server",
    PING: "ping (ICMP)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbePath:
    """Where the probes go: the client's address and interface, the server's address and namespace."""

    label: str
    client_address: str
    client_interface: str | None
    server_address: str
    server_namespace: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rtts:
    """One tool's round trips on one path, in us; `sent` counts lost probes too."""

    tool: str
    rtts_us: list[float]
    sent: int

    def percentile_us(self, pct: float) -> float | None:
        return float(np.percentile(self.rtts_us, pct)) if self.rtts_us else None


# --- one round of each tool -------------------------------------------------------------------------------


def harness_round(path: ProbePath) -> tuple[list[float], int]:
    """The engine against a reflector in a `miot server` process, as a lab runs its server (and as irtt's
    client and server are two processes), opened over the server's authenticated control channel."""
    token = os.urandom(16).hex()
    with miot_server_in(path, token) as port, ServerClient(path.server_address, port, token) as control:
        session = control.open_session(SessionKind.UDP_REFLECTOR)
        try:
            return _echo(path, (session.host, session.port))
        finally:
            control.close_session(session.session_id)


def in_process_round(path: ProbePath) -> tuple[list[float], int]:
    """The engine against a reflector thread of this process, as the virtual rig's LocalServer runs it: one
    interpreter, so client and reflector take turns at its lock."""
    reflector = UdpReflector(host=path.server_address)
    _in(path.server_namespace, reflector.start)  # its socket lives in the server's namespace
    try:
        return _echo(path, reflector.address)
    finally:
        reflector.stop()


def _echo(path: ProbePath, reflector: tuple[str, int]) -> tuple[list[float], int]:
    host = HostPath(address=path.client_address, interface=path.client_interface)
    spec = UdpEchoSpec(
        probes=PROBES_PER_ROUND, payload_bytes=PAYLOAD_BYTES, interval_s=INTERVAL_S, timeout_s=1.0
    )
    samples = run_udp_echo_on(HostUdpSocket(host, reflector), spec).samples
    measured = samples[~samples["is_warmup"]]
    return (measured["rtt_ms"].dropna() * 1000).tolist(), len(measured)


@contextmanager
def miot_server_in(path: ProbePath, token: str) -> Iterator[int]:
    """`miot server` listening on the path's server address (in its namespace); its control port."""
    command = [*_exec_in(path.server_namespace), sys.executable, "-m", "harness", "server"]
    command += ["--listen", f"{path.server_address}:0", "--token-env", TOKEN_ENV]
    environment = {**child_environment(), TOKEN_ENV: token}
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield listening_port(process)
    finally:
        stop_server(process)


def irtt_round(path: ProbePath) -> tuple[list[float], int]:
    port = _free_port(path.server_address, path.server_namespace)
    command = [
        *_exec_in(path.server_namespace),
        "irtt",
        "server",
        "-b",
        f"{path.server_address}:{port}",
    ]
    # irtt logs a line per connection: a few per round, far below what the pipe holds unread
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_listener(server)
        with tempfile.TemporaryDirectory(prefix="miot-bench-irtt-") as folder:
            report = Path(folder) / "irtt.json"
            client = ["irtt", "client", "-Q", "-i", f"{INTERVAL_S * 1000:g}ms", "-l", str(PAYLOAD_BYTES)]
            client += ["-d", f"{PROBES_PER_ROUND * INTERVAL_S:g}s", f"--wait={IRTT_WAIT}", "-o", str(report)]
            client += [f"--local={path.client_address}:0", f"{path.server_address}:{port}"]
            done = subprocess.run(client, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
            if done.returncode != 0:
                raise RuntimeError(f"irtt client: {(done.stderr or done.stdout).strip()[-300:]}")
            rtts, sent = irtt_rtts_us(report.read_text())
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    return [rtt for rtt in rtts if rtt is not None], sent


def ping_round(path: ProbePath) -> tuple[list[float], int]:
    command = ["ping", "-n", "-c", str(PROBES_PER_ROUND), "-i", f"{INTERVAL_S:g}", "-s", str(PING_DATA_BYTES)]
    command += ["-W", "1", "-I", path.client_address, path.server_address]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    return ping_rtts_us(done.stdout), PROBES_PER_ROUND


ROUND_OF: dict[str, Callable[[ProbePath], tuple[list[float], int]]] = {
    HARNESS: harness_round,
    IN_PROCESS: in_process_round,
    IRTT: irtt_round,
    PING: ping_round,
}


def measure(path: ProbePath, tools: list[str]) -> dict[str, Rtts]:
    pooled: dict[str, list[float]] = {tool: [] for tool in tools}
    sent = dict.fromkeys(tools, 0)
    for round_index in range(ROUNDS):
        shift = round_index % len(tools)
        for tool in tools[shift:] + tools[:shift]:
            rtts, count = ROUND_OF[tool](path)
            pooled[tool] += rtts
            sent[tool] += count
    return {tool: Rtts(tool=tool, rtts_us=pooled[tool], sent=sent[tool]) for tool in tools}


# --- the tables ---------------------------------------------------------------------------------------


def print_path(path: ProbePath, results: dict[str, Rtts]) -> None:
    print(f"\n{path.label}: {path.client_address} -> {path.server_address}, RTT in us")
    print(f"{'tool':27} {'received':>12} {'min':>7} {'median':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    for tool, rtts in results.items():
        name = TOOL_NAMES[tool]
        if not rtts.rtts_us:
            print(f"{name:27} {0:>5} of {rtts.sent:<5} (nothing came back)")
            continue
        shown = [min(rtts.rtts_us), *(rtts.percentile_us(p) or 0.0 for p in (50, 90, 99)), max(rtts.rtts_us)]
        print(f"{name:27} {len(rtts.rtts_us):>5} of {rtts.sent:<5} " + " ".join(f"{v:7.0f}" for v in shown))


def figures_of(path: ProbePath, results: dict[str, Rtts], missing: dict[str, str]) -> list[BenchFigure]:
    """Median and p99 against irtt (judged) and ping (the floor, not judged). A missing tool or a side with
    no round trip leaves the row unjudged; the harness's figure is shown whenever it has one."""
    ours = results[HARNESS]
    rows = []
    for tool, goal in ((IRTT, GOAL), (PING, FLOOR)):
        theirs_rtts = results.get(tool)
        for label, pct in (("median", 50.0), ("p99", 99.0)):
            mine = ours.percentile_us(pct)
            theirs = None if theirs_rtts is None else theirs_rtts.percentile_us(pct)
            is_met = None if mine is None or theirs is None or tool != IRTT else mine <= theirs
            rows.append(
                BenchFigure(
                    figure=f"UDP RTT {path.label}, {label}",
                    harness="-" if mine is None else f"{mine:.0f} us",
                    reference_tool=tool,
                    reference="-" if theirs is None else f"{theirs:.0f} us",
                    ratio=None if mine is None or theirs is None else mine / theirs,
                    goal=goal,
                    met=is_met,
                    note=_note(tool, mine, theirs, missing),
                )
            )
    return rows


def _note(tool: str, mine: float | None, theirs: float | None, missing: dict[str, str]) -> str:
    if tool in missing:
        return missing[tool]
    if mine is None or theirs is None:
        return f"no round trip came back from {HARNESS if mine is None else tool}"
    return f"{mine - theirs:.0f} us above irtt" if tool == IRTT and mine > theirs else ""


def missing_tools() -> dict[str, str]:
    return {
        tool: f"{tool} not found (Debian package {package})"
        for tool, package in ((IRTT, "irtt"), (PING, "iputils-ping"))
        if shutil.which(tool) is None
    }


def run_path(path: ProbePath, missing: dict[str, str]) -> list[BenchFigure]:
    tools = [tool for tool in (HARNESS, IN_PROCESS, IRTT, PING) if tool not in missing]
    results = measure(path, tools)
    print_path(path, results)
    return figures_of(path, results, missing)


@contextmanager
def veth_path() -> Iterator[ProbePath]:
    with shaped_link() as link:
        yield ProbePath(
            label="veth",
            client_address=HOST_ADDRESS,
            client_interface=link.host_interface,
            server_address=SERVER_ADDRESS,
            server_namespace=link.server_namespace,
        )


LOOPBACK = ProbePath(
    label="loopback",
    client_address="127.0.0.1",
    client_interface=None,
    server_address="127.0.0.1",
    server_namespace=None,
)


def main() -> list[BenchFigure]:
    print(
        f"UDP RTT self-overhead: {ROUNDS} rounds x {PROBES_PER_ROUND} probes of {PAYLOAD_BYTES} B every "
        f"{INTERVAL_S * 1000:g} ms per tool, tools alternating"
    )
    missing = missing_tools()
    rows = run_path(LOOPBACK, missing)
    reason = netns.missing_net_admin()
    if reason is None:
        with veth_path() as path:
            rows += run_path(path, missing)
    else:
        print(f"veth rows skipped: {reason}")
        for tool, goal in ((IRTT, GOAL), (PING, FLOOR)):
            rows += [
                skipped(f"UDP RTT veth, {label}", reference_tool=tool, goal=goal, note=reason)
                for label in ("median", "p99")
            ]
    return rows


def _in(namespace: str | None, function: Callable[[], None]) -> None:
    if namespace is None:
        function()
    else:
        netns.call_in(namespace, function)


def _exec_in(namespace: str | None) -> list[str]:
    return [] if namespace is None else ["ip", "netns", "exec", namespace]


def _wait_for_listener(server: subprocess.Popen[str]) -> None:
    """Until irtt server says it listens (a Go start-up under load takes longer than any fixed sleep)."""
    assert server.stdout is not None
    for line in server.stdout:
        if "ListenerStart" in line:
            return
    raise RuntimeError(f"irtt server ended before listening (exit status {server.wait()})")


def _free_port(address: str, namespace: str | None) -> int:
    """A UDP port free at `address` now (irtt server needs one named on its command line)."""

    def bind() -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
            return int(probe.getsockname()[1])

    return bind() if namespace is None else netns.call_in(namespace, bind)


if __name__ == "__main__":
    main()
