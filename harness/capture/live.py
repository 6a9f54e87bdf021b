"""capture layer: live capture at a named capture point into one pcap per test.

scapy's AsyncSniffer with a BPF filter (scapy asks tcpdump to compile it) and a PcapWriter. That holds only
a few thousand packets per second (../shared/reference/this-machine.md: lossless to ~3k packets/s), which is
plenty for NB-IoT probes; issue 5 moves high-rate capture to libpcap/tcpdump writing the file.

STYLE 5: a context manager that waits until the sniffer really runs, stops and joins it, and re-raises the
sniffer's error in the caller.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.capture.pcap_table import LINKTYPE_ETHERNET
from harness.errors import CaptureError

_START_TIMEOUT_S = 5.0
# Packets still in flight in the kernel when the traffic ends; a short drain before stopping.
_DRAIN_S = 0.2


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureSpec:
    point: str
    interface: str
    bpf: str


@dataclass(slots=True)
class CaptureRecord:
    """What one capture produced; filled in when the capture ends."""

    spec: CaptureSpec
    path: Path
    packets: int = 0


def capture_problem() -> str | None:
    """Why live capture cannot run here, or None when it can."""
    if os.geteuid() != 0 and not _has_cap_net_raw():
        return "packet capture needs root or CAP_NET_RAW"
    return None


@contextmanager
def capture(spec: CaptureSpec, path: Path) -> Iterator[CaptureRecord]:
    """Capture packets matching spec.bpf on spec.interface into path while the block runs."""
    problem = capture_problem()
    if problem is not None:
        raise CaptureError(f"capture at {spec.point} ({spec.interface}): {problem}")
    from scapy.sendrecv import AsyncSniffer  # scapy is slow to import; only capture pays for it
    from scapy.utils import PcapWriter

    record = CaptureRecord(spec=spec, path=path)
    started = threading.Event()
    # lo and veth both deliver Ethernet frames; the header is written at once, so that even a capture that
    # saw nothing is a valid pcap.
    writer = PcapWriter(str(path), sync=True, linktype=LINKTYPE_ETHERNET)
    writer.write_header(None)

    def keep(packet: Any) -> None:
        # The frame's own bytes and capture time: a loopback frame decodes to no scapy layer here, but on
        # the wire it is Ethernet, which is what the pcap says.
        writer.write_packet(bytes(packet), sec=float(packet.time))
        record.packets += 1

    sniffer = AsyncSniffer(
        iface=spec.interface,
        filter=_filter_for(spec),
        prn=keep,
        store=False,
        started_callback=started.set,
    )
    with _quiet_about_loopback():
        sniffer.start()
        try:
            _wait_started(sniffer, started, spec)
        except BaseException as error:
            _stop_after(error, sniffer, writer, spec)
            raise
    try:
        yield record
        time.sleep(_DRAIN_S)
    except BaseException as error:
        _stop_after(error, sniffer, writer, spec)
        raise
    _stop(sniffer, writer)


def _stop_after(error: BaseException, sniffer: Any, writer: Any, spec: CaptureSpec) -> None:
    """Stop after `error`: that error wins; the sniffer's own, if any, travels with it as a note."""
    try:
        _stop(sniffer, writer)
    except Exception as sniffer_error:
        error.add_note(f"capture at {spec.point} also failed: {sniffer_error}")


@contextmanager
def _quiet_about_loopback() -> Iterator[None]:
    """scapy warns that it cannot name the link type of Linux `lo` (ARPHRD_LOOPBACK) and falls back to raw
    frames, which is what we write anyway; that one warning is kept out of every test's output."""
    runtime_log = logging.getLogger("scapy.runtime")
    unknown_type = _DropMessages("Unable to guess type")
    runtime_log.addFilter(unknown_type)
    try:
        yield
    finally:
        runtime_log.removeFilter(unknown_type)


class _DropMessages(logging.Filter):
    def __init__(self, start: str) -> None:
        super().__init__()
        self._start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self._start)


def _stop(sniffer: Any, writer: Any) -> None:
    """Stop and join the sniffer, re-raising its error; the pcap is closed either way."""
    try:
        if sniffer.running:
            sniffer.stop(join=False)
        sniffer.join(timeout=_START_TIMEOUT_S)
    finally:
        writer.close()


def _filter_for(spec: CaptureSpec) -> str:
    """The BPF filter to use: a loopback interface shows every packet twice (once leaving, once arriving),
    so there only the arriving copy is kept."""
    return f"inbound and ({spec.bpf})" if _is_loopback(spec.interface) else spec.bpf


def _is_loopback(interface: str) -> bool:
    arphrd_loopback = 772  # linux/if_arp.h
    try:
        return int(Path(f"/sys/class/net/{interface}/type").read_text()) == arphrd_loopback
    except (OSError, ValueError):
        return False


def _wait_started(sniffer: Any, started: threading.Event, spec: CaptureSpec) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not started.wait(timeout=0.05):
        if sniffer.exception is not None:
            raise CaptureError(f"capture at {spec.point} ({spec.interface}) failed: {sniffer.exception}")
        if time.monotonic() > deadline:
            raise CaptureError(f"capture at {spec.point} ({spec.interface}) did not start in time")


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
