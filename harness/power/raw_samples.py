"""power layer: an instrument's raw current samples (a fixed rate from the recording's start) averaged into
the trace rows every analyzer returns (harness.power.analyzer: each row the mean over [t_s, next t_s)).

Shared by the instrument backends (PPK2 at 100 kHz, Otii, SCPI analyzers), so each of them only decodes its
own wire format. Averaging whole blocks keeps every pulse's charge; a last partial block is dropped, as an
averaging analyzer reports only whole samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.power.analyzer import CURRENT_COLUMN, TIME_COLUMN, VOLTAGE_COLUMN
from harness.power.current_steps import FloatArray


def averaged_trace(
    current_ua: FloatArray,
    *,
    raw_rate_hz: float,
    sample_rate_hz: float,
    supply_v: float | None,
    first_t_s: float = 0.0,
) -> pd.DataFrame:
    """Rows of `raw_rate_hz / sample_rate_hz` raw samples each (at least one: an instrument slower than the
    asked rate gives its own), the first raw sample at `first_t_s`; voltage_v when the supply is known."""
    per_row = max(round(raw_rate_hz / sample_rate_hz), 1)
    rows = len(current_ua) // per_row
    means_ua = np.asarray(current_ua[: rows * per_row], dtype=np.float64).reshape(rows, per_row).mean(axis=1)
    columns: dict[str, FloatArray] = {
        TIME_COLUMN: first_t_s + np.arange(rows, dtype=np.float64) * per_row / raw_rate_hz,
        CURRENT_COLUMN: means_ua,
    }
    if supply_v is not None:
        columns[VOLTAGE_COLUMN] = np.full(rows, supply_v)
    return pd.DataFrame(columns)
