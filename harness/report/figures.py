"""report layer: the figures of the cross-run report, built from run directories.

`run_figures(run_dirs, lang=...)` reads what each figure needs from the run files (DESIGN "What a run
writes") and returns the figures in the order the report shows them, each as PNG bytes with a stable key
(the report's HTML ids and the browser test use the key). A figure with no data in the given runs is left
out, not drawn empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.report.labels import Lang, label
from harness.report.plots import rtt_cdf_png
from harness.results.measurements import read_measurements
from harness.results.samples import read_samples, samples_path


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFigure:
    key: str  # stable, [a-z0-9-]: used as the figure's HTML id
    title: str
    png: bytes


def run_figures(run_dirs: Sequence[Path], *, lang: Lang) -> list[ReportFigure]:
    """Every figure the given runs have data for."""
    return rtt_cdf_figures(run_dirs, lang=lang)


def rtt_cdf_figures(run_dirs: Sequence[Path], *, lang: Lang) -> list[ReportFigure]:
    """One RTT CDF per module, pooling the udp_echo samples (warm-up probes left out) of all its tests."""
    rtts: dict[str, list[float]] = {}
    for run_dir in run_dirs:
        for test_id, module_id in _test_modules(run_dir).items():
            path = samples_path(run_dir / "tests" / test_id, "udp_echo")
            if path.exists():
                samples = read_samples(path)
                kept = samples.loc[~samples["is_warmup"], "rtt_ms"].dropna()
                rtts.setdefault(module_id, []).extend(kept.tolist())
    return [
        ReportFigure(
            key=f"rtt-cdf-{module_id}",
            title=f"{label('rtt_cdf', lang)}, {module_id}",
            png=rtt_cdf_png(values, title=f"{label('rtt_cdf', lang)}, {module_id}"),
        )
        for module_id, values in sorted(rtts.items())
        if values
    ]


def _test_modules(run_dir: Path) -> dict[str, str]:
    """test_id -> module_id, from the run's measurements.csv (a test without KPIs has no figure data)."""
    path = run_dir / "measurements.csv"
    if not path.exists():
        return {}
    frame: pd.DataFrame = read_measurements(path)
    pairs = frame[["test_id", "module_id"]].drop_duplicates()
    return dict(zip(pairs["test_id"], pairs["module_id"], strict=True))
