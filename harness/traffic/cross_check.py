"""traffic layer: the endpoint-vs-capture cross-check of a throughput or uplink run (issue 5 item 5).

Every such run reports two figures for the same packets: the endpoint's own (the server sink's counters,
the module's received datagrams, iperf3's receiver) and the capture's (harness.capture.flow_metrics on the
pcap taken where the traffic lands: point "server" for uplink, "host" for host-path downlink). They are
compared like for like, on what both count:

- bytes: transport payload only on both sides (the UDP payload of each datagram, or the TCP payload of
  the data connection); no IP, UDP/TCP or link headers, which the endpoint cannot see;
- packets: datagrams, where the endpoint counts them (UDP; a TCP reader's reads are not segments);
- goodput: payload bits per second. flow_metrics counts every packet after the first over the time from
  the first to the last; the module engines count their own samples the same way.

Which of them a run compares is its `compared`: an engine that counts every packet until the flow has
drained compares all three. iperf3's receiver counts bytes for a fixed time from its own test start until
it learns the test ended, so its byte count leaves out what was still queued on the path (up to a tbf
queue's worth, several % of a short test) while the capture sees it; its rate is compared, not its bytes.
The remaining difference is the offset of iperf3's counting window against the first and last packet
(about one-way delay / duration, 0.1-0.8 % of a 3 s test on the virtual data interface).

The difference is |capture - endpoint| / endpoint of whichever compared figure is worse; over
`tolerance_pct` (1 %, issue 5) the result is flagged, and so is a capture that dropped packets (its figure
is then a lower bound, harness.capture.CaptureRecord). Without a capture (no privileges, or the rig turns
it off) there is no capture figure: the difference KPI is missing, which the KPI layer shows as
`missing`, never as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.capture import flow_metrics, pcap_table
from harness.metrics import MetricValue
from harness.traffic.direction import Direction

TOLERANCE_PCT = 1.0
ALL_FIGURES = ("payload_bytes", "packets", "goodput_kbps")


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointFigures:
    """What the endpoint counted of one flow (None: it does not count that)."""

    payload_bytes: int | None
    packets: int | None
    goodput_kbps: float | None


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
    endpoint: str  # who counted: "server udp sink", "server udp source (sent)", "iperf3 receiver"
    endpoint_figures: EndpointFigures
    capture: CaptureFigures | None
    capture_off_reason: str | None = None
    compared: tuple[str, ...] = ALL_FIGURES
    tolerance_pct: float = TOLERANCE_PCT

    def differences_pct(self) -> dict[str, float]:
        """Relative difference of each compared figure both sides have, in % of the endpoint's."""
        if self.capture is None:
            return {}
        found = {}
        for name in self.compared:
            endpoint, seen = getattr(self.endpoint_figures, name), getattr(self.capture, name)
            if endpoint is not None and seen is not None:
                found[name] = _relative_pct(endpoint, seen)
        return found

    @property
    def difference_pct(self) -> float | None:
        """The largest of differences_pct(); None without a capture or without a figure to compare."""
        return max(self.differences_pct().values(), default=None)

    @property
    def is_flagged(self) -> bool:
        return self.flag_reason is not None

    @property
    def flag_reason(self) -> str | None:
        """Why the result must not pass silently, or None when endpoint and capture agree."""
        capture = self.capture
        if capture is None:
            return None
        if capture.dropped_packets:
            return f"the capture at {capture.point} dropped {capture.dropped_packets} packet(s)"
        apart = {name: pct for name, pct in self.differences_pct().items() if pct > self.tolerance_pct}
        if not apart:
            return None
        said = "; ".join(
            f"{name} {getattr(self.endpoint_figures, name):g} vs {getattr(capture, name):g} ({pct:.2f} %)"
            for name, pct in apart.items()
        )
        return (
            f"{self.endpoint} and the capture at {capture.point} are more than {self.tolerance_pct:g} % "
            f"apart: {said}"
        )

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
    payload_bytes: int | None = None,
    dropped_packets: int = 0,
) -> CaptureFigures:
    """Figures of the data flow in `pcap`: packets of `proto` ("udp", "tcp") from `sport` and/or to
    `dport`, and of `payload_bytes` each when given (a sender whose data packets all have one size, among
    control packets of other sizes)."""
    table = pcap_table(pcap)
    kept = table["proto"] == proto
    if sport is not None:
        kept &= table["sport"] == sport
    if dport is not None:
        kept &= table["dport"] == dport
    if payload_bytes is not None:
        kept &= table["payload_bytes"] == payload_bytes
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


def _relative_pct(endpoint: float, seen: float) -> float:
    if endpoint == 0:
        return 0.0 if seen == 0 else float("inf")
    return 100.0 * abs(seen - endpoint) / endpoint
