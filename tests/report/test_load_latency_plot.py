"""harness.report.load_latency_plot and its reader (figure_data.load_latency_of): latency-under-load probes
drawn by phase, and the case figure made from a test's samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.report.case_figures import case_figures
from harness.report.figure_data import load_latency_of
from harness.report.load_latency_plot import rtt_under_load_png
from harness.results.samples import write_samples

from .png import png_size


def probes(rtt_by_phase: dict[str, list[float]]) -> pd.DataFrame:
    """Probes 0.5 s apart, the first of each phase a warm-up, phases one after the other on one clock."""
    rows = [
        {"phase": phase, "seq": seq, "is_warmup": seq == 0, "rtt_ms": rtt}
        for phase, rtts in rtt_by_phase.items()
        for seq, rtt in enumerate(rtts)
    ]
    frame = pd.DataFrame(rows)
    frame.insert(0, "t_s", np.arange(len(frame)) * 0.5)
    return frame


LOADED = probes(
    {"unloaded": [900.0, 100.0, 110.0], "ul_loaded": [2000.0, 1500.0, np.nan], "dl_loaded": [1.0, 800.0]}
)


def test_the_reader_leaves_warmups_out_and_keeps_phase_order(tmp_path: Path) -> None:
    assert load_latency_of(tmp_path) is None
    write_samples(tmp_path, "host_latency_under_load", LOADED)

    read = load_latency_of(tmp_path)

    assert read is not None
    assert read["phase"].tolist() == ["unloaded", "unloaded", "ul_loaded", "ul_loaded", "dl_loaded"]
    assert read["rtt_ms"].iloc[:2].tolist() == [100.0, 110.0]


def test_a_latency_under_load_case_gets_its_figure(tmp_path: Path) -> None:
    write_samples(tmp_path, "latency_under_load", LOADED)

    figures = case_figures(tmp_path, name="rrul@nb-a", lang="zh")

    assert [f.key for f in figures] == ["rtt-under-load"]
    assert figures[0].title == "负载下的往返时延, rrul@nb-a"
    assert png_size(figures[0].png) == (640, 360)


def test_the_plot_needs_one_round_trip() -> None:
    lost = probes({"unloaded": [np.nan, np.nan]})
    with pytest.raises(ValueError, match="no finite RTT"):
        rtt_under_load_png(lost, title="t")
    assert png_size(rtt_under_load_png(LOADED, title="t")) == (640, 360)
