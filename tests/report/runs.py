"""Run directories with known contents for the report tests: measurements.csv rows, samples, power.parquet
and run.json, written with the harness's own writers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from harness.kpi import Outcome
from harness.power import Marker, with_markers
from harness.results import RunRecord, SiteRecord, write_parquet_atomic, write_run_record
from harness.results.measurements import COLUMNS, MeasurementsWriter
from harness.results.samples import write_samples

UNITS = {"ms": "ms", "kbps": "kbps", "dbm": "dBm", "db": "dB", "ua": "uA"}


def write_kpis(
    run_dir: Path, test_id: str, module_id: str, values: Mapping[str, float | None], *, rat: str = "nbiot"
) -> Path:
    """One measurements.csv row per metric of the test; returns the test's directory (created)."""
    rows = [
        dict.fromkeys(COLUMNS)
        | {
            "run_id": run_dir.name,
            "test_id": test_id,
            "case_id": test_id.split("@")[0],
            "iteration": 0,
            "module_id": module_id,
            "rat": rat,
            "metric": metric,
            "value": value,
            "unit": UNITS[metric.rsplit("_", 1)[1]],
            "outcome": str(Outcome.PASS if value is not None else Outcome.MISSING),
            "recorded_utc": "2026-11-26T00:00:00Z",
        }
        for metric, value in values.items()
    ]
    run_dir.mkdir(parents=True, exist_ok=True)
    MeasurementsWriter(run_dir / "measurements.csv").append(rows)
    test_dir = run_dir / "tests" / test_id
    test_dir.mkdir(parents=True, exist_ok=True)
    return test_dir


def write_echo(test_dir: Path, rtt_ms: list[float]) -> None:
    frame = pd.DataFrame(
        {"t_s": range(len(rtt_ms)), "rtt_ms": rtt_ms, "is_warmup": [True] + [False] * (len(rtt_ms) - 1)}
    )
    write_samples(test_dir, "udp_echo", frame)


def write_series(test_dir: Path, engine: str, kbps: list[float], *, start_s: float = 0.0) -> None:
    t_s = start_s + np.arange(len(kbps), dtype=float)
    write_samples(test_dir, engine, pd.DataFrame({"t_s": t_s, "goodput_kbps": kbps}))


def write_power(test_dir: Path, *, seconds: float = 10.0, with_segments: bool = True) -> None:
    t_s = np.arange(0.0, seconds, 0.01)
    trace = pd.DataFrame({"t_s": t_s, "current_ua": np.where(t_s < seconds / 2, 50_000.0, 3.0)})
    write_parquet_atomic(
        test_dir / "power.parquet", with_markers(trace, [Marker(t_s=0.5, label="report sent")])
    )
    if with_segments:
        half = seconds / 2
        segments = pd.DataFrame(
            {"t_s": [0.0, half], "state": ["connected", "psm"], "stop_s": [half, seconds]}
        )
        write_samples(test_dir, "power_save", segments)


def write_site(run_dir: Path, name: str, lat_deg: float | None, lon_deg: float | None) -> None:
    record = RunRecord(
        harness_version="0.1.0",
        commit=None,
        invocation=("miot", "run"),
        started_utc=datetime(2026, 11, 26, tzinfo=UTC),
        site=SiteRecord(name=name, lat_deg=lat_deg, lon_deg=lon_deg),
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    write_run_record(run_dir / "run.json", record)
