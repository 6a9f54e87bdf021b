"""results layer: the radio readings of a test, `tests/<test_id>/radio.parquet` (DESIGN "What a run writes"),
and their join onto an engine's samples.

radio.parquet holds harness.traffic.radio_sampler's readings: `t_s` on the module's AT session clock, then
read_ms, rsrp_dbm, rsrq_db, sinr_db, ce_level, cell_id, pci, earfcn, band, read_error (a failed or skipped
read: its text, and no values).

The join gives each sample the latest successful reading at or before it (pandas merge_asof, backward),
as long as that reading is at most `tolerance_s` older: a reading from before a long gap (sampling paused
while the module slept, reads failing) says nothing about the sample. The samples must name a column on
the same session clock: every engine's `t_s` counts from its own start, and every engine writes
a column beside it, each row's instant on the session clock (harness.traffic.session_clock names it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.results.files import write_parquet_atomic
from harness.results.samples import check_samples
from harness.results.schema import read_run_parquet

RADIO_FILE = "radio.parquet"
READING_TIME_COLUMN = "radio_t_s"
JOINED_COLUMNS = ("rsrp_dbm", "rsrq_db", "sinr_db", "ce_level", "cell_id", "pci", "earfcn", "band")


def radio_path(test_dir: Path) -> Path:
    return Path(test_dir) / RADIO_FILE


def write_radio(test_dir: Path, readings: pd.DataFrame) -> Path:
    check_samples(readings, RADIO_FILE)
    path = radio_path(test_dir)
    write_parquet_atomic(path, readings)
    return path


def read_radio(test_dir: Path) -> pd.DataFrame:
    path = radio_path(test_dir)
    frame = read_run_parquet(path)
    check_samples(frame, str(path))
    return frame


def successful_readings(readings: pd.DataFrame) -> pd.DataFrame:
    return readings[readings["read_error"].isna()] if "read_error" in readings else readings


def join_radio(samples: pd.DataFrame, readings: pd.DataFrame, *, on: str, tolerance_s: float) -> pd.DataFrame:
    """`samples` with `radio_t_s` and the radio columns it lacks, from the latest successful reading at most
    tolerance_s before each sample's `on` time; rows stay in their order, and a sample without such a
    reading gets missing values."""
    if on not in samples:
        raise ValueError(f"the samples have no {on!r} column to join radio readings on")
    added = [c for c in JOINED_COLUMNS if c not in samples and c in readings]
    right = successful_readings(readings)[["t_s", *added]].rename(columns={"t_s": READING_TIME_COLUMN})
    right = right.assign(_key=_nanoseconds(right[READING_TIME_COLUMN])).sort_values("_key", kind="stable")
    left = pd.DataFrame(
        {"_row": np.arange(len(samples)), "_s": pd.to_numeric(samples[on], errors="coerce").to_numpy()}
    )
    timed = left[left["_s"].notna()]
    timed = timed.assign(_key=_nanoseconds(timed["_s"])).sort_values("_key", kind="stable")
    joined = pd.merge_asof(
        timed.drop(columns="_s"),
        right,
        on="_key",
        direction="backward",
        tolerance=round(tolerance_s * 1e9),
    )
    joined = left[["_row"]].merge(joined.drop(columns="_key"), on="_row", how="left").sort_values("_row")
    extra = joined.drop(columns="_row").reset_index(drop=True)
    extra = extra.astype({c: readings[c].dtype for c in added})
    return pd.concat([samples.reset_index(drop=True), extra], axis=1)


def _nanoseconds(seconds: pd.Series) -> pd.Series:
    """Integer keys for merge_asof: exact comparisons, and a tolerance the pandas stubs accept."""
    return (seconds.astype(np.float64) * 1e9).round().astype(np.int64)
