"""The output of the round-trip tools bench_udp_rtt compares the harness with, read into round-trip times:
irtt's JSON report (`irtt client -o`, irtt 0.9 JSON format version 1) and ping's per-reply lines (iputils)."""

from __future__ import annotations

import json
import re
from typing import Any

_PING_TIME = re.compile(r"icmp_seq=\d+ .*time=([0-9.]+) ms")


def irtt_rtts_us(report: str) -> tuple[list[float | None], int]:
    """irtt client's JSON report (-o): each round trip's RTT in us in send order (None: lost either way), and
    how many were sent. irtt gives delays in ns; `lost` is "false", "true", "true_down" or "true_up"."""
    data: dict[str, Any] = json.loads(report)
    rtts: list[float | None] = []
    for round_trip in data.get("round_trips") or []:
        rtt_ns = round_trip.get("delay", {}).get("rtt")
        is_lost = round_trip.get("lost", "false") != "false"
        rtts.append(None if is_lost or rtt_ns is None else rtt_ns / 1000)
    return rtts, int(data["stats"]["packets_sent"])


def ping_rtts_us(output: str) -> list[float]:
    """Each reply's time (ms, iputils `time=0.045 ms`; busybox prints the same) of ping's output, in us."""
    return [float(match.group(1)) * 1000 for match in _PING_TIME.finditer(output)]
