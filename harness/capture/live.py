"""capture layer: live capture at a named capture point into one pcap per test.

libpcap through tcpdump(1) writes the file: scapy's own sniff loop decodes every packet in Python and holds
only a few thousand packets per second, while tcpdump -w keeps 200 Mbit/s of 1400-byte UDP and ~500k small
packets per second without a kernel drop (../shared/reference/this-machine.md, "live capture"). scapy stays
for building and reading packets; the file is read with harness.capture.pcap_table.

tcpdump runs as a child process started here and ended here by its pid: SIGINT makes it flush the file and
print its counters (tcpdump(1): "packets captured", "received by filter", "dropped by kernel", and with
libpcap >= 1.10 "dropped by interface"), which go into the CaptureRecord. libpcap's TPACKET_V3 ring hands
packets over a block at a time, a block once it is full or tcpdump's 1 s buffer timeout has passed; a stop
before that loses what waits in the last block (measured: none of 40 packets written after a 0.2 s drain),
so the drain outlasts the timeout. `--immediate-mode` would need no such drain, but wakes tcpdump for every
packet and then drops: 1.3 % of 64-byte UDP at 50k packets/s and ~20 % at 100k here, where the block mode
kept 100 % up to the ~150k packets/s one iperf3 sends (benchmarks/bench_capture.py).
On a loopback interface libpcap keeps only the arriving copy of each packet (it sees both) but counts both
as received by the filter; an `inbound` filter would do the same in the kernel, but then libpcap loses the
first packet (measured with tcpdump 4.99.3 / libpcap 1.10.3), so the filter is used as given.
`-Z root` keeps tcpdump from dropping to the `tcpdump` user, which could not write into the run
directory. Inside a network namespace (harness.netns) it runs under `ip netns exec`, which execs tcpdump
in place, so the pid is tcpdump's.

STYLE 5: a context manager that waits until tcpdump really listens (its "listening on" line), stops it
after a drain, and raises in the caller when tcpdump failed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.errors import CaptureError

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0
# After the block: packets in flight, and libpcap's last partly filled block, which the kernel hands over
# once tcpdump's buffer timeout (1 s, tcpdump.c) has passed (module docstring).
_DRAIN_S = 1.25
# Socket buffer for tcpdump (-B, KiB): holds ~0.3 s of 200 Mbit/s, so a busy CPU does not cost drops.
_BUFFER_KIB = 8192
_COUNTERS = {
    "packets": re.compile(r"^(\d+) packets? captured", re.MULTILINE),
    "received_by_filter": re.compile(r"^(\d+) packets? received by filter", re.MULTILINE),
    "dropped_by_kernel": re.compile(r"^(\d+) packets? dropped by kernel", re.MULTILINE),
    "dropped_by_interface": re.compile(r"^(\d+) packets? dropped by interface", re.MULTILINE),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureSpec:
    """Where to capture: `interface` (in network namespace `namespace`, None for this one) with a BPF
    filter (pcap-filter(7)) that keeps the session's traffic, and how much of each packet to keep."""

    point: str
    interface: str
    bpf: str
    namespace: str | None = None
    # bytes kept of each packet (tcpdump -s; rig [capture] payload/snaplen_bytes); None: whole packets
    snaplen_bytes: int | None = None


@dataclass(slots=True)
class CaptureRecord:
    """What one capture produced; the counters are filled in when the capture ends (tcpdump's own)."""

    spec: CaptureSpec
    path: Path
    packets: int = 0
    received_by_filter: int = 0
    dropped_by_kernel: int = 0
    dropped_by_interface: int = 0

    @property
    def dropped_packets(self) -> int:
        return self.dropped_by_kernel + self.dropped_by_interface

    @property
    def is_lossless(self) -> bool:
        return self.dropped_packets == 0

    def describe_drops(self) -> str:
        return (
            f"capture at {self.spec.point} ({self.spec.interface}) dropped {self.dropped_packets} packet(s) "
            f"({self.dropped_by_kernel} by kernel, {self.dropped_by_interface} by interface) of "
            f"{self.packets + self.dropped_packets}; the pcap is incomplete: {self.path}"
        )


def capture_problem() -> str | None:
    """Why live capture cannot run here, or None when it can."""
    if os.geteuid() != 0 and not _has_cap_net_raw():
        return "packet capture needs root or CAP_NET_RAW"
    if shutil.which("tcpdump") is None:
        return "tcpdump not found (Debian package tcpdump)"
    return None


@contextmanager
def capture(spec: CaptureSpec, path: Path) -> Iterator[CaptureRecord]:
    """Capture packets matching spec.bpf on spec.interface into path while the block runs."""
    problem = capture_problem()
    if problem is not None:
        raise CaptureError(f"capture at {spec.point} ({spec.interface}): {problem}")
    record = CaptureRecord(spec=spec, path=path)
    process = _Tcpdump(spec, path)
    try:
        process.wait_listening()
        yield record
        time.sleep(_DRAIN_S)
    except BaseException as error:
        try:
            process.stop(record)
        except CaptureError as capture_error:
            error.add_note(f"capture at {spec.point} also failed: {capture_error}")
        raise
    process.stop(record)


class _Tcpdump:
    """One tcpdump child: started at once, its stderr read by a thread (it must never fill the pipe)."""

    def __init__(self, spec: CaptureSpec, path: Path) -> None:
        self._spec = spec
        command = ["tcpdump", "-i", spec.interface, "-w", str(path), "-Z", "root", "-n"]
        if spec.snaplen_bytes is not None:
            command += ["-s", str(spec.snaplen_bytes)]
        command += ["-B", str(_BUFFER_KIB), spec.bpf]
        if spec.namespace is not None:
            command = ["ip", "netns", "exec", spec.namespace, *command]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self._lines: list[str] = []
        self._listening = threading.Event()
        self._reader = threading.Thread(target=self._read_stderr, name=f"tcpdump-{spec.point}", daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        if self._process.stderr is None:
            return
        for line in self._process.stderr:
            self._lines.append(line.rstrip("\n"))
            if "listening on" in line:
                self._listening.set()

    def _where(self) -> str:
        namespace = f" in {self._spec.namespace}" if self._spec.namespace else ""
        return f"capture at {self._spec.point} ({self._spec.interface}{namespace})"

    def wait_listening(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._listening.wait(timeout=0.05):
            if self._process.poll() is not None:
                self._reader.join(timeout=_STOP_TIMEOUT_S)
                said = " | ".join(self._lines) or f"exit status {self._process.returncode}"
                raise CaptureError(f"{self._where()}: tcpdump failed to start: {said}")
            if time.monotonic() > deadline:
                raise CaptureError(f"{self._where()}: tcpdump did not listen within {_START_TIMEOUT_S:g} s")

    def stop(self, record: CaptureRecord) -> None:
        """End tcpdump by its pid (SIGINT: it flushes the pcap and prints its counters) and read them."""
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGINT)
        try:
            self._process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=_STOP_TIMEOUT_S)
            waited = f"{_STOP_TIMEOUT_S:g} s"
            raise CaptureError(f"{self._where()}: tcpdump did not stop within {waited}") from None
        self._reader.join(timeout=_STOP_TIMEOUT_S)
        said = "\n".join(self._lines)
        counters = {name: pattern.search(said) for name, pattern in _COUNTERS.items()}
        if counters["packets"] is None:
            raise CaptureError(f"{self._where()}: tcpdump ended without its counters: {said or 'no output'}")
        for name, found in counters.items():
            if found is not None:
                setattr(record, name, int(found.group(1)))


def _has_cap_net_raw() -> bool:
    cap_net_raw_bit = 13  # linux/capability.h
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> cap_net_raw_bit & 1)
    return False
