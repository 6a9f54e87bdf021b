"""traffic layer: uplink saturation (issue 6 item 4): the module-driven UDP stream
(harness.traffic.udp_stream) run uplink above what the link carries, so the sink's goodput is the link's
uplink capacity as the application sees it (indicators.md §5.3 `ul_goodput_*`, method §3.4), tagged with
the coverage level the module reported (harness.traffic.coverage_tag): the same case on modules at CE0,
CE1 and CE2 is "uplink by coverage level". The offer must exceed the link rate for the figure to be the
link's: the summary keeps both `ul_offered_kbps` and `ul_goodput_kbps`, and `ul_offered_excess_pct` says
by how much the offer was above what arrived (0 or less: the link was not saturated and the goodput is
the offer's, not the link's).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from harness.dialects.modem import Modem
from harness.metrics import MetricValue
from harness.probe import HEADER_BYTES
from harness.server import ServerControl
from harness.traffic.coverage_tag import coverage_metrics, coverage_of, tag_samples
from harness.traffic.direction import Direction
from harness.traffic.udp_stream import UdpStreamResult, UdpStreamSpec, run_udp_stream


@dataclass(frozen=True, slots=True, kw_only=True)
class UplinkSaturationSpec:
    """Plan parameters: an uplink UdpStreamSpec (its docstring); `rate_kbps` is the offer, set above the
    link's uplink rate. `packets` bounds the run rather than `duration_s` on slow links: a duration-bound
    offer above the rate leaves a backlog that takes offer/rate times as long to drain."""

    payload_bytes: int = field(default=512, metadata={"min": HEADER_BYTES, "max": 1400})
    rate_kbps: float = field(default=100.0, metadata={"min": 0.001})
    packets: int | None = field(default=None, metadata={"min": 2})
    duration_s: float = field(default=10.0, metadata={"min": 0.01})
    drain_s: float = field(default=5.0, metadata={"min": 0.01})
    timeout_s: float = field(default=120.0, metadata={"min": 0.1})
    is_captured: bool = True

    def stream(self) -> UdpStreamSpec:
        return UdpStreamSpec(direction=Direction.UL, **dataclasses.asdict(self))


def run_uplink_saturation(
    modem: Modem,
    server: ServerControl,
    spec: UplinkSaturationSpec,
    *,
    capture_dir: Path | None = None,
) -> UdpStreamResult:
    """The stream's result, its samples and summary carrying the module's coverage level."""
    coverage = coverage_of(modem)
    result = run_udp_stream(modem, server, spec.stream(), capture_dir=capture_dir)
    summary = {
        **result.summary,
        "ul_offered_excess_pct": _excess_pct(result.summary),
        **coverage_metrics(coverage),
    }
    return dataclasses.replace(result, samples=tag_samples(result.samples, coverage), summary=summary)


def _excess_pct(summary: dict[str, MetricValue]) -> MetricValue:
    offered, goodput = summary["ul_offered_kbps"].value, summary["ul_goodput_kbps"].value
    value = None if offered is None or not goodput else 100.0 * (offered - goodput) / goodput
    return MetricValue(value=value)
