"""capture layer: what the packets of one flow say about the path, from a pcap table (pcap_table).

- Counts: packets and bytes as captured (duplicates included); IP bytes are the IP total length.
- Loss: probes expected minus distinct sequence numbers seen. Expected is the sender's count when given,
  else the span of sequence numbers seen (first..last), which cannot see loss before the first or after
  the last probe. Sequence numbers do not wrap within a flow (32 bits; 4e9 probes).
- Duplicates: copies of a sequence number already seen; only the first copy counts from here on
  (RFC 4737 §3.3: a duplicate is neither reordered nor in order).
- Reordering, RFC 4737 §3.3 and §4.2: a packet is reordered when its sequence number is below NextExp (one
  above the highest seen before it); ratio = reordered / distinct packets received; the extent of a
  reordered packet is how many arrivals earlier the first packet with a higher number came.
- Jitter, RFC 3550 §6.4.1 and A.8: J += (|D| - J) / 16 over consecutive arrivals, D the difference of their
  transit times (capture time minus send time); the value after the last packet.
- One-way delay: capture time minus the send time in the probe, corrected by the clock offset between the
  sender and the capture point. Given (0 on one host) or estimated by the minimum-delay method: the
  fastest probe is taken to have crossed in `base_delay_s` (default 0), so without a known base the delays
  are those above the path's minimum. The method is part of the result.
- Throughput and goodput per interval (100 ms, 1 s): bins from the first packet; `ip` counts IP total
  length, `frame` adds `link_header_bytes` per packet (14, Ethernet II without FCS, what tbf counts), goodput
  counts transport payload only. The whole-flow rate counts every packet after the first over the time
  from the first to the last (N packets span N - 1 gaps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from harness.metrics import MetricValue

ETHERNET_HEADER_BYTES = 14
_RFC3550_GAIN = 1 / 16


class ClockOffsetMethod(StrEnum):
    GIVEN = "given"
    MINIMUM_DELAY = "minimum-delay"
    NONE = "none"  # no probe carried a send time


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowMetrics:
    """What one flow's packets say; None where the flow carries nothing to compute it from."""

    packets: int
    ip_bytes: int
    payload_bytes: int
    expected_packets: int | None
    lost_packets: int | None
    loss_pct: float | None
    duplicate_packets: int
    reordered_packets: int
    reordered_pct: float | None
    reordering_extent_max: int | None
    jitter_ms: float | None
    clock_offset_s: float | None
    clock_offset_method: ClockOffsetMethod
    owd_min_ms: float | None
    owd_p50_ms: float | None
    owd_p95_ms: float | None
    owd_max_ms: float | None
    duration_s: float
    throughput_kbps: float | None
    frame_kbps: float | None
    goodput_kbps: float | None

    def metric_values(self, *, direction: str | None = None) -> dict[str, MetricValue]:
        """KPI values named by the metric grammar (harness.metrics), e.g. `ul_loss_pct`."""
        prefix = f"{direction}_" if direction else ""
        n_delays = self.packets - self.duplicate_packets
        values = {
            "loss_pct": MetricValue(value=self.loss_pct, n_samples=self.expected_packets),
            "duplicates_count": MetricValue(value=float(self.duplicate_packets)),
            "reordered_pct": MetricValue(value=self.reordered_pct, n_samples=n_delays),
            "jitter_ms": MetricValue(value=self.jitter_ms, n_samples=n_delays),
            "owd_p50_ms": MetricValue(value=self.owd_p50_ms, n_samples=n_delays),
            "owd_p95_ms": MetricValue(value=self.owd_p95_ms, n_samples=n_delays),
            "throughput_kbps": MetricValue(value=self.throughput_kbps),
            "goodput_kbps": MetricValue(value=self.goodput_kbps),
        }
        return {f"{prefix}{name}": value for name, value in values.items()}


def flow_metrics(
    table: pd.DataFrame,
    *,
    expected_packets: int | None = None,
    clock_offset_s: float | None = None,
    base_delay_s: float = 0.0,
    link_header_bytes: int = ETHERNET_HEADER_BYTES,
) -> FlowMetrics:
    """Metrics of one flow: `table` holds its packets only (filter the pcap table first, e.g. by dport)."""
    ordered = table.sort_values("t_s", kind="stable")
    probes = ordered[ordered["seq"].notna()]
    first_copies = probes[~probes["seq"].duplicated()]
    seq = first_copies["seq"].to_numpy(dtype=np.int64)
    expected = _expected(seq, expected_packets)
    lost = None if expected is None else expected - len(seq)
    reordered, extent_max = _reordering(seq)
    offset_s, method, delays_s = _one_way_delays(first_copies, clock_offset_s, base_delay_s)
    rate = _whole_flow_rate(ordered, link_header_bytes)
    return FlowMetrics(
        packets=len(ordered),
        ip_bytes=int(ordered["length"].sum()),
        payload_bytes=int(ordered["payload_bytes"].sum()),
        expected_packets=expected,
        lost_packets=lost,
        loss_pct=None if lost is None or not expected else 100 * lost / expected,
        duplicate_packets=len(probes) - len(first_copies),
        reordered_packets=reordered,
        reordered_pct=100 * reordered / len(seq) if len(seq) else None,
        reordering_extent_max=extent_max,
        jitter_ms=_jitter_ms(first_copies),
        clock_offset_s=offset_s,
        clock_offset_method=method,
        owd_min_ms=_quantile_ms(delays_s, 0.0),
        owd_p50_ms=_quantile_ms(delays_s, 0.5),
        owd_p95_ms=_quantile_ms(delays_s, 0.95),
        owd_max_ms=_quantile_ms(delays_s, 1.0),
        duration_s=rate.duration_s,
        throughput_kbps=rate.ip_kbps,
        frame_kbps=rate.frame_kbps,
        goodput_kbps=rate.goodput_kbps,
    )


def flow_rates(
    table: pd.DataFrame, *, interval_s: float, link_header_bytes: int = ETHERNET_HEADER_BYTES
) -> pd.DataFrame:
    """Rates per interval from the first packet: t_s (interval start), packets, ip_bytes, payload_bytes,
    throughput_kbps (IP), frame_kbps (with link headers), goodput_kbps (payload). The last interval is
    left out when the flow ends inside it (a part-filled bin would read as a drop in rate). A table without
    `length` (an endpoint's own rows: it sees payload only, e.g. a server sink's) gets t_s, packets,
    payload_bytes and goodput_kbps."""
    has_ip = "length" in table.columns
    columns = ["t_s", "packets", "ip_bytes", "payload_bytes", "throughput_kbps", "frame_kbps", "goodput_kbps"]
    if not has_ip:
        columns = ["t_s", "packets", "payload_bytes", "goodput_kbps"]
    if table.empty:
        # typed like a full table's: samples must start with a numeric t_s even when nothing arrived
        counts = {"packets", "ip_bytes", "payload_bytes"}
        return pd.DataFrame({c: np.array([], dtype=np.int64 if c in counts else np.float64) for c in columns})
    t_s = table["t_s"].to_numpy(dtype=np.float64)
    start_s, end_s = float(t_s.min()), float(t_s.max())
    whole_bins = math.floor((end_s - start_s) / interval_s)
    index = np.floor((t_s - start_s) / interval_s).astype(np.int64)
    kept = index < whole_bins
    summed = ["length", "payload_bytes"] if has_ip else ["payload_bytes"]
    grouped = pd.DataFrame(
        {"bin": index[kept]}
        | {name: table[name].to_numpy(dtype=np.int64, na_value=0)[kept] for name in summed}
    ).groupby("bin")
    sums = grouped.sum().reindex(range(whole_bins), fill_value=0)
    packets = grouped.size().reindex(range(whole_bins), fill_value=0).to_numpy()
    per_s = 8 / 1000 / interval_s
    rates = {
        "t_s": start_s + interval_s * np.arange(whole_bins),
        "packets": packets,
        "payload_bytes": sums["payload_bytes"].to_numpy(),
        "goodput_kbps": sums["payload_bytes"].to_numpy() * per_s,
    }
    if has_ip:
        ip_bytes = sums["length"].to_numpy()
        rates |= {
            "ip_bytes": ip_bytes,
            "throughput_kbps": ip_bytes * per_s,
            "frame_kbps": (ip_bytes + link_header_bytes * packets) * per_s,
        }
    return pd.DataFrame(rates, columns=columns)


def _expected(seq: np.ndarray, expected_packets: int | None) -> int | None:
    if expected_packets is not None:
        return expected_packets
    return int(seq.max() - seq.min() + 1) if len(seq) else None


def _reordering(seq: np.ndarray) -> tuple[int, int | None]:
    """RFC 4737 reordered packets and their largest extent, over distinct sequence numbers in arrival
    order."""
    if len(seq) < 2:
        return 0, None
    highest_before = np.maximum.accumulate(seq)[:-1]
    is_reordered = seq[1:] < highest_before  # below NextExp = highest before + 1; duplicates are gone
    if not is_reordered.any():
        return 0, None
    arrival = np.arange(1, len(seq))[is_reordered]
    # the first earlier arrival with a higher number is where the running maximum first exceeds it
    first_higher = np.searchsorted(np.maximum.accumulate(seq), seq[1:][is_reordered], side="right")
    return int(is_reordered.sum()), int((arrival - first_higher).max())


def _jitter_ms(first_copies: pd.DataFrame) -> float | None:
    transit_s = (first_copies["t_s"] - first_copies["sent_t_s"]).to_numpy(dtype=np.float64)
    jitter_s = rfc3550_jitter(transit_s)
    return None if jitter_s is None else jitter_s * 1000


def rfc3550_jitter(transits: np.ndarray) -> float | None:
    """RFC 3550 A.8 interarrival jitter after the last of these transit times (arrival order, any unit,
    the same unit back); None with fewer than two. The one implementation: harness.traffic uses it too."""
    if len(transits) < 2:
        return None
    differences = np.abs(np.diff(transits))
    # J_i = J_{i-1} + (|D_i| - J_{i-1}) / 16 from J_0 = 0 is an exponential average without adjustment
    estimate = pd.Series(np.concatenate(([0.0], differences))).ewm(alpha=_RFC3550_GAIN, adjust=False).mean()
    return float(estimate.iloc[-1])


def _one_way_delays(
    first_copies: pd.DataFrame, clock_offset_s: float | None, base_delay_s: float
) -> tuple[float | None, ClockOffsetMethod, np.ndarray]:
    raw_s = (first_copies["t_s"] - first_copies["sent_t_s"]).to_numpy(dtype=np.float64)
    if not len(raw_s):
        return clock_offset_s, ClockOffsetMethod.NONE, raw_s
    if clock_offset_s is not None:
        return clock_offset_s, ClockOffsetMethod.GIVEN, raw_s - clock_offset_s
    # capture clock minus sender clock: whatever the fastest probe shows beyond the base delay
    offset_s = float(raw_s.min()) - base_delay_s
    return offset_s, ClockOffsetMethod.MINIMUM_DELAY, raw_s - offset_s


def _quantile_ms(values_s: np.ndarray, q: float) -> float | None:
    return float(np.quantile(values_s, q)) * 1000 if len(values_s) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rate:
    duration_s: float
    ip_kbps: float | None
    frame_kbps: float | None
    goodput_kbps: float | None


def _whole_flow_rate(ordered: pd.DataFrame, link_header_bytes: int) -> _Rate:
    if len(ordered) < 2:
        return _Rate(duration_s=0.0, ip_kbps=None, frame_kbps=None, goodput_kbps=None)
    duration_s = float(ordered["t_s"].iloc[-1] - ordered["t_s"].iloc[0])
    after_first = ordered.iloc[1:]
    ip_bytes = int(after_first["length"].sum())
    payload_bytes = int(after_first["payload_bytes"].sum())
    if duration_s <= 0:
        return _Rate(duration_s=duration_s, ip_kbps=None, frame_kbps=None, goodput_kbps=None)
    per_s = 8 / 1000 / duration_s
    return _Rate(
        duration_s=duration_s,
        ip_kbps=ip_bytes * per_s,
        frame_kbps=(ip_bytes + link_header_bytes * len(after_first)) * per_s,
        goodput_kbps=payload_bytes * per_s,
    )
