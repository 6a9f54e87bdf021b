"""traffic layer: the statistics every latency engine reports (udp_echo, first_packet, ping).

Metric names follow ../shared/reference/indicators.md §5.2 and harness.metrics: `<quantity>_<statistic>_ms`
for min, p50, p95, p99 and max of the round trips that came back, `<loss name>_pct` for the share that did
not, and a jitter in ms. Percentiles use linear interpolation between order statistics (numpy's default,
Hyndman-Fan type 7). The jitter is RFC 3550 §6.4.1 / A.8: J += (|D| - J) / 16 over consecutive arrivals,
with D the difference of their transit times; a round-trip engine gives round trips as the transit times,
which counts the variation of both legs (indicators.md §5.2 defines it at the receiver of a one-way stream).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from harness.capture.flow_metrics import rfc3550_jitter
from harness.metrics import MetricValue

_PERCENTILES = (50, 95, 99)


def rtt_statistics(rtts_ms: Sequence[float] | np.ndarray, *, quantity: str = "rtt") -> dict[str, MetricValue]:
    """min, p50, p95, p99 and max of the round trips that came back (NaN for one lost is left out), each
    with the number of round trips behind it; no value when none came back."""
    values = np.asarray(rtts_ms, dtype=float)
    values = values[~np.isnan(values)]

    def statistic(compute: Callable[[np.ndarray], float]) -> MetricValue:
        return MetricValue(value=float(compute(values)) if len(values) else None, n_samples=len(values))

    def percentile(q: int) -> Callable[[np.ndarray], float]:
        return lambda a: float(np.percentile(a, q))

    summary = {f"{quantity}_min_ms": statistic(np.min)}
    for q in _PERCENTILES:
        summary[f"{quantity}_p{q}_ms"] = statistic(percentile(q))
    summary[f"{quantity}_max_ms"] = statistic(np.max)
    return summary


def loss_pct(*, sent: int, received: int) -> MetricValue:
    """Share of what was sent that did not come back, over `sent` samples; no value when nothing was sent."""
    return MetricValue(value=100.0 * (sent - received) / sent if sent else None, n_samples=sent)


def jitter_ms(transits_ms: Sequence[float] | np.ndarray) -> MetricValue:
    """RFC 3550 A.8 jitter after the last of these transit times (in arrival order, lost ones as NaN and
    left out); no value with fewer than two."""
    values = np.asarray(transits_ms, dtype=float)
    values = values[~np.isnan(values)]
    return MetricValue(value=rfc3550_jitter(values), n_samples=len(values))
