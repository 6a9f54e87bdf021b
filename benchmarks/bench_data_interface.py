"""Data interface of the virtual Cat-1 and RedCap modules (harness.virtual.data_interface): the delay it adds
and the rate it carries, against each profile's configured figures (harness.virtual.profiles).

Delay: UDP echo probes (harness.probe, 64-byte payloads, 20 per second) from this namespace to the reflector
(harness.server) in the module's network namespace. The first probe finds the RRC connection idle and is
shown on its own; the rest give the RTT median and p5-p95 against link.expected_rtt_median_ms and
link.rtt_bounds_ms, the share inside those bounds, and the one-way delays from the reflector's stamps (one
host, one clock) against delay_ms + jitter_ms / 2. Then the same probes while iperf3 sends UDP downlink at
80 % of the profile's rate: the delay a loaded relay adds.
Rate: iperf3 --json, the receiver's figures (../shared/reference/this-machine.md: the sender's overstate),
UDP with 1400-byte datagrams offered at 1.2x the rate, and TCP, each direction, 4 s after 1 s omitted.
tbf counts whole Ethernet frames, so goodput is below the rate by the headers: UDP 1400 / (1400 + 8 + 20 + 14)
= 0.971, TCP 1448 / (1448 + 32 + 20 + 14) = 0.956 (MSS with timestamps); "framed" is the ratio with them
counted, 1.00 when the path carries exactly its configured rate. Last, the relay's own ceiling: the rate it
carries with tbf far above any profile (the headroom over RedCap's peak).
Needs root (namespaces) and iperf3 (Debian package iperf3); says so and skips otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from benchmarks.bench_table import BenchFigure, skipped
from harness import netns
from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import UdpReflector
from harness.virtual.data_interface import DataInterfaceInfo, start_data_interface
from harness.virtual.link import LinkProfile, expected_rtt_median_ms, rtt_bounds_ms
from harness.virtual.profiles import PROFILES

PROFILE_NAMES = ("cat1", "redcap_1rx", "redcap_2rx")
PROBES = 60
PROBE_INTERVAL_S = 0.05
PAYLOAD_BYTES = 64
PROBE_TIMEOUT_S = 5.0
LOAD_SHARE = 0.8
LOAD_SECONDS = 8  # outlasts the settling second and the probes
IPERF_PORT = 5201  # inside the module's own network namespace: nothing else listens there
IPERF_SECONDS = 4
IPERF_OMIT_S = 1
UDP_DATAGRAM_BYTES = 1400
UDP_OFFER = 1.2
CEILING_TBF_KBPS = 10_000_000.0
CEILING_OFFER_KBPS = 1_000_000
CONFIGURED = "the profile's configured figure"
CONTEXT = "- (context, issue 4)"
# bytes on the wire per byte of goodput, as tbf counts them (module docstring)
FRAMING = {"udp": (1400 + 8 + 20 + 14) / 1400, "tcp": (1448 + 32 + 20 + 14) / 1448}


@dataclass(frozen=True, slots=True, kw_only=True)
class Echo:
    rtt_ms: float
    ul_ms: float
    dl_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DelayRow:
    profile: str
    expected_ms: float
    low_ms: float
    high_ms: float
    one_way_ms: float  # configured: delay_ms + jitter_ms / 2
    first_expected_ms: float
    idle: list[Echo]  # connected, nothing else on the link
    loaded: list[Echo]  # during the downlink stream
    first: Echo  # the connection was idle


@dataclass(frozen=True, slots=True, kw_only=True)
class RateRow:
    profile: str
    direction: str
    protocol: str
    configured_kbps: float
    received_kbps: float


def main() -> list[BenchFigure]:
    reason = netns.missing_net_admin() or (
        None if shutil.which("iperf3") else "iperf3 not found (apt-get install iperf3)"
    )
    if reason is not None:
        print(f"data interface: skipped: {reason}")
        return [skipped("virtual data interface", reference_tool=CONFIGURED, goal=CONTEXT, note=reason)]
    print(
        f"data interface through namespaces, relay and tbf; relay on {sys.executable} "
        f"(Python {platform.python_version()}), kernel {platform.release()}"
    )
    delay_rows: list[DelayRow] = []
    rate_rows: list[RateRow] = []
    for name in PROFILE_NAMES:
        profile = PROFILES[name].links[0]
        with start_data_interface(profile) as interface:
            info = interface.info
            delay_rows.append(measure_delay(name, profile, info))
            rate_rows += measure_rates(name, profile, info)
    print_delay(delay_rows)
    print_rates(rate_rows)
    print_ceiling(PROFILES[PROFILE_NAMES[-1]].links[0])
    return figures_of(delay_rows, rate_rows)


def figures_of(delay_rows: list[DelayRow], rate_rows: list[RateRow]) -> list[BenchFigure]:
    """Per profile: the RTT median against the configured one, and the rate run furthest from its
    configured rate (framed: headers counted). Context rows: issue 4's figures, no issue 10 goal."""
    figures = []
    for row in delay_rows:
        median_ms = statistics.median(e.rtt_ms for e in row.idle)
        figures.append(
            BenchFigure(
                figure=f"virtual data interface {row.profile}: RTT median",
                harness=f"{median_ms:.1f} ms",
                reference_tool=CONFIGURED,
                reference=f"{row.expected_ms:.1f} ms",
                ratio=median_ms / row.expected_ms,
                goal=CONTEXT,
                met=None,
            )
        )
        runs = [r for r in rate_rows if r.profile == row.profile]
        worst = max(runs, key=lambda r: abs(_framed(r) - 1))
        figures.append(
            BenchFigure(
                figure=f"virtual data interface {row.profile}: rate, run furthest off",
                harness=f"{worst.received_kbps / 1000:.2f} Mbit/s",
                reference_tool=CONFIGURED,
                reference=f"{worst.configured_kbps / 1000:.2f} Mbit/s",
                ratio=_framed(worst),
                goal=CONTEXT,
                met=None,
                note=f"{worst.direction} {worst.protocol.upper()}; ratio framed (headers counted)",
            )
        )
    return figures


def _framed(row: RateRow) -> float:
    return row.received_kbps / row.configured_kbps * FRAMING[row.protocol]


# --- delay ------------------------------------------------------------------------------------------------


def measure_delay(name: str, profile: LinkProfile, info: DataInterfaceInfo) -> DelayRow:
    reflector = UdpReflector(host=info.server_address)
    netns.call_in(info.network_namespace, reflector.start)  # its socket lives in the network namespace
    try:
        with client_socket(info) as client:
            first, *idle = [echo(client, reflector.address, seq) for seq in range(PROBES)]
            load = ["-u", "-R", "-b", f"{profile.dl_kbps * LOAD_SHARE:.0f}k", "-t", str(LOAD_SECONDS)]
            with iperf3(info, load):
                time.sleep(1.0)  # let the stream settle
                loaded = [echo(client, reflector.address, seq) for seq in range(PROBES, 2 * PROBES)]
    finally:
        reflector.stop()
    expected_ms = expected_rtt_median_ms(profile, PAYLOAD_BYTES)
    low_ms, high_ms = rtt_bounds_ms(profile, PAYLOAD_BYTES)
    return DelayRow(
        profile=name,
        expected_ms=expected_ms,
        low_ms=low_ms,
        high_ms=high_ms,
        one_way_ms=profile.delay_ms + profile.jitter_ms / 2,
        first_expected_ms=profile.rrc_setup_ms + expected_ms,
        idle=idle,
        loaded=loaded,
        first=first,
    )


def echo(client: socket.socket, reflector: tuple[str, int], seq: int) -> Echo:
    client.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), PAYLOAD_BYTES), reflector)
    while True:
        reply = decode_probe(client.recv(2048))
        received_ns = time.time_ns()
        if reply is not None and reply.seq == seq:
            break
    time.sleep(PROBE_INTERVAL_S)
    return Echo(
        rtt_ms=(received_ns - reply.client_tx_ns) / 1e6,
        ul_ms=(reply.server_rx_ns - reply.client_tx_ns) / 1e6,
        dl_ms=(received_ns - reply.server_tx_ns) / 1e6,
    )


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def print_delay(rows: list[DelayRow]) -> None:
    print(
        f"\nadded delay, {PROBES - 1} UDP echo probes of {PAYLOAD_BYTES} B per profile, ms "
        "(ratio = measured / configured median; inside = share of RTTs within the configured bounds)"
    )
    print(
        f"{'profile':11} {'configured':>10} {'median':>7} {'ratio':>6} {'p5-p95':>12} {'bounds':>12} "
        f"{'inside':>6} {'UL/DL one-way (conf)':>20} {'80% DL load: median, p95':>25} "
        f"{'first after idle (conf)':>24}"
    )
    for r in rows:
        rtts = [e.rtt_ms for e in r.idle]
        loaded = [e.rtt_ms for e in r.loaded]
        median_ms = statistics.median(rtts)
        inside_pct = 100 * sum(r.low_ms <= t <= r.high_ms for t in rtts) / len(rtts)
        ul_ms = statistics.median(e.ul_ms for e in r.idle)
        dl_ms = statistics.median(e.dl_ms for e in r.idle)
        print(
            f"{r.profile:11} {r.expected_ms:10.1f} {median_ms:7.1f} {median_ms / r.expected_ms:6.3f} "
            f"{percentile(rtts, 5):5.1f}-{percentile(rtts, 95):<6.1f} {r.low_ms:5.1f}-{r.high_ms:<6.1f} "
            f"{inside_pct:5.0f}% {ul_ms:6.1f} / {dl_ms:<5.1f} ({r.one_way_ms:4.1f}) "
            f"{statistics.median(loaded):17.1f}, {percentile(loaded, 95):5.1f} "
            f"{r.first.rtt_ms:16.1f} ({r.first_expected_ms:5.1f})"
        )


# --- rate -------------------------------------------------------------------------------------------------


def measure_rates(name: str, profile: LinkProfile, info: DataInterfaceInfo) -> list[RateRow]:
    rows = []
    for direction, rate_kbps in (("UL", profile.ul_kbps), ("DL", profile.dl_kbps)):
        reverse = ["-R"] if direction == "DL" else []
        for protocol in ("udp", "tcp"):
            udp = ["-u", "-l", str(UDP_DATAGRAM_BYTES), "-b", f"{rate_kbps * UDP_OFFER:.0f}k"]
            timing = ["-t", str(IPERF_SECONDS), "-O", str(IPERF_OMIT_S)]
            with iperf3(info, [*reverse, *(udp if protocol == "udp" else []), *timing]) as result:
                pass  # the result is there once the client has ended
            received_kbps = float(result["end"]["sum_received"]["bits_per_second"]) / 1000
            rows.append(
                RateRow(
                    profile=name,
                    direction=direction,
                    protocol=protocol,
                    configured_kbps=rate_kbps,
                    received_kbps=received_kbps,
                )
            )
    return rows


def print_rates(rows: list[RateRow]) -> None:
    print(
        f"\nrate, iperf3 receiver figures (UDP {UDP_DATAGRAM_BYTES} B datagrams offered at {UDP_OFFER}x; "
        "framed = the ratio with Ethernet, IP and UDP or TCP headers counted)"
    )
    print(
        f"{'profile':11} {'dir':3} {'proto':5} {'configured Mbit/s':>17} {'received':>9} {'ratio':>6} "
        f"{'framed':>7}"
    )
    for r in rows:
        ratio = r.received_kbps / r.configured_kbps
        print(
            f"{r.profile:11} {r.direction:3} {r.protocol.upper():5} {r.configured_kbps / 1000:17.2f} "
            f"{r.received_kbps / 1000:9.2f} {ratio:6.3f} {ratio * FRAMING[r.protocol]:7.3f}"
        )


def print_ceiling(profile: LinkProfile) -> None:
    """What the relay itself carries: tbf far above any profile, UDP downlink offered well beyond."""
    unshaped = dataclasses.replace(profile, ul_kbps=CEILING_TBF_KBPS, dl_kbps=CEILING_TBF_KBPS)
    with start_data_interface(unshaped) as interface:
        udp = ["-u", "-R", "-l", str(UDP_DATAGRAM_BYTES), "-b", f"{CEILING_OFFER_KBPS}k"]
        with iperf3(interface.info, [*udp, "-t", str(IPERF_SECONDS), "-O", str(IPERF_OMIT_S)]) as result:
            pass
        dropped = interface.read_stats().dl.socket_dropped_frames
    received_kbps = float(result["end"]["sum_received"]["bits_per_second"]) / 1000
    packets_per_s = received_kbps * 1000 / 8 / UDP_DATAGRAM_BYTES
    print(
        f"\nrelay ceiling (tbf at {CEILING_TBF_KBPS / 1e6:g} Gbit/s, UDP DL offered at "
        f"{CEILING_OFFER_KBPS / 1e6:g} Gbit/s): {received_kbps / 1000:.0f} Mbit/s, "
        f"{packets_per_s:.0f} datagrams/s received; "
        f"{dropped} frames dropped before the relay read them"
    )


@contextmanager
def client_socket(info: DataInterfaceInfo) -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((info.host_address, 0))
        sock.settimeout(PROBE_TIMEOUT_S)
        yield sock


@contextmanager
def iperf3(info: DataInterfaceInfo, client_args: list[str]) -> Iterator[dict[str, Any]]:
    """An iperf3 server in the network namespace and a client here; the client's JSON once the block ends."""
    server_command = ["iperf3", "-s", "-1", "-B", info.server_address, "-p", str(IPERF_PORT)]
    server = subprocess.Popen(
        ["ip", "netns", "exec", info.network_namespace, *server_command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = {}
    client: subprocess.Popen[str] | None = None
    try:
        time.sleep(0.3)  # iperf3 -s listens within a few ms; the margin is for a loaded machine
        client_command = ["iperf3", "-c", info.server_address, "-B", info.host_address, "-p", str(IPERF_PORT)]
        client = subprocess.Popen([*client_command, "-J", *client_args], stdout=subprocess.PIPE, text=True)
        yield result
        output, _ = client.communicate(timeout=60)
        result.update(json.loads(output))
        if "error" in result:
            raise RuntimeError(f"iperf3 {' '.join(client_args)}: {result['error']}")
    finally:
        for process in (client, server):
            if process is not None and process.poll() is None:
                process.kill()
            if process is not None:
                process.wait()
