"""Run directories with known figures for the comparison tests, written with the harness's own writers
(RunDirectory, run.json, measurements.csv rows from evaluated KPIs, samples parquet) and with the KPIs
computed by the engines' own statistics from the samples written next to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from harness.kpi import evaluate
from harness.metrics import Limit, MetricValue
from harness.results import (
    MeasurementContext,
    MeasurementsWriter,
    RunDirectory,
    RunRecord,
    tabulate_measurements,
    write_run_record,
    write_samples,
)
from harness.traffic.direction import Direction
from harness.traffic.goodput_series import series_summary
from harness.traffic.iperf3_report import counted_intervals
from harness.traffic.latency_statistics import loss_pct, rtt_statistics

STARTED = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
RTT_LIMITS = {"rtt_p95_ms": Limit(high=4000.0), "loss_pct": Limit(high=5.0)}


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedTest:
    """One test iteration: its KPIs (value, limit) and the samples it wrote, by engine."""

    case_id: str
    module_id: str = "nb-a"
    iteration: int = 0
    metrics: Mapping[str, MetricValue] = field(default_factory=dict)
    limits: Mapping[str, Limit] = field(default_factory=dict)
    samples: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def test_id(self) -> str:
        return f"{self.case_id}@{self.module_id}+{self.iteration}"


def echo_test(
    rtts_ms: np.ndarray, *, lost: int = 0, case_id: str = "echo", iteration: int = 0
) -> RecordedTest:
    """A udp_echo test: one warm-up probe, then these round trips and `lost` probes without an answer."""
    rtt = np.concatenate([[5000.0], rtts_ms, np.full(lost, np.nan)])
    samples = pd.DataFrame(
        {
            "t_s": np.arange(len(rtt), dtype=float),
            "is_warmup": [True] + [False] * (len(rtt) - 1),
            "rtt_ms": rtt,
        }
    )
    measured = rtt[1:]
    metrics = {
        **rtt_statistics(measured),
        "loss_pct": loss_pct(sent=len(measured), received=int(np.isfinite(measured).sum())),
    }
    return RecordedTest(
        case_id=case_id,
        iteration=iteration,
        metrics=metrics,
        limits=RTT_LIMITS,
        samples={"udp_echo": samples},
    )


def write_run(root: Path, run_id: str, tests: list[RecordedTest]) -> Path:
    """results/<run_id>/ with run.json, measurements.csv and each test's samples; its path."""
    run = RunDirectory.create(root, run_id)
    record = RunRecord(harness_version="0.1.0", commit=None, invocation=("miot", "run"), started_utc=STARTED)
    write_run_record(run.run_json, record)
    writer = MeasurementsWriter(run.measurements_csv)
    for test in tests:
        context = MeasurementContext(
            run_id=run_id,
            test_id=test.test_id,
            case_id=test.case_id,
            iteration=test.iteration,
            module_id=test.module_id,
            rat="nbiot",
        )
        measurements = [evaluate(m, v, test.limits.get(m)) for m, v in test.metrics.items()]
        writer.append(tabulate_measurements(context, measurements, recorded_utc=STARTED))
        for engine, frame in test.samples.items():
            write_samples(run.test_dir(test.test_id), engine, frame)
    return run.path


def normal_rtts(seed: int, *, mean_ms: float, sd_ms: float = 5.0, n: int = 40) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean_ms, sd_ms, size=n)


def iperf3_test(bins_kbps: np.ndarray) -> RecordedTest:
    """An uplink iperf3 test: an omitted first second, these whole seconds, and a sliver of a last interval
    (both left out of the per-second statistics, as iperf3_report counts them)."""
    goodput = np.concatenate([[10.0], bins_kbps, [5.0]])
    starts = np.arange(len(goodput), dtype=float)
    ends = starts + 1.0
    ends[-1] = starts[-1] + 0.1
    samples = pd.DataFrame(
        {
            "t_s": starts,
            "end_s": ends,
            "goodput_kbps": goodput,
            "is_omitted": [True] + [False] * (len(goodput) - 1),
        }
    )
    counted = counted_intervals(samples)["goodput_kbps"].to_numpy(dtype=float)
    return RecordedTest(
        case_id="iperf3-ul",
        metrics=series_summary(Direction.UL, counted),
        limits={"ul_goodput_mean_kbps": Limit(low=100.0)},
        samples={"iperf3": samples},
    )
