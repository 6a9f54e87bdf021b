"""traffic layer: the pure part of the uplink report engine (harness.traffic.uplink_reports): when each report
is due, which reports reached the server and when, how long the connection stayed up after each, and the
KPIs of ../shared/reference/indicators.md §5.4 (delivery) and §5.2 (`ul_report_latency_*`).

Arrival comes from the server capture when there is one that dropped nothing (the time the packet reached
the server's interface, indicators.md §5.2 "arrival in the server capture"), else from the server sink's
receive stamp; the samples say which (`arrival_source`). Latency = arrival - the host wall clock when the
report was handed to the module (the probe header's client_tx_ns, harness.probe): exact on one host, off by
the clock offset against a remote server, as harness.traffic.udp_stream's one-way delays are.
Percentiles: harness.traffic.latency_statistics (linear interpolation, Hyndman-Fan type 7).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from harness.metrics import MetricValue
from harness.traffic.latency_statistics import rtt_statistics
from harness.traffic.modem_state_watch import ModemState, StateChange

_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000


class Phase(StrEnum):
    PERIODIC = "periodic"  # one of the N reports every T s
    BURST = "burst"  # one of the K reports sent back to back after a wake-up


class ArrivalSource(StrEnum):
    CAPTURE = "capture"
    SINK = "sink"


def report_schedule(*, reports: int, interval_s: float, burst_reports: int = 0) -> list[float]:
    """Due time of each report from the start: the periodic ones every interval_s from 0, then the burst's,
    all due one interval after the last periodic one (they go back to back once the first has left)."""
    periodic = [i * interval_s for i in range(reports)]
    return periodic + [reports * interval_s] * burst_reports


def sink_arrivals(sink: pd.DataFrame) -> pd.DataFrame:
    """Per probe seq (index): `copies` and the first receipt `rx_ns` (server wall clock) from a sink table
    (harness.server.samples)."""
    ours = sink[sink["seq"] >= 0]
    return ours.groupby("seq").agg(copies=("seq", "size"), rx_ns=("wall_ns", "min"))


def capture_arrivals(table: pd.DataFrame, *, dport: int) -> pd.DataFrame:
    """Per probe seq (index): `copies` and the first capture time `rx_ns` (wall clock) of the UDP probes to
    `dport` in a pcap table (harness.capture.pcap_table)."""
    kept = ((table["proto"] == "udp") & (table["dport"] == dport) & table["seq"].notna()).fillna(False)
    ours = table[kept.astype(bool)]
    frame = pd.DataFrame(
        {
            "seq": ours["seq"].to_numpy(dtype=np.int64),
            "rx_ns": np.round(ours["t_s"].to_numpy(dtype=float) * _NS_PER_S).astype(np.int64),
        }
    )
    return frame.groupby("seq").agg(copies=("seq", "size"), rx_ns=("rx_ns", "min"))


def delivery_samples(sent: pd.DataFrame, *, sink: pd.DataFrame, capture: pd.DataFrame | None) -> pd.DataFrame:
    """`sent` (seq, client_tx_ns, ...) with what the server saw of each report: `sink_rx_ns`,
    `capture_rx_ns`, `copies`, `arrival_source`, `is_delivered`, `latency_ms` (NaN when not delivered).
    `sink` and `capture` are arrivals as sink_arrivals / capture_arrivals give them."""
    samples = sent.copy()
    # mapped as Int64: a plain int64 map with a missing seq turns float64, and a wall clock in ns as a float
    # is only good to 256 ns
    samples["sink_rx_ns"] = samples["seq"].map(sink["rx_ns"].astype("Int64"))
    source = ArrivalSource.SINK if capture is None else ArrivalSource.CAPTURE
    chosen = sink if capture is None else capture
    samples["capture_rx_ns"] = (
        pd.array([pd.NA] * len(samples), dtype="Int64")
        if capture is None
        else samples["seq"].map(capture["rx_ns"].astype("Int64"))
    )
    samples["copies"] = samples["seq"].map(chosen["copies"]).fillna(0).astype(np.int64)
    samples["arrival_source"] = str(source)
    samples["is_delivered"] = samples["copies"] > 0
    # in whole ns before the division
    delay_ns = samples["seq"].map(chosen["rx_ns"].astype("Int64")) - samples["client_tx_ns"].astype("Int64")
    samples["latency_ms"] = delay_ns.astype("Float64").to_numpy(dtype=float, na_value=np.nan) / _NS_PER_MS
    return samples


def release_delays_s(
    sent_s: Sequence[float], states: Sequence[str], changes: Sequence[StateChange]
) -> list[float]:
    """For each report (session time it left, the state it left from): the time until the connection it used
    was released (+CSCON: 0 after the report's +CSCON: 1, or after the send when it left connected), before
    the next report left; NaN when no release came in that window."""
    delays = []
    for i, (start_s, state) in enumerate(zip(sent_s, states, strict=True)):
        end_s = sent_s[i + 1] if i + 1 < len(sent_s) else math.inf
        is_up = state == ModemState.CONNECTED
        delay = math.nan
        for change in changes:
            if not start_s <= change.t_s < end_s:
                continue
            if change.state is ModemState.CONNECTED:
                is_up = True
            elif is_up:
                delay = change.t_s - start_s
                break
        delays.append(delay)
    return delays


def summarize_reports(
    samples: pd.DataFrame, *, rrc_connections: int | None, capture_ip_bytes: int | None
) -> dict[str, MetricValue]:
    """Delivery and latency KPIs of one run's report samples; `rrc_connections`: +CSCON: 1 reports during the
    run; `capture_ip_bytes`: IP bytes of the reports' flow in the server capture (None without one)."""
    n_reports = len(samples)
    n_delivered = int(samples["is_delivered"].sum())
    accepted = samples[samples["is_accepted"]]
    periodic = samples[samples["phase"] == Phase.PERIODIC]
    burst = samples[samples["phase"] == Phase.BURST]
    summary = {
        "delivery_ratio_pct": _pct(n_delivered, n_reports),
        "accepted_not_delivered_pct": _pct(int((~accepted["is_delivered"]).sum()), len(accepted)),
        **rtt_statistics(periodic["latency_ms"].to_numpy(dtype=float), quantity="ul_report_latency"),
        **{
            f"reports_from_{state}_pct": _pct(int((periodic["state"] == state).sum()), len(periodic))
            for state in ModemState
        },
        "rrc_release_time_p50_s": _statistic(periodic["release_after_s"], lambda a: float(np.median(a))),
        "rrc_release_time_max_s": _statistic(periodic["release_after_s"], lambda a: float(np.max(a))),
        "rrc_connections_per_report_mean_count": _per_report(rrc_connections, n_delivered),
        "overhead_per_report_mean_bytes": _per_report(capture_ip_bytes, n_delivered),
    }
    if len(burst):
        summary.update(rtt_statistics(burst["latency_ms"].to_numpy(dtype=float), quantity="ul_burst_latency"))
        arrived_ms = (burst["latency_ms"] + burst["client_tx_ns"] / _NS_PER_MS).max()
        duration_ms = arrived_ms - burst["client_tx_ns"].min() / _NS_PER_MS
        summary["ul_burst_duration_ms"] = MetricValue(
            value=None if math.isnan(duration_ms) else float(duration_ms), n_samples=len(burst)
        )
    return summary


def _pct(part: int, whole: int) -> MetricValue:
    return MetricValue(value=100.0 * part / whole if whole else None, n_samples=whole)


def _per_report(total: int | None, n_delivered: int) -> MetricValue:
    value = None if total is None or not n_delivered else total / n_delivered
    return MetricValue(value=value, n_samples=n_delivered)


def _statistic(values: pd.Series, compute: Callable[[np.ndarray], float]) -> MetricValue:
    present = values.dropna().to_numpy(dtype=float)
    return MetricValue(value=float(compute(present)) if len(present) else None, n_samples=len(present))
