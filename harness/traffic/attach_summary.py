"""traffic layer: the KPIs of the attach engine's samples (harness.traffic.attach), named as
../shared/reference/indicators.md §5.1 proposes them.

From AT+CFUN=1: `attach_time_{min,p50,p95,max,mean}_s` over the attempts that registered,
`attach_success_pct` over all attempts (attempts that registered within their timeout ÷ attempts, the
ETSI TS 102 250-2 "attach failure ratio" turned round, indicators.md §5.1 [R33]), `attach_reject_count`
(attempts that ended rejected), `reject_count` (every reject the module reported, retried ones too) and
`reject_backoff_violation_count` (retries sooner than the cause allows, indicators.md §5.1; 0 expected).
From a reboot the same quantities carry a `reboot_` prefix, plus `reboot_ready_time_*` (reset -> ready), so
a run's measurements.csv never mixes the two starts under one name. `pdn_activation_time_*` over the
attempts that got an address. Percentiles interpolate linearly between order statistics (numpy's default,
Hyndman-Fan type 7), as harness.traffic.udp_echo's; too few samples for a percentile leave its limit
`unchecked` (harness.kpi).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from harness.metrics import MetricValue

REGISTERED = "registered"
REJECTED = "rejected"
REBOOT_PREFIX = "reboot_"

Statistic = Callable[[np.ndarray], float]
STATISTICS: dict[str, Statistic] = {
    "min": lambda a: float(np.min(a)),
    "p50": lambda a: float(np.percentile(a, 50)),
    "p95": lambda a: float(np.percentile(a, 95)),
    "max": lambda a: float(np.max(a)),
    "mean": lambda a: float(np.mean(a)),
}


def summarize_attach(samples: pd.DataFrame, *, start: str, has_pdn: bool) -> dict[str, MetricValue]:
    """The attach KPIs of one run of the engine; `start` is the AttachStart value ("cfun", "reboot"),
    `has_pdn` whether the run measured PDN activation."""
    prefix = REBOOT_PREFIX if start == "reboot" else ""
    n_attempts = len(samples)
    registered = samples["outcome"] == REGISTERED
    summary = {
        **statistics_of(f"{prefix}attach_time", samples.loc[registered, "attach_time_s"]),
        f"{prefix}attach_success_pct": MetricValue(
            value=100.0 * int(registered.sum()) / n_attempts if n_attempts else None, n_samples=n_attempts
        ),
        f"{prefix}attach_reject_count": MetricValue(
            value=float((samples["outcome"] == REJECTED).sum()), n_samples=n_attempts
        ),
        **{
            f"{prefix}{column}": MetricValue(value=float(samples[column].sum()), n_samples=n_attempts)
            for column in ("reject_count", "reject_backoff_violation_count")
        },
    }
    if has_pdn:
        summary.update(statistics_of("pdn_activation_time", samples["pdn_activation_time_s"]))
    if prefix:
        summary.update(statistics_of(f"{prefix}ready_time", samples["ready_time_s"]))
    return summary


def statistics_of(quantity: str, seconds: pd.Series) -> dict[str, MetricValue]:
    """`<quantity>_<statistic>_s` for each statistic, over the values that are there (None without any)."""
    values = seconds.dropna().to_numpy(dtype=float)
    return {
        f"{quantity}_{name}_s": MetricValue(
            value=compute(values) if len(values) else None, n_samples=len(values)
        )
        for name, compute in STATISTICS.items()
    }
