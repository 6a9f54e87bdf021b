"""report layer: percentiles across runs from the pooled raw samples, where the samples exist.

A p95 across runs is the p95 of every probe of every test in the group, not a median of the tests' p95s
(a median of p95s hides a bad run behind good ones, and weighs a 10-probe test like a 1000-probe one).
POOLED_SOURCES says which metrics can be pooled and from which samples column, leaving out what each
engine's own summary leaves out (warm-up rows; lost probes and failed connects, which have no time):
`rtt_*` from the echo probes (harness.traffic.udp_echo through the module, samples-udp_echo, or through
a host socket, samples-host_echo), `ping_rtt_*` from harness.traffic.ping, `tcp_connect_time_*` from
harness.traffic.tcp_connect. Percentiles are numpy's linear interpolation, as the engines' (Hyndman-Fan
type 7, harness.traffic.latency_statistics).

A group is pooled only when every one of its tests has the samples file; otherwise the report falls back
to the median of the recorded values and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.results.samples import samples_path


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleSource:
    engines: tuple[str, ...]  # a test has the samples of one of them
    column: str
    warmup_column: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PooledSource:
    metric_pattern: re.Pattern[str]  # group "statistic": min, max or pNN
    source: SampleSource


_STATISTIC = r"(?P<statistic>min|max|p\d{1,2})"
POOLED_SOURCES: tuple[PooledSource, ...] = (
    PooledSource(
        metric_pattern=re.compile(f"^rtt_{_STATISTIC}_ms$"),
        source=SampleSource(engines=("udp_echo", "host_echo"), column="rtt_ms", warmup_column="is_warmup"),
    ),
    PooledSource(
        metric_pattern=re.compile(f"^ping_rtt_{_STATISTIC}_ms$"),
        source=SampleSource(engines=("ping",), column="rtt_ms", warmup_column="is_warmup"),
    ),
    PooledSource(
        metric_pattern=re.compile(f"^tcp_connect_time_{_STATISTIC}_ms$"),
        source=SampleSource(engines=("tcp_connect",), column="connect_ms", warmup_column=None),
    ),
)


def pooled_source(metric: str) -> tuple[SampleSource, str] | None:
    """The samples a metric can be pooled from and its statistic (`p95`, `min`), or None."""
    for pooled in POOLED_SOURCES:
        if (found := pooled.metric_pattern.match(metric)) is not None:
            return pooled.source, found["statistic"]
    return None


def read_pool(tests: Iterable[tuple[Path, str]], source: SampleSource) -> np.ndarray | None:
    """The source column's finite values over the (run_dir, test_id) tests, warm-up rows left out; None
    when a test has no samples file."""
    parts: list[np.ndarray] = []
    for run_dir, test_id in tests:
        test_dir = Path(run_dir) / "tests" / test_id
        paths = [samples_path(test_dir, engine) for engine in source.engines]
        path = next((p for p in paths if p.is_file()), None)
        if path is None:
            return None
        parts.append(_column_values(path, source))
    values = np.concatenate(parts) if parts else np.empty(0)
    return values[np.isfinite(values)]


def _column_values(path: Path, source: SampleSource) -> np.ndarray:
    columns = [source.column] + ([source.warmup_column] if source.warmup_column else [])
    table = pq.read_table(path, columns=columns)
    if source.warmup_column is not None:
        table = table.filter(pc.invert(table[source.warmup_column]))
    values: np.ndarray = np.asarray(table[source.column].to_numpy(), dtype=float)
    return values


def pooled_statistic(values: np.ndarray, statistic: str) -> float | None:
    """min, max or pNN of the pooled values; None when there are none."""
    if values.size == 0:
        return None
    if statistic == "min":
        return float(values.min())
    if statistic == "max":
        return float(values.max())
    return float(np.percentile(values, int(statistic[1:])))
