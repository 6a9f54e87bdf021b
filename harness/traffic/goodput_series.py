"""traffic layer: goodput arithmetic shared by the throughput engines (indicators.md §5.3, method §3.4).

- The whole-flow goodput: payload of every packet after the first over the time from the first to the last
  (N packets span N - 1 gaps), as harness.capture.flow_metrics counts a flow, so an endpoint's figure and
  the capture's compare like for like.
- The per-second series: whole 1 s bins from the first packet the receiver counted
  (harness.capture.flow_rates, the capture's own binning; the part-filled last bin left out). iperf3 bins
  its receiver's intervals itself (harness.traffic.iperf3_report).
  When the rows carry the session clock (harness.traffic.session_clock), the series carries it too: each
  bin's end on it, so the radio reading joined to a bin is the latest taken while it filled.
- Its statistics: mean, peak (max) and p10 of the bins, `<d>_goodput_mean_kbps`, `<d>_goodput_max_kbps`,
  `<d>_goodput_p10_kbps`, with the number of bins behind them. The ramp-up exclusion of §3.4 is not applied
  here: a run that needs it leaves the first seconds out where it measures (iperf3 `--omit`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.capture import flow_rates
from harness.metrics import MetricValue
from harness.traffic.direction import Direction
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN, with_session_clock

SERIES_INTERVAL_S = 1.0


def goodput_kbps(t_s: pd.Series, payload_bytes: pd.Series) -> float | None:
    """Payload of every packet after the first over the time from the first to the last, kbit/s; None for
    fewer than two packets or no time between them."""
    if len(t_s) < 2:
        return None
    order = np.argsort(t_s.to_numpy(dtype=float), kind="stable")
    times = t_s.to_numpy(dtype=float)[order]
    span_s = float(times[-1] - times[0])
    if span_s <= 0:
        return None
    return float(payload_bytes.to_numpy(dtype=float)[order][1:].sum()) * 8 / 1000 / span_s


def goodput_series(received: pd.DataFrame, interval_s: float = SERIES_INTERVAL_S) -> pd.DataFrame:
    """Per-second (or per `interval_s`) goodput of what a receiver counted (rows with `t_s` and
    `payload_bytes`): t_s (bin start, on the rows' clock), then the bin's end on the session clock where the
    rows have it, packets, payload_bytes, goodput_kbps."""
    series = flow_rates(received[["t_s", "payload_bytes"]], interval_s=interval_s)
    if SESSION_CLOCK_COLUMN not in received:
        return series
    # the rows' t_s and session times are two clocks of the same instants: one offset moves bins across
    offset_s = float((received[SESSION_CLOCK_COLUMN] - received["t_s"]).median())
    return with_session_clock(series, series["t_s"].to_numpy(dtype=float) + interval_s + offset_s)


def series_summary(direction: Direction, bins_kbps: np.ndarray) -> dict[str, MetricValue]:
    """Mean, peak and p10 of per-second goodput bins; None values when there is no whole bin."""
    d = direction.value
    n = len(bins_kbps)

    def value(statistic: float | np.floating) -> MetricValue:
        return MetricValue(value=float(statistic) if n else None, n_samples=n)

    return {
        f"{d}_goodput_mean_kbps": value(bins_kbps.mean() if n else 0.0),
        f"{d}_goodput_max_kbps": value(bins_kbps.max() if n else 0.0),
        f"{d}_goodput_p10_kbps": value(np.percentile(bins_kbps, 10) if n else 0.0),
    }
