"""Live capture completeness: harness.capture.capture (tcpdump -w ended by SIGINT after its drain) against
`tcpdump -w` run by hand (1.5 s drain), `tcpdump -w --immediate-mode` and scapy's AsyncSniffer (the capture
path before issue 5), on a veth pair between two namespaces (harness.netns).

iperf3 (Debian package iperf3) sends UDP from the client namespace to an iperf3 server in the server
namespace, where the captures run with the filter `udp port 5201`; completeness = data datagrams in the
capture (those of the datagram length, not iperf3's handshake) / datagrams iperf3 sent. Loads: 200 Mbit/s
of 1400-byte datagrams (the RedCap profile's peak, ~17.6k packets/s) and 64-byte datagrams at rising rates
up to what one iperf3 sends here. Each run RUN_S seconds; kernel drops as tcpdump counts them.

Last, throughput through tbf: tbf at 200 Mbit/s on the client's veth (the sender is held to the rate, no
drops; ../shared/reference/this-machine.md), iperf3 offering 240 Mbit/s, and harness.capture.flow_metrics
on the capture: frame rate (IP + 14-byte Ethernet header, what tbf counts) against the tbf rate, goodput
(UDP payload) against iperf3's receiver figure.
Needs root and iperf3; says so and skips otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.bench_table import BenchFigure, skipped
from harness import netns
from harness.capture import CaptureSpec, capture, capture_problem, flow_metrics, pcap_table

RUN_S = 2
PORT = 5201
CLIENT, SERVER = "198.18.253.1", "198.18.253.2"
BIG_BYTES = 1400
SMALL_BYTES = 64
SMALL_RATES_PPS = (50_000, 100_000, 200_000, 400_000, 0)  # 0: as fast as iperf3 sends
TBF_KBPS = 200_000.0
PLAIN_DRAIN_S = 1.5
COMPLETENESS_GOAL = "no loss where tcpdump has none"


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    client: str
    server: str


@contextmanager
def veth_link() -> Iterator[Link]:
    with netns.Topology() as topology:
        client, server = (f"{netns.NAME_PREFIX}b{kind}{uuid.uuid4().hex[:6]}" for kind in "cs")
        topology.add_namespace(client)
        topology.add_namespace(server)
        topology.add_veth(
            netns.Endpoint(name="miot-c", namespace=client), netns.Endpoint(name="miot-s", namespace=server)
        )
        for namespace, name, address in ((client, "miot-c", CLIENT), (server, "miot-s", SERVER)):
            netns.add_address(name, f"{address}/30", namespace=namespace)
            netns.set_link(name, namespace=namespace, is_up=True, is_ipv6_quiet=True)
        yield Link(client=client, server=server)


def iperf3_udp(link: Link, *, datagram_bytes: int, rate_bps: int, seconds: float = RUN_S) -> dict[str, Any]:
    """Run one iperf3 UDP test from the client namespace; the client's JSON (it carries the receiver's
    figures in end.sum_received on iperf3 >= 3.11, and the sender's in end.sum)."""
    server = subprocess.Popen(
        ["ip", "netns", "exec", link.server, "iperf3", "-s", "-1", "-B", SERVER, "-p", str(PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)  # iperf3 -s listens within a few ms; the margin is for a loaded machine
        client = ["iperf3", "-c", SERVER, "-p", str(PORT), "-u", "-l", str(datagram_bytes), "-J"]
        client += ["-b", str(rate_bps), "-t", str(seconds)]
        done = subprocess.run(
            ["ip", "netns", "exec", link.client, *client], capture_output=True, text=True, timeout=60
        )
        result: dict[str, Any] = json.loads(done.stdout)
        if "error" in result:
            raise RuntimeError(f"iperf3: {result['error']}")
        return result
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def sent_packets(result: dict[str, Any]) -> int:
    return int(result["end"]["sum"]["packets"])


def data_packets(pcap: Path, datagram_bytes: int) -> int:
    table = pcap_table(pcap)
    return int((table["payload_bytes"] == datagram_bytes).sum())


# --- three ways to capture one iperf3 run -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Load:
    label: str
    datagram_bytes: int
    rate_bps: int
    with_scapy: bool


def run_with_capture(link: Link, folder: Path, load: Load) -> tuple[float, int, int]:
    """harness.capture.capture: (completeness, kernel drops, sent)."""
    spec = CaptureSpec(point="server", interface="miot-s", bpf=f"udp port {PORT}", namespace=link.server)
    pcap = folder / "capture.pcap"
    with capture(spec, pcap) as record:
        result = iperf3_udp(link, datagram_bytes=load.datagram_bytes, rate_bps=load.rate_bps)
    sent = sent_packets(result)
    return data_packets(pcap, load.datagram_bytes) / sent, record.dropped_packets, sent


def run_with_tcpdump(link: Link, folder: Path, load: Load, options: tuple[str, ...]) -> float:
    """tcpdump -w as one runs it by hand (with `options`), drained longer than libpcap's 1 s timeout."""
    pcap = folder / "plain.pcap"
    command = ["ip", "netns", "exec", link.server, "tcpdump", "-i", "miot-s", "-w", str(pcap), "-Z", "root"]
    tcpdump = subprocess.Popen([*command, *options, f"udp port {PORT}"], stderr=subprocess.PIPE, text=True)
    listening = threading.Event()
    threading.Thread(target=_watch, args=(tcpdump, listening), daemon=True).start()
    if not listening.wait(timeout=10):
        raise RuntimeError("plain tcpdump did not start listening")
    result = iperf3_udp(link, datagram_bytes=load.datagram_bytes, rate_bps=load.rate_bps)
    time.sleep(PLAIN_DRAIN_S)
    os.kill(tcpdump.pid, signal.SIGINT)
    tcpdump.wait(timeout=10)
    return data_packets(pcap, load.datagram_bytes) / sent_packets(result)


def _watch(process: subprocess.Popen[str], listening: threading.Event) -> None:
    if process.stderr is not None:
        for line in process.stderr:
            if "listening on" in line:
                listening.set()


def run_with_scapy(link: Link, load: Load) -> float:
    """scapy AsyncSniffer counting frames of the datagram's size in its per-packet loop."""
    from scapy.sendrecv import AsyncSniffer

    # scapy cannot name a veth's link type inside a namespace and says so once per start
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    frame_bytes = load.datagram_bytes + 8 + 20 + 14
    counted = [0]

    def count(packet: Any) -> None:
        if len(packet) == frame_bytes:
            counted[0] += 1

    started = threading.Event()
    sniffer = netns.call_in(
        link.server,
        lambda: AsyncSniffer(
            iface="miot-s", filter=f"udp port {PORT}", prn=count, store=False, started_callback=started.set
        ),
    )
    # the sniffer's socket must be opened inside the namespace: start it from a thread that is there
    netns.call_in(link.server, sniffer.start)
    started.wait(timeout=10)
    result = iperf3_udp(link, datagram_bytes=load.datagram_bytes, rate_bps=load.rate_bps)
    time.sleep(0.5)
    sniffer.stop()
    return counted[0] / sent_packets(result)


# --- the tables ----------------------------------------------------------------------------------------


def completeness_table(link: Link, folder: Path) -> list[BenchFigure]:
    columns = ("sent pkt/s", "capture()", "drops", "tcpdump -w", "immediate", "scapy")
    print(f"{'load':<28} " + " ".join(f"{name:>10}" for name in columns))
    loads = [
        Load(
            label=f"{BIG_BYTES} B UDP at 200 Mbit/s",
            datagram_bytes=BIG_BYTES,
            rate_bps=200_000_000,
            with_scapy=True,
        )
    ]
    for pps in SMALL_RATES_PPS:
        label = f"{SMALL_BYTES} B UDP at " + (f"{pps // 1000}k pkt/s" if pps else "iperf3's maximum")
        loads.append(
            Load(
                label=label,
                datagram_bytes=SMALL_BYTES,
                rate_bps=pps * SMALL_BYTES * 8,
                with_scapy=pps == SMALL_RATES_PPS[0],
            )
        )
    figures = []
    for load in loads:
        ours, drops, sent = run_with_capture(link, folder, load)
        plain = run_with_tcpdump(link, folder, load, ())
        immediate = run_with_tcpdump(link, folder, load, ("--immediate-mode",))
        scapy = f"{run_with_scapy(link, load):.1%}" if load.with_scapy else "-"
        shown = (f"{sent / RUN_S:,.0f}", f"{ours:.2%}", str(drops), f"{plain:.2%}", f"{immediate:.2%}", scapy)
        print(f"{load.label:<28} " + " ".join(f"{value:>10}" for value in shown))
        figures.append(completeness_figure(load.label, ours=ours, plain=plain))
    return figures


def completeness_figure(label: str, *, ours: float, plain: float) -> BenchFigure:
    """Judged only where tcpdump itself lost nothing (the goal: no loss where tcpdump has none)."""
    is_plain_complete = plain >= 1.0
    return BenchFigure(
        figure=f"capture completeness, {label}",
        harness=f"{ours:.2%}",
        reference_tool="tcpdump -w",
        reference=f"{plain:.2%}",
        ratio=ours / plain if plain else None,
        goal=COMPLETENESS_GOAL,
        met=ours >= 1.0 if is_plain_complete else None,
        note="" if is_plain_complete else "tcpdump lost packets too: the goal does not apply",
    )


def throughput_table(link: Link, folder: Path) -> BenchFigure:
    netns.set_tbf(
        "miot-c", netns.Tbf(rate_kbps=TBF_KBPS, burst_bytes=64_000, latency_ms=200), namespace=link.client
    )
    spec = CaptureSpec(point="server", interface="miot-s", bpf=f"udp port {PORT}", namespace=link.server)
    pcap = folder / "tbf.pcap"
    with capture(spec, pcap):
        result = iperf3_udp(link, datagram_bytes=BIG_BYTES, rate_bps=240_000_000, seconds=4)
    table = pcap_table(pcap)
    metrics = flow_metrics(table[table["payload_bytes"] == BIG_BYTES])
    received = result["end"].get("sum_received", result["end"]["sum"])
    iperf_kbps = float(received["bits_per_second"]) / 1000
    frame_kbps = metrics.frame_kbps or 0.0
    goodput_kbps = metrics.goodput_kbps or 0.0
    print(
        f"\nthroughput through tbf {TBF_KBPS / 1000:g} Mbit/s, {BIG_BYTES} B UDP offered at 240 Mbit/s, 4 s"
    )
    share = frame_kbps / TBF_KBPS
    print(f"  capture frame rate (IP + 14 B Ethernet): {frame_kbps / 1000:8.2f} Mbit/s = {share:.4f} of tbf")
    print(f"  capture goodput (UDP payload):           {goodput_kbps / 1000:8.2f} Mbit/s")
    ratio = iperf_kbps / goodput_kbps
    print(
        f"  iperf3 receiver (UDP payload):           {iperf_kbps / 1000:8.2f} Mbit/s = capture x {ratio:.4f}"
    )
    print(f"  expected goodput share of tbf: {BIG_BYTES / (BIG_BYTES + 8 + 20 + 14):.4f}")
    return BenchFigure(
        figure=f"capture frame rate through tbf {TBF_KBPS / 1000:g} Mbit/s",
        harness=f"{frame_kbps / 1000:.2f} Mbit/s",
        reference_tool="tbf rate",
        reference=f"{TBF_KBPS / 1000:g} Mbit/s",
        ratio=share,
        goal="- (context: bench_throughput judges rates)",
        met=None,
        note=f"a sender short of CPU stays below the tbf rate; iperf3 goodput = capture x {ratio:.4f}",
    )


def skip_reason() -> str | None:
    return (
        capture_problem()
        or netns.missing_net_admin()
        or (None if shutil.which("iperf3") else "iperf3 not found (apt-get install iperf3)")
    )


def main() -> list[BenchFigure]:
    print(f"live capture completeness on a veth pair between namespaces (iperf3 UDP, {RUN_S} s per run)")
    reason = skip_reason()
    if reason is not None:
        print(f"  skipped: {reason}")
        return [
            skipped("capture completeness", reference_tool="tcpdump -w", goal=COMPLETENESS_GOAL, note=reason)
        ]
    with tempfile.TemporaryDirectory(prefix="miot-bench-") as folder, veth_link() as link:
        figures = completeness_table(link, Path(folder))
        figures.append(throughput_table(link, Path(folder)))
    return figures


if __name__ == "__main__":
    main()
