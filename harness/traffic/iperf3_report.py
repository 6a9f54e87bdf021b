"""traffic layer: an iperf3 `--json` report read into a per-second samples table and summary KPIs.

iperf3(1) `--json` (3.x): `start.connected[]` names the data streams' ports, `intervals[].sum` holds one
row per reporting interval (`start`, `end`, `seconds`, `bytes`, `bits_per_second`, for UDP also `packets`,
`lost_packets`, `jitter_ms`; `sender` says which end counted it, `omitted` that `--omit` left it out of
the totals), and `end.sum_received` the receiver's
totals (the client's report carries them since iperf3 3.11). The receiver's figures are the ones to use:
a TCP sender counts what still sits in its send buffer (../shared/reference/this-machine.md, "Pitfalls").
So the per-second series comes from whichever report has receiver intervals: the server's for uplink, the
client's for downlink (-R).
Bytes are the application's: TCP payload, or the UDP payload of each datagram (iperf3's own 12-16 byte
header inside it included); no IP, UDP/TCP or link headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import HarnessError
from harness.metrics import MetricValue
from harness.traffic.direction import Direction
from harness.traffic.goodput_series import series_summary

SAMPLE_COLUMNS = (
    "t_s",
    "end_s",
    "bytes",
    "goodput_kbps",
    "packets",
    "lost_packets",
    "jitter_ms",
    "is_omitted",
)


class Iperf3Error(HarnessError):
    """iperf3 failed, said so in its report, or wrote none; the message quotes it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverTotals:
    """What the receiving end counted over the whole test."""

    bytes: int
    seconds: float
    goodput_kbps: float
    packets: int | None  # UDP datagrams that arrived (iperf3's `packets` less `lost_packets`)
    lost_packets: int | None
    jitter_ms: float | None


def check_report(report: dict[str, Any] | None, *, who: str) -> dict[str, Any]:
    """The report, or Iperf3Error with iperf3's own words."""
    if not report:
        raise Iperf3Error(f"{who} wrote no JSON report")
    if "error" in report:
        raise Iperf3Error(f"{who}: {report['error']}")
    return report


def receiver_totals(client_report: dict[str, Any]) -> ReceiverTotals:
    """The receiver's totals from the client's report (end.sum_received)."""
    received = client_report.get("end", {}).get("sum_received")
    if not isinstance(received, dict):
        raise Iperf3Error("the iperf3 client report has no end.sum_received (iperf3 older than 3.11?)")
    is_udp = "lost_packets" in received
    lost = int(received["lost_packets"]) if is_udp else None
    return ReceiverTotals(
        bytes=int(received["bytes"]),
        seconds=float(received["seconds"]),
        goodput_kbps=float(received["bits_per_second"]) / 1000,
        packets=int(received["packets"]) - (lost or 0) if is_udp else None,
        lost_packets=lost,
        jitter_ms=float(received["jitter_ms"]) if is_udp else None,
    )


def data_ports(client_report: dict[str, Any]) -> list[int]:
    """The client's local ports of the data streams (the control connection is not among them)."""
    return [int(stream["local_port"]) for stream in client_report.get("start", {}).get("connected", [])]


def receiver_samples(*reports: dict[str, Any] | None) -> pd.DataFrame:
    """One row per interval of the first report whose intervals the receiver counted."""
    for report in reports:
        rows = [interval["sum"] for interval in (report or {}).get("intervals", [])]
        if rows and not any(row.get("sender", False) for row in rows):
            return interval_table(rows)
    return interval_table([])


def interval_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    def column(name: str) -> list[float]:
        return [float(row.get(name, np.nan)) for row in rows]

    return pd.DataFrame(
        {
            "t_s": column("start"),
            "end_s": column("end"),
            "bytes": np.array([int(row["bytes"]) for row in rows], dtype=np.int64),
            "goodput_kbps": np.array(column("bits_per_second")) / 1000,
            "packets": column("packets"),
            "lost_packets": column("lost_packets"),
            "jitter_ms": column("jitter_ms"),
            "is_omitted": [bool(row.get("omitted", False)) for row in rows],
        },
        columns=list(SAMPLE_COLUMNS),
    )


def counted_intervals(samples: pd.DataFrame) -> pd.DataFrame:
    """The intervals the per-second statistics count: not omitted, and at least half a second long
    (iperf3's last interval may be a sliver)."""
    return samples[~samples["is_omitted"].astype(bool) & ((samples["end_s"] - samples["t_s"]) >= 0.5)]


def summarize(direction: Direction, totals: ReceiverTotals, samples: pd.DataFrame) -> dict[str, MetricValue]:
    """Goodput over the test (the receiver's total), the per-second mean, peak and p10 of the counted
    intervals (harness.traffic.goodput_series), loss and jitter for UDP."""
    d = direction.value
    counted = counted_intervals(samples)
    summary = {
        f"{d}_goodput_kbps": MetricValue(value=totals.goodput_kbps),
        **series_summary(direction, counted["goodput_kbps"].to_numpy(dtype=float)),
        f"{d}_received_bytes": MetricValue(value=float(totals.bytes)),
    }
    if totals.lost_packets is not None and totals.packets is not None:
        expected = totals.packets + totals.lost_packets
        summary[f"{d}_loss_pct"] = MetricValue(
            value=100 * totals.lost_packets / expected if expected else None, n_samples=expected
        )
        summary[f"{d}_jitter_ms"] = MetricValue(value=totals.jitter_ms, n_samples=totals.packets)
    return summary
