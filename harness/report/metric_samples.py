"""report layer: the raw values behind a recorded metric, read back from a test's samples files, so
`miot compare` can test and bootstrap on them rather than on one number per test.

Two kinds, each a table from the metric to the engines whose samples hold it (DESIGN "What a run writes",
`tests/<test_id>/samples-<engine>.parquet`):
- distributions: a statistic (mean, min, max, std, pNN) over one value per sample row, e.g. `rtt_p95_ms`
  over the round trips of udp_echo (warm-up probes and lost ones left out, as the engine counts them), and
  `<d>_goodput_mean_kbps` over the per-second goodput series of the throughput engines;
- proportions: a share in percent of events among trials, e.g. `loss_pct` of udp_echo: 1 per lost probe,
  0 per answered one, so the count n of a two-proportion test comes from the samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.metrics import parse_metric_name
from harness.report.statistics import RowStatistic
from harness.results.samples import read_samples, samples_path
from harness.traffic.iperf3_report import counted_intervals

Extractor = Callable[[pd.DataFrame], np.ndarray]


def _echo_rtts(samples: pd.DataFrame) -> np.ndarray:
    return samples.loc[~samples["is_warmup"].astype(bool), "rtt_ms"].dropna().to_numpy(dtype=float)


def _echo_lost(samples: pd.DataFrame) -> np.ndarray:
    measured = samples.loc[~samples["is_warmup"].astype(bool), "rtt_ms"]
    return measured.isna().to_numpy(dtype=float)


def _goodput_bins(samples: pd.DataFrame) -> np.ndarray:
    return samples["goodput_kbps"].dropna().to_numpy(dtype=float)


def _iperf3_bins(samples: pd.DataFrame) -> np.ndarray:
    return _goodput_bins(counted_intervals(samples))


ECHO_ENGINES = ("udp_echo", "host_echo")
# quantity -> (engine, values) in the order they are looked for; a test writes one of them
DISTRIBUTIONS: dict[str, tuple[tuple[str, Extractor], ...]] = {
    "rtt": tuple((engine, _echo_rtts) for engine in ECHO_ENGINES),
    "goodput": (("udp_stream_per_s", _goodput_bins), ("tcp_stream", _goodput_bins), ("iperf3", _iperf3_bins)),
}
# metric name -> (engine, 0/1 events)
PROPORTIONS: dict[str, tuple[tuple[str, Extractor], ...]] = {
    "loss_pct": tuple((engine, _echo_lost) for engine in ECHO_ENGINES),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricSamples:
    values: np.ndarray
    is_proportion: bool  # values are 0/1 events and the metric is their share in percent
    engine: str


def row_statistic(metric: str) -> RowStatistic | None:
    """The statistic a metric names, over each row of a 2-D array (linear percentiles, as the engines'
    numpy default); None when the name has no statistic a sample could be summarised with."""
    name = parse_metric_name(metric)
    if name.percentile is not None:
        q = name.percentile * 100
        return lambda rows: np.percentile(rows, q, axis=-1)
    plain: dict[str | None, RowStatistic] = {
        "mean": lambda rows: rows.mean(axis=-1),
        "min": lambda rows: rows.min(axis=-1),
        "max": lambda rows: rows.max(axis=-1),
        "std": lambda rows: rows.std(axis=-1),
    }
    return plain.get(name.statistic)


def share_pct(rows: np.ndarray) -> np.ndarray:
    """The share of events in percent, per row."""
    return np.asarray(rows.mean(axis=-1) * 100)


def statistic_for(metric: str, samples: MetricSamples) -> RowStatistic | None:
    return share_pct if samples.is_proportion else row_statistic(metric)


def metric_samples(test_dir: Path, metric: str) -> MetricSamples | None:
    """The raw values behind `metric` in this test's samples, or None when none of its engines wrote any
    (or the metric is not one a sample backs)."""
    name = parse_metric_name(metric)
    if metric in PROPORTIONS:
        sources, is_proportion = PROPORTIONS[metric], True
    elif name.quantity in DISTRIBUTIONS and row_statistic(metric) is not None:
        sources, is_proportion = DISTRIBUTIONS[name.quantity], False
    else:
        return None
    for engine, extract in sources:
        path = samples_path(test_dir, engine)
        if path.exists():
            return MetricSamples(
                values=extract(read_samples(path)), is_proportion=is_proportion, engine=engine
            )
    return None
