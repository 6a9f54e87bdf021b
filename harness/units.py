"""errors layer (bottom, no harness imports): metric names and the units they carry.

DESIGN "Inputs": metric names carry their unit, `[ul_|dl_]<quantity>[_<statistic>]_<unit>`, e.g.
`rtt_p95_ms`, `loss_pct`, `ul_goodput_kbps`. A name without a known unit suffix is rejected. The unit and
statistic vocabularies follow ../shared/reference/indicators.md §5.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# unit suffix -> label shown in reports
UNITS: dict[str, str] = {
    "s": "s",
    "ms": "ms",
    "us": "µs",
    "pct": "%",
    "bps": "bit/s",
    "kbps": "kbit/s",
    "mbps": "Mbit/s",
    "ua": "µA",
    "ma": "mA",
    "uc": "µC",
    "mj": "mJ",
    "dbm": "dBm",
    "db": "dB",
    "bytes": "B",
    "count": "",
    "years": "years",
}

STATISTICS: frozenset[str] = frozenset({"mean", "min", "max", "std", "p10", "p50", "p90", "p95", "p99"})
DIRECTIONS: frozenset[str] = frozenset({"ul", "dl"})

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricName:
    """A metric name taken apart: `ul_goodput_p10_kbps` -> direction ul, quantity goodput, p10, kbps."""

    name: str
    direction: str | None
    quantity: str
    statistic: str | None
    unit: str

    @property
    def unit_label(self) -> str:
        return UNITS[self.unit]

    @property
    def percentile(self) -> float | None:
        """0.95 for a p95 metric, None for anything that is not a percentile."""
        if self.statistic is None or not self.statistic.startswith("p"):
            return None
        return int(self.statistic[1:]) / 100


def parse_metric_name(name: str) -> MetricName:
    """Take a metric name apart, or raise ValueError saying what is wrong with it."""
    if not _NAME.match(name):
        raise ValueError(f"metric name {name!r} must be lowercase words joined by '_', ending in a unit")
    parts = name.split("_")
    unit = parts.pop()
    if unit not in UNITS:
        known = ", ".join(sorted(UNITS))
        raise ValueError(f"metric name {name!r} does not end in a known unit ({known})")
    statistic = parts.pop() if len(parts) > 1 and parts[-1] in STATISTICS else None
    direction = parts.pop(0) if len(parts) > 1 and parts[0] in DIRECTIONS else None
    if not parts:
        raise ValueError(f"metric name {name!r} names no quantity before its statistic and unit")
    return MetricName(
        name=name, direction=direction, quantity="_".join(parts), statistic=statistic, unit=unit
    )


def min_samples_for(metric: MetricName) -> int:
    """Samples a percentile needs before a limit on it is checked.

    indicators.md §5 (J): a p95 limit needs 20 samples and a p99 limit 100. We generalise that rule as
    1 / min(q, 1 - q) (our judgement), which gives 20 and 100 for those two and 2 for the median.
    Metrics that are not percentiles need one value.
    """
    q = metric.percentile
    if q is None:
        return 1
    return math.ceil(round(1 / min(q, 1 - q), 9))
