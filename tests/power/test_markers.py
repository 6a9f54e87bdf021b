"""Markers of test events: stamped on the host clock by CurrentRecording.mark / PowerMeter.mark, carried by
the trace (and power.parquet), and landing at the trace time of the event they mark."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.errors import HarnessError
from harness.power import (
    AnalyzerIdentity,
    Marker,
    charge_uc,
    marker_window,
    markers_of,
    record_current,
)
from harness.power.report_budget import StateMark, segment_trace
from harness.pytest_plugin.fixtures import PowerMeter

RATE_HZ = 1000.0
LOW_UA, HIGH_UA = 5.0, 50_000.0
# Under load a thread may be descheduled between the pulse and the mark: a few ms on this machine.
TOLERANCE_S = 0.02


class PulsingAnalyzer:
    """A fake instrument whose module draws HIGH_UA from each `pulse_on()` to `pulse_off()` (host clock)."""

    def __init__(self) -> None:
        self._start_s = 0.0
        self.edges_s: list[float] = []

    @property
    def identity(self) -> AnalyzerIdentity:
        return AnalyzerIdentity(
            analyzer="fake", model="pulser", serial="0", channel=1, max_current_ua=None, supply_v=3.6
        )

    def start(self, *, sample_rate_hz: float | None = None) -> float:
        self._start_s = time.monotonic()
        self.edges_s = []
        return self._start_s

    def pulse(self) -> None:
        self.edges_s.append(time.monotonic())

    def stop(self) -> pd.DataFrame:
        stop_s = time.monotonic()
        t_s = np.arange(0.0, stop_s - self._start_s, 1.0 / RATE_HZ)
        at_s = self._start_s + t_s
        high = np.zeros(len(t_s), dtype=bool)
        for on_s, off_s in zip(self.edges_s[::2], self.edges_s[1::2], strict=False):
            high |= (at_s >= on_s) & (at_s < off_s)
        return pd.DataFrame({"t_s": t_s, "current_ua": np.where(high, HIGH_UA, LOW_UA)})

    def close(self) -> None:
        pass


def rising_edges_s(trace: pd.DataFrame) -> list[float]:
    current = trace["current_ua"].to_numpy()
    rising = np.flatnonzero((current[1:] > LOW_UA) & (current[:-1] <= LOW_UA)) + 1
    return [float(trace["t_s"].iloc[i]) for i in rising]


def test_markers_land_at_the_trace_time_of_the_event() -> None:
    analyzer = PulsingAnalyzer()
    with record_current(analyzer) as recording:
        time.sleep(0.05)
        analyzer.pulse()
        recording.mark("report sent")
        time.sleep(0.1)
        analyzer.pulse()
        recording.mark("released")
        time.sleep(0.05)
    assert recording.trace is not None
    markers = markers_of(recording.trace)
    assert [m.label for m in markers] == ["report sent", "released"]
    assert markers[0].t_s == pytest.approx(rising_edges_s(recording.trace)[0], abs=TOLERANCE_S)
    window = marker_window(markers, "report sent", "released")
    assert window.duration_s == pytest.approx(0.1, abs=TOLERANCE_S)
    charge = charge_uc(recording.trace, window.start_s, window.stop_s)
    assert charge == pytest.approx(HIGH_UA * window.duration_s, rel=0.25)


def test_a_mark_at_a_time_seen_earlier_lands_there() -> None:
    analyzer = PulsingAnalyzer()
    with record_current(analyzer) as recording:
        seen_s = time.monotonic()
        time.sleep(0.02)
        marker = recording.mark("urc", at_monotonic_s=seen_s)
    assert marker.t_s == pytest.approx(seen_s - recording.start_monotonic_s)


def test_marker_window_names_the_markers_there_are_when_one_is_missing() -> None:
    markers = [Marker(t_s=1.0, label="a"), Marker(t_s=2.0, label="b")]
    assert marker_window(markers, "a").stop_s == 2.0
    with pytest.raises(ValueError, match=r"no marker 'c' after 'a' \(markers: a, b\)"):
        marker_window(markers, "a", "c")
    with pytest.raises(ValueError, match="no marker 'x' in the trace"):
        marker_window(markers, "x")


def test_markers_cut_a_trace_into_segments() -> None:
    trace = pd.DataFrame({"t_s": np.arange(0.0, 3.0, 0.5), "current_ua": [1.0, 1.0, 8.0, 8.0, 2.0, 2.0]})
    markers = [Marker(t_s=1.0, label="tx"), Marker(t_s=2.0, label="idle")]
    marks = [StateMark(t_s=m.t_s, state=m.label) for m in markers]
    segments = segment_trace(trace, marks, stop_s=3.0)
    assert list(segments["mean_current_ua"]) == [8.0, 2.0]


def test_power_meter_writes_markers_of_every_recording_to_power_parquet(tmp_path: Path) -> None:
    analyzer = PulsingAnalyzer()
    meter = PowerMeter(analyzer=analyzer, path=tmp_path / "power.parquet")
    with pytest.raises(HarnessError, match="no recording is running"):
        meter.mark("too early")
    with meter.record() as first:
        meter.mark("case start")
        time.sleep(0.02)
    time.sleep(0.03)
    with meter.record() as second:
        time.sleep(0.02)
        meter.mark("case end")
    written = pd.read_parquet(tmp_path / "power.parquet")
    markers = markers_of(written)
    assert [m.label for m in markers] == ["case start", "case end"]
    offset_s = second.start_monotonic_s - first.start_monotonic_s
    assert markers[1].t_s == pytest.approx(second.markers[0].t_s + offset_s)
    assert first.trace is not None
    assert markers[1].t_s > float(written["t_s"].iloc[len(first.trace)])
