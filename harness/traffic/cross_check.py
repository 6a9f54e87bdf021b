"""traffic layer: the endpoint-vs-capture cross-check of a throughput or uplink run (issue 5 item 5).

Every such run reports two figures for the same packets: the endpoint's own (the server sink's counters,
the module's received datagrams, iperf3's receiver) and the capture's (harness.capture.flow_metrics on the
pcap taken where the traffic lands: point "server" for uplink, "host" for host-path downlink). They are
compared like for like:

- bytes: transport payload only on both sides (the UDP payload of each datagram, or the TCP payload of
  the data connection); no IP, UDP/TCP or link headers, which the endpoint cannot see;
- packets: datagrams, where the endpoint counts them (UDP; a TCP reader's reads are not segments).

The difference is |capture - endpoint| / endpoint of whichever is worse; over `tolerance_pct` (1 %,
issue 5) the result is flagged, and so is a capture that dropped packets (its figure is then a lower
bound, harness.capture.CaptureRecord). Without a capture (no privileges, or the rig turns it off) there
is no capture figure: the difference KPI is missing, which the KPI layer shows as `missing`, never as a
pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.capture import flow_metrics, pcap_table
from harness.metrics import MetricValue
from harness.traffic.direction import Direction

TOLERANCE_PCT = 1.0
COUNTED = "transport payload bytes (no IP, UDP/TCP or link headers) and datagrams, of the data flow only"


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureFigures:
    """What the capture saw of one flow, and how complete the capture was."""

    point: str
    packets: int
    payload_bytes: int
    goodput_kbps: float | None
    dropped_packets: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossCheck:
    """Endpoint and capture figures of one run, side by side; `capture` None when there was no capture."""

    direction: Direction
    endpoint: str  # who counted: "server udp sink", "module socket", "iperf3 receiver"
    endpoint_bytes: int
    endpoint_packets: int | None
    capture: CaptureFigures | None
    capture_off_reason: str | None = None
    tolerance_pct: float = TOLERANCE_PCT
    counted: str = COUNTED

    @property
    def difference_pct(self) -> float | None:
        """The larger relative difference of bytes and packets, in % of the endpoint's figure."""
        if self.capture is None:
            return None
        pairs = [(self.endpoint_bytes, self.capture.payload_bytes)]
        if self.endpoint_packets is not None:
            pairs.append((self.endpoint_packets, self.capture.packets))
        return max(_relative_pct(endpoint, seen) for endpoint, seen in pairs)

    @property
    def is_flagged(self) -> bool:
        return self.flag_reason is not None

    @property
    def flag_reason(self) -> str | None:
        """Why the result must not pass silently, or None when endpoint and capture agree."""
        if self.capture is None:
            return None
        if self.capture.dropped_packets:
            return f"the capture at {self.capture.point} dropped {self.capture.dropped_packets} packet(s)"
        difference = self.difference_pct
        if difference is not None and difference > self.tolerance_pct:
            return (
                f"{self.endpoint} counted {self.endpoint_bytes} B / {self.endpoint_packets} packets, the "
                f"capture at {self.capture.point} {self.capture.payload_bytes} B / {self.capture.packets}: "
                f"{difference:.2f} % apart (more than {self.tolerance_pct:g} %)"
            )
        return None

    def metric_values(self) -> dict[str, MetricValue]:
        """`<dir>_capture_difference_pct` (missing without a capture), the capture's goodput and drops."""
        prefix = self.direction.value
        capture = self.capture
        return {
            f"{prefix}_capture_difference_pct": MetricValue(value=self.difference_pct),
            f"{prefix}_capture_goodput_kbps": MetricValue(value=capture.goodput_kbps if capture else None),
            f"{prefix}_capture_dropped_count": MetricValue(
                value=float(capture.dropped_packets) if capture else None
            ),
        }


def capture_figures(
    pcap: Path,
    *,
    point: str,
    proto: str,
    sport: int | None = None,
    dport: int | None = None,
    dropped_packets: int = 0,
) -> CaptureFigures:
    """Figures of the data flow in `pcap`: packets of `proto` ("udp", "tcp") from `sport` and/or to
    `dport`."""
    table = pcap_table(pcap)
    kept = table["proto"] == proto
    if sport is not None:
        kept &= table["sport"] == sport
    if dport is not None:
        kept &= table["dport"] == dport
    return figures_of(table[kept.fillna(False)], point=point, dropped_packets=dropped_packets)


def figures_of(table: pd.DataFrame, *, point: str, dropped_packets: int = 0) -> CaptureFigures:
    metrics = flow_metrics(table)
    return CaptureFigures(
        point=point,
        packets=metrics.packets,
        payload_bytes=metrics.payload_bytes,
        goodput_kbps=metrics.goodput_kbps,
        dropped_packets=dropped_packets,
    )


def _relative_pct(endpoint: int, seen: int) -> float:
    if endpoint == 0:
        return 0.0 if seen == 0 else float("inf")
    return 100.0 * abs(seen - endpoint) / endpoint
