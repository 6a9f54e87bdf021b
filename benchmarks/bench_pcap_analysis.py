"""pcap analysis speed: harness.capture.pcap_table (numpy over the record headers) against
`tshark -T fields` on the same 1M-packet pcaps, in packets per second (issue 5 goal: at least 25x tshark).

Two files, written here with the harness's probe header in every UDP payload:
- stream: 1400-byte UDP probes back to back (a RedCap downlink), every record the same length;
- mixed: 80 % 1400-byte UDP, 10 % 64-byte probes, 10 % bare TCP ACKs in irregular order, so the record
  walk (which guesses runs of equal length) falls back to one record at a time most of the way.
tshark reads the fields pcap_table gives (time, addresses, ports, protocol, IP length); it runs once per
file (tens of seconds), pcap_table ROUNDS times (median), then flow_metrics on the stream's table.
tshark: Debian package tshark (`DEBIAN_FRONTEND=noninteractive apt-get install -y tshark`); without it
the tshark column says so.
"""

from __future__ import annotations

import random
import shutil
import statistics
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from benchmarks.bench_table import BenchFigure, skipped
from harness.capture import flow_metrics, pcap_table
from harness.probe import HEADER, MAGIC, VERSION

PACKETS = 1_000_000
ROUNDS = 3
GOAL_RATIO = 25.0  # issue 5: at least 25x tshark
TSHARK_TIMEOUT_S = 600
TSHARK_FIELDS = ("frame.time_epoch", "ip.src", "ip.dst", "udp.srcport", "udp.dstport", "ip.proto", "ip.len")
_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
_RECORD = struct.Struct("<IIII")


def _udp_template(payload_bytes: int) -> tuple[bytes, int]:
    """An Ethernet/IPv4/UDP frame with a zero payload, and where the payload starts."""
    frame = bytes(
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="198.18.0.1", dst="198.18.1.1")
        / UDP(sport=40000, dport=5201)
        / Raw(bytes(payload_bytes))
    )
    return frame, len(frame) - payload_bytes


def write_pcap(path: Path, kinds: list[str]) -> None:
    """One record per entry of kinds ("stream", "probe", "ack"), 10 us apart, seq counting up."""
    stream, stream_at = _udp_template(1400)
    probe, probe_at = _udp_template(64)
    ack = bytes(Ether() / IP(src="198.18.1.1", dst="198.18.0.1") / TCP(sport=5201, dport=40001, flags="A"))
    start_ns = 1_700_000_000 * 10**9
    parts = [_PCAP_HEADER]
    for seq, kind in enumerate(kinds):
        t_ns = start_ns + seq * 10_000
        if kind == "ack":
            frame = ack
        else:
            template, at = (stream, stream_at) if kind == "stream" else (probe, probe_at)
            header = HEADER.pack(MAGIC, VERSION, 0, seq, t_ns - 2_000_000, 0, 0)
            frame = template[:at] + header + template[at + len(header) :]
        parts.append(_RECORD.pack(t_ns // 10**9, t_ns % 10**9 // 1000, len(frame), len(frame)))
        parts.append(frame)
    path.write_bytes(b"".join(parts))


def mixed_kinds(count: int) -> list[str]:
    chooser = random.Random(5)
    return chooser.choices(["stream", "probe", "ack"], weights=[8, 1, 1], k=count)


def pcap_table_rate(path: Path) -> float:
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        table = pcap_table(path)
        rates.append(len(table) / (time.perf_counter() - start))
    return statistics.median(rates)


def tshark_rate(path: Path) -> float | None:
    if shutil.which("tshark") is None:
        return None
    command = ["tshark", "-n", "-r", str(path), "-T", "fields"]
    for name in TSHARK_FIELDS:
        command += ["-e", name]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, timeout=TSHARK_TIMEOUT_S, check=True)
    elapsed_s = time.perf_counter() - start
    return done.stdout.count(b"\n") / elapsed_s


def main() -> list[BenchFigure]:
    print(f"pcap analysis: pcap_table vs tshark -T fields, {PACKETS:,} packets per file")
    print(f"{'file':<8} {'MB':>6} {'pcap_table pkt/s':>17} {'tshark pkt/s':>13} {'ratio':>7}")
    figures = []
    with tempfile.TemporaryDirectory(prefix="miot-bench-") as folder:
        for name, kinds in (("stream", ["stream"] * PACKETS), ("mixed", mixed_kinds(PACKETS))):
            path = Path(folder) / f"{name}.pcap"
            write_pcap(path, kinds)
            ours = pcap_table_rate(path)
            theirs = tshark_rate(path)
            shown = "missing" if theirs is None else f"{theirs:>13,.0f}"
            ratio = "" if theirs is None else f"{ours / theirs:>6.1f}x"
            print(f"{name:<8} {path.stat().st_size / 1e6:>6.0f} {ours:>17,.0f} {shown:>13} {ratio:>7}")
            figures.append(figure_of(name, ours, theirs))
            if name == "stream":
                table = pcap_table(path)
                start = time.perf_counter()
                flow_metrics(table)
                metrics_s = time.perf_counter() - start
        print(f"flow_metrics on the stream's table: {PACKETS / metrics_s:,.0f} packets/s")
    return figures


def figure_of(name: str, ours: float, theirs: float | None) -> BenchFigure:
    figure = f"pcap analysis, {PACKETS / 1e6:g}M packets, {name}"
    goal = f">= {GOAL_RATIO:g}x"
    if theirs is None:
        return skipped(
            figure,
            reference_tool="tshark -T fields",
            goal=goal,
            note="tshark not found (apt-get install tshark)",
        )
    return BenchFigure(
        figure=figure,
        harness=f"{ours:,.0f} pkt/s",
        reference_tool="tshark -T fields",
        reference=f"{theirs:,.0f} pkt/s",
        ratio=ours / theirs,
        goal=goal,
        met=ours / theirs >= GOAL_RATIO,
    )


if __name__ == "__main__":
    main()
