"""Tests of harness.report.figure_data's echo RTTs: warm-up probes and lost ones left out, as an array."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.report.figure_data import echo_rtts_ms
from harness.report.plots import rtt_cdf_png
from harness.results.samples import write_samples


def write_echo(test_dir: Path, rtt_ms: list[float], is_warmup: list[bool]) -> None:
    seq = np.arange(len(rtt_ms))
    frame = pd.DataFrame({"t_s": seq * 0.5, "seq": seq, "is_warmup": is_warmup, "rtt_ms": rtt_ms})
    write_samples(test_dir, "udp_echo", frame)


def test_the_rtts_of_measured_probes_that_came_back_in_probe_order(tmp_path: Path) -> None:
    write_echo(tmp_path, [900.0, 120.0, np.nan, 80.0, 100.0], [True, False, False, False, False])

    rtts = echo_rtts_ms(tmp_path)

    assert isinstance(rtts, np.ndarray)
    assert rtts.tolist() == [120.0, 80.0, 100.0]


def test_no_probe_back_or_no_echo_samples_is_none(tmp_path: Path) -> None:
    assert echo_rtts_ms(tmp_path) is None
    write_echo(tmp_path, [900.0, np.nan], [True, False])
    assert echo_rtts_ms(tmp_path) is None


def test_an_rtt_array_draws_the_cdf_its_list_draws() -> None:
    rtts = np.random.default_rng(3).lognormal(6.5, 0.4, 500)

    assert rtt_cdf_png(rtts, title="t") == rtt_cdf_png(rtts.tolist(), title="t")
