"""report layer: which way a metric gets worse, for `miot compare`.

One table by quantity word (the words of harness.metrics.MetricName.quantity; indicators.md §5 names the
quantities): times, latencies, losses, currents, charges and energies are better lower; goodput, success,
delivery, reachability and battery life higher. A quantity the table does not know takes its direction from
the plan's limits where they point one way only (only an upper bound: lower is better); with neither, the
comparison reports the change but never calls it a regression.
"""

from __future__ import annotations

from enum import StrEnum

from harness.metrics import Limit, parse_metric_name


class Better(StrEnum):
    LOWER = "lower"
    HIGHER = "higher"


# word sequences of a quantity -> the better direction; "battery life" is two words of one quantity
BETTER_BY_QUANTITY: dict[tuple[str, ...], Better] = {
    **{
        (word,): Better.LOWER
        for word in (
            "rtt",
            "latency",
            "time",
            "delay",
            "jitter",
            "owd",
            "loss",
            "current",
            "charge",
            "energy",
            "duplicates",
            "failures",
        )
    },
    **{(word,): Better.HIGHER for word in ("goodput", "throughput", "success", "delivery", "reachability")},
    ("battery", "life"): Better.HIGHER,
}


def better_direction(metric: str, limit: Limit | None = None) -> Better | None:
    """The better direction of `metric`: from the quantity table, else from a one-sided limit, else None.
    Conflicting words in one quantity (none in the table today) give None rather than a guess."""
    words = tuple(parse_metric_name(metric).quantity.split("_"))
    found = {
        better
        for key, better in BETTER_BY_QUANTITY.items()
        if any(words[i : i + len(key)] == key for i in range(len(words) - len(key) + 1))
    }
    if len(found) == 1:
        return found.pop()
    if found or limit is None:
        return None
    return _limit_direction(limit)


def _limit_direction(limit: Limit) -> Better | None:
    has_upper = limit.high is not None or limit.marginal_high is not None
    has_lower = limit.low is not None or limit.marginal_low is not None
    if has_upper and not has_lower:
        return Better.LOWER
    if has_lower and not has_upper:
        return Better.HIGHER
    return None
