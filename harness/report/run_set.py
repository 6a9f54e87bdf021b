"""report layer: the runs a cross-run report reads, as one measurements table with its dimensions.

Each run directory gives its run.json (harness.results.read_run_record: modules with model, firmware,
operator; site) and its measurements.csv (harness.results.read_measurements). The rows of all runs are
joined with what the report groups by (DESIGN "What a run writes"; issue 7 item 2):

  module    the module's model from run.json (its rig id when run.json does not say)
  firmware  from run.json
  operator  the row's own, else run.json's
  rat       the row's
  site      run.json's site name
  coverage  the class of the test point's radio medians (harness.coverage.case_coverage_class on the
            test's `rsrp_p50_dbm` / `sinr_p50_db`); `unknown` when the test sampled no radio

A directory that is not a readable run is a UserError naming it and what is wrong, one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.coverage import MEDIANS, case_coverage_class
from harness.errors import UserError
from harness.rat import Rat
from harness.results.measurements import COLUMNS, read_measurements
from harness.results.run_record import RunRecord, read_run_record

GROUP_COLUMNS: tuple[str, ...] = ("module", "firmware", "operator", "rat", "site", "coverage")
UNKNOWN = "unknown"
RATS = frozenset(str(rat) for rat in Rat)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedRun:
    path: Path
    run_id: str
    record: RunRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSet:
    runs: tuple[LoadedRun, ...]
    measurements: pd.DataFrame  # measurements.csv columns, plus GROUP_COLUMNS and `run_dir`


def load_runs(run_dirs: Sequence[Path]) -> RunSet:
    """Every run's record and rows; UserError for a directory that is not a run."""
    if not run_dirs:
        raise UserError("miot report: give at least one run directory")
    runs: list[LoadedRun] = []
    frames: list[pd.DataFrame] = []
    for run_dir in run_dirs:
        run, frame = _load_run(Path(run_dir))
        runs.append(run)
        if frame is not None:
            frames.append(frame)
    if not frames:
        empty = pd.DataFrame(columns=[*COLUMNS, *GROUP_COLUMNS, "run_dir"])
        return RunSet(runs=tuple(runs), measurements=empty)
    return RunSet(runs=tuple(runs), measurements=pd.concat(frames, ignore_index=True))


def _load_run(run_dir: Path) -> tuple[LoadedRun, pd.DataFrame | None]:
    """The run and its rows; no rows for a run killed before its first test wrote any."""
    run_json, measurements_csv = run_dir / "run.json", run_dir / "measurements.csv"
    if not run_dir.is_dir():
        raise UserError(f"miot report: {run_dir} does not exist or is not a directory")
    if not run_json.is_file():
        raise UserError(f"miot report: {run_dir} is not a run directory (no run.json)")
    try:
        record = read_run_record(run_json)
        rows = read_measurements(measurements_csv) if measurements_csv.is_file() else None
    except (ValueError, OSError) as error:
        text = _one_line(error)
        where = "" if str(run_dir) in text else f"{run_dir}: "
        raise UserError(f"miot report: {where}{text}") from None
    run = LoadedRun(path=run_dir, run_id=run_dir.resolve().name, record=record)
    return run, None if rows is None else with_dimensions(rows, record, run_dir)


def with_dimensions(rows: pd.DataFrame, record: RunRecord, run_dir: Path) -> pd.DataFrame:
    """The rows of one run with GROUP_COLUMNS added (module docstring) and the run directory they are from."""
    modules = {m.module_id: m for m in record.modules}
    frame = rows.copy()
    module_ids = frame["module_id"].astype(object)
    frame["module"] = [_known(getattr(modules.get(i), "model", None)) or i for i in module_ids]
    frame["firmware"] = [_known(getattr(modules.get(i), "firmware", None)) or UNKNOWN for i in module_ids]
    from_record = [_known(getattr(modules.get(i), "operator", None)) or UNKNOWN for i in module_ids]
    frame["operator"] = frame["operator"].astype(object).where(frame["operator"].notna(), from_record)
    frame["site"] = record.site.name if record.site is not None else UNKNOWN
    classes = _test_coverage(frame)
    frame["coverage"] = [classes.get(str(test_id), UNKNOWN) for test_id in frame["test_id"]]
    frame["run_dir"] = str(run_dir)
    return frame


def _test_coverage(frame: pd.DataFrame) -> dict[str, str]:
    """test_id -> coverage class of its radio medians, for the tests that recorded them on a RAT with a
    coverage table."""
    radio = frame[frame["metric"].isin(list(MEDIANS.values())) & frame["rat"].isin(list(RATS))]
    medians = radio.pivot_table(index=["test_id", "rat"], columns="metric", values="value", aggfunc="first")
    classes: dict[str, str] = {}
    for (test_id, rat), values in zip(medians.index, medians.to_dict("records"), strict=True):
        known = {str(m): float(v) for m, v in values.items() if not pd.isna(v)}
        name = case_coverage_class(Rat(str(rat)), known)
        if name is not None:
            classes[str(test_id)] = name
    return classes


def _known(text: str | None) -> str | None:
    return text if text else None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
