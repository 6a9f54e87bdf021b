"""report layer: the indicator tables of the cross-run report, aggregated with pandas (issue 7 item 2).

One row per indicator family (harness.report.indicator_families), group (GROUP_COLUMNS of
harness.report.run_set: module, firmware, operator, RAT, site, coverage class) and metric. Each row says
which statistic its value is, so a reader never has to guess:

  statistic "median"  the median of the recorded values of the group's tests (every iteration of every
                      run is one value); `n` counts those values
  statistic "pooled"  the metric's own statistic (p95, min, ...) over the pooled raw samples of all the
                      group's tests (harness.report.pooled_samples); `n` counts samples, `n_tests` tests

`min` / `max` are always over the recorded per-test values, the spread a lab looks at between runs. The
limit is the plan's as recorded in each row (different limits in one group are all shown), and the outcome
columns count the plan's verdicts of the group's rows (pass, unchecked, marginal, missing, fail).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from harness.kpi import OUTCOME_SEVERITY
from harness.metrics import Limit
from harness.report.indicator_families import FAMILIES, family_of
from harness.report.kpi_table import describe_limit
from harness.report.pooled_samples import SampleSource, pooled_source, pooled_statistic, read_pool
from harness.report.run_set import GROUP_COLUMNS

OUTCOME_COLUMNS: tuple[str, ...] = tuple(str(o) for o in OUTCOME_SEVERITY)
ROW_KEYS: tuple[str, ...] = ("family", *GROUP_COLUMNS, "metric", "unit")
TABLE_COLUMNS: tuple[str, ...] = (
    *ROW_KEYS,
    "statistic",
    "value",
    "n",
    "n_tests",
    "min",
    "max",
    "limit",
    *OUTCOME_COLUMNS,
)
_LIMIT_COLUMNS = ("low", "high", "marginal_low", "marginal_high")


def indicator_table(measurements: pd.DataFrame) -> pd.DataFrame:
    """The aggregated rows (TABLE_COLUMNS), families in FAMILIES order, then groups and metrics sorted."""
    if measurements.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    frame = measurements.assign(family=measurements["metric"].astype(str).map(family_of))
    frame["outcome"] = frame["outcome"].astype(str)
    keys = list(ROW_KEYS)
    grouped = frame.groupby(keys, sort=False, dropna=False)
    table = grouped["value"].agg(value="median", n="count", min="min", max="max")
    table["n_tests"] = grouped["test_id"].size()
    table["limit"] = _limits_text(frame)
    counts = pd.crosstab([frame[k] for k in keys], frame["outcome"], dropna=False)
    table = table.join(counts.reindex(columns=list(OUTCOME_COLUMNS), fill_value=0).fillna(0).astype(int))
    table["statistic"] = "median"
    table = table.reset_index()
    _pool(table, frame)
    table["family_order"] = table["family"].map(FAMILIES.index)
    table = table.sort_values(["family_order", *GROUP_COLUMNS, "metric"], kind="stable")
    ordered: pd.DataFrame = table.drop(columns="family_order").reset_index(drop=True)[list(TABLE_COLUMNS)]
    return ordered


def _limits_text(frame: pd.DataFrame) -> pd.Series:
    """Per row key: every distinct limit of the group's rows, as the per-run report writes one; `—` for
    none."""
    distinct = frame.drop_duplicates([*ROW_KEYS, *_LIMIT_COLUMNS])
    texts: dict[tuple[object, ...], list[str]] = {}
    for row in distinct[[*ROW_KEYS, *_LIMIT_COLUMNS]].itertuples(index=False):
        key, limit = tuple(row[: len(ROW_KEYS)]), _limit(tuple(row[len(ROW_KEYS) :]))
        shown = texts.setdefault(key, [])
        if limit is not None:
            shown.append(describe_limit(limit))
    return pd.Series({key: " | ".join(shown) if shown else "—" for key, shown in texts.items()})


def _limit(row: tuple[float, ...]) -> Limit | None:
    bounds = [None if pd.isna(v) else float(v) for v in row]
    if all(b is None for b in bounds):
        return None
    low, high, marginal_low, marginal_high = bounds
    return Limit(low=low, high=high, marginal_low=marginal_low, marginal_high=marginal_high)


def _pool(table: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Replace the median by the pooled statistic on the rows whose metric can be pooled and whose tests
    all have samples (module docstring). One pool per group of tests and samples source, however many of
    its statistics the table shows."""
    tests = {
        key: tuple(sorted(set(zip(rows["run_dir"], rows["test_id"], strict=True))))
        for key, rows in frame.groupby(list(ROW_KEYS), sort=False, dropna=False)
    }
    pools: dict[tuple[tuple[tuple[str, str], ...], SampleSource], np.ndarray | None] = {}
    statistics, values, counts = list(table["statistic"]), list(table["value"]), list(table["n"])
    for position, row in enumerate(table[list(ROW_KEYS)].itertuples(index=False)):
        found = pooled_source(str(row.metric))
        if found is None:
            continue
        source, statistic = found
        test_keys = tests[tuple(row)]
        if (test_keys, source) not in pools:
            pools[(test_keys, source)] = read_pool(_as_paths(test_keys), source)
        pool = pools[(test_keys, source)]
        if pool is not None:
            statistics[position], values[position], counts[position] = (
                "pooled",
                pooled_statistic(pool, statistic),
                pool.size,
            )
    table["statistic"], table["value"], table["n"] = statistics, values, counts


def _as_paths(tests: Iterable[tuple[str, str]]) -> list[tuple[Path, str]]:
    return [(Path(run_dir), test_id) for run_dir, test_id in tests]
