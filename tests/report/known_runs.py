"""Run directories with known figures for the cross-run report's tests, written with the harness's own
writers (run.json through write_run_record, measurements.csv through MeasurementsWriter, samples through
write_samples)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from harness.kpi import evaluate
from harness.metrics import Limit, MetricValue
from harness.results.measurements import MeasurementContext, MeasurementsWriter, tabulate_measurements
from harness.results.run_record import ModuleRecord, RunRecord, SiteRecord, write_run_record
from harness.results.samples import write_samples

STARTED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownTest:
    test_id: str
    module_id: str
    rat: str = "nbiot"
    values: dict[str, float | None]
    limits: dict[str, Limit] | None = None
    rtt_ms: Sequence[float] | None = None  # measured probes; one warm-up probe of 1e6 ms is put first


def write_run(
    run_dir: Path,
    tests: Sequence[KnownTest],
    *,
    modules: Sequence[ModuleRecord],
    site: SiteRecord | None,
    started_utc: datetime = STARTED,
) -> Path:
    run_dir.mkdir(parents=True)
    record = RunRecord(
        harness_version="0.1.0",
        commit="abc123",
        invocation=("miot", "run"),
        started_utc=started_utc,
        modules=tuple(modules),
        site=site,
    )
    write_run_record(run_dir / "run.json", record)
    writer = MeasurementsWriter(run_dir / "measurements.csv")
    by_id = {m.module_id: m for m in modules}
    for test in tests:
        limits = test.limits or {}
        context = MeasurementContext(
            run_id=run_dir.name,
            test_id=test.test_id,
            case_id=test.test_id.split("@")[0],
            iteration=0,
            module_id=test.module_id,
            rat=test.rat,
            operator=by_id[test.module_id].operator if test.module_id in by_id else None,
        )
        measurements = [
            evaluate(metric, MetricValue(value=value, n_samples=100), limits.get(metric))
            for metric, value in test.values.items()
        ]
        writer.append(tabulate_measurements(context, measurements, recorded_utc=started_utc))
        if test.rtt_ms is not None:
            rtt = [1e6, *test.rtt_ms]
            frame = pd.DataFrame(
                {
                    "t_s": [float(i) for i in range(len(rtt))],
                    "is_warmup": [True] + [False] * len(test.rtt_ms),
                    "rtt_ms": rtt,
                }
            )
            test_dir = run_dir / "tests" / test.test_id
            test_dir.mkdir(parents=True)
            write_samples(test_dir, "udp_echo", frame)
    return run_dir


def module(module_id: str, *, model: str, firmware: str, operator: str, rat: str = "nbiot") -> ModuleRecord:
    return ModuleRecord(module_id=module_id, rat=rat, model=model, firmware=firmware, operator=operator)
