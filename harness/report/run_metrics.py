"""report layer: one side of a comparison (the baseline runs, or the current ones) read from run
directories: every recorded value per (case, module, metric), over iterations and runs, with the raw
samples behind it where a samples file holds them (harness.report.metric_samples).

A directory that is not a run (no run.json, or one this harness cannot read; no measurements.csv) is a
UserError naming the file: `miot compare` exits 2 on it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.errors import UserError
from harness.metrics import Limit
from harness.report.metric_samples import MetricSamples, metric_samples
from harness.results import RunDirectory, read_measurements, read_run_record


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricKey:
    case_id: str
    module_id: str
    metric: str

    def __str__(self) -> str:
        return f"{self.case_id}@{self.module_id}: {self.metric}"


@dataclass(slots=True, kw_only=True)
class RecordedMetric:
    """Everything one side recorded for one key: a value per test iteration (None when it had none), the
    samples of each test that has them, the unit suffix and the plan's limit (the last one seen)."""

    unit: str
    limit: Limit | None
    values: list[float | None] = field(default_factory=list)
    samples: list[MetricSamples] = field(default_factory=list)

    @property
    def numbers(self) -> list[float]:
        return [v for v in self.values if v is not None]

    @property
    def has_samples_for_every_value(self) -> bool:
        return bool(self.samples) and len(self.samples) == len(self.numbers)


def read_side(run_dirs: Sequence[Path]) -> dict[MetricKey, RecordedMetric]:
    """The recorded metrics of these runs, pooled by (case, module, metric), in first-seen order."""
    side: dict[MetricKey, RecordedMetric] = {}
    for path in run_dirs:
        run, rows = _opened(path)
        for row in rows.to_dict("records"):
            key = MetricKey(
                case_id=str(row["case_id"]), module_id=str(row["module_id"]), metric=str(row["metric"])
            )
            value = _number(row["value"])
            recorded = side.setdefault(key, RecordedMetric(unit=str(row["unit"]), limit=None))
            recorded.limit = _limit(row) or recorded.limit
            recorded.values.append(value)
            test_dir = run.tests_path / str(row["test_id"])
            found = metric_samples(test_dir, key.metric) if value is not None and test_dir.is_dir() else None
            if found is not None:
                recorded.samples.append(found)
    return side


def _opened(path: Path) -> tuple[RunDirectory, pd.DataFrame]:
    """The run and its measurements; UserError naming what is missing or unreadable."""
    if not Path(path).is_dir():
        raise UserError(f"{path}: no such run directory")
    try:
        run = RunDirectory.open(path)
        for needed in (run.run_json, run.measurements_csv):
            if not needed.is_file():
                raise UserError(f"{needed}: missing; {path} is not a harness run directory")
        read_run_record(run.run_json)
        return run, read_measurements(run.measurements_csv)
    except (ValueError, OSError) as error:
        raise UserError(f"{path}: cannot be read: {error}") from None


def _number(cell: object) -> float | None:
    """A number column's cell (float64, NaN for empty) as a float or None."""
    value = float(cell)  # type: ignore[arg-type]  # measurements' number columns are float64
    return None if math.isnan(value) else value


def _limit(row: Mapping[Hashable, object]) -> Limit | None:
    low, high, marginal_low, marginal_high = (
        _number(row[name]) for name in ("low", "high", "marginal_low", "marginal_high")
    )
    if low is None and high is None and marginal_low is None and marginal_high is None:
        return None
    return Limit(low=low, high=high, marginal_low=marginal_low, marginal_high=marginal_high)
