"""errors layer (bottom, no harness imports): the metric vocabulary shared by plans, procedures and KPIs.

Metric names and the units they carry, the limits a plan sets on them, and the value a procedure reports.

DESIGN "Inputs": metric names carry their unit, `[ul_|dl_]<quantity>[_<statistic>]_<unit>`, e.g.
`rtt_p95_ms`, `loss_pct`, `ul_goodput_kbps`. A name without a known unit suffix is rejected. The unit and
statistic vocabularies follow ../shared/reference/indicators.md §5.
"""

from __future__ import annotations

import itertools
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Limit:
    """Limits a plan sets on one metric (DESIGN "Inputs": `limits.<metric> = {low, high, marginal_low,
    marginal_high}`). Outside [low, high] fails; inside but below marginal_low or above marginal_high is
    marginal. `source` says where the numbers come from (a spec clause, or "judgement")."""

    low: float | None = None
    high: float | None = None
    marginal_low: float | None = None
    marginal_high: float | None = None
    source: str | None = None

    def problems(self) -> list[str]:
        """What is inconsistent about these limits (empty when they make sense)."""
        found: list[str] = []
        if all(v is None for v in (self.low, self.high, self.marginal_low, self.marginal_high)):
            found.append("sets none of low, high, marginal_low, marginal_high")
        ordered = [
            (name, value)
            for name, value in (
                ("low", self.low),
                ("marginal_low", self.marginal_low),
                ("marginal_high", self.marginal_high),
                ("high", self.high),
            )
            if value is not None
        ]
        for (name_a, a), (name_b, b) in itertools.pairwise(ordered):
            if a > b:
                found.append(f"{name_a} ({a:g}) is above {name_b} ({b:g})")
        return found

    def describe(self) -> str:
        """`low ≤ x ≤ high` style text for reports."""
        if self.low is not None and self.high is not None:
            return f"{self.low:g} ≤ x ≤ {self.high:g}"
        if self.high is not None:
            return f"x ≤ {self.high:g}"
        if self.low is not None:
            return f"x ≥ {self.low:g}"
        return "marginal band only"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricValue:
    """A value a procedure reports for a metric: None when it could not be computed (e.g. every probe lost),
    with the number of samples behind it where it is a statistic."""

    value: float | None
    n_samples: int | None = None
