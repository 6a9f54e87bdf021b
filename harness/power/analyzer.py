"""power layer: the PowerAnalyzer interface every current-measuring backend offers, and `record_current`,
the context manager procedures record a trace with (STYLE 4, 5; DESIGN "power").

A backend is one module `harness/power/analyzer_<name>.py` (harness.power.analyzers finds it by the name a
rig gives): the virtual rail, the Nordic PPK2, Qoitech Otii and SCPI DC power analyzers (pyvisa or a raw
socket). The shape follows labgrid's small power protocol (labgrid/protocol/powerprotocol.py): a handful of
methods, no shared base class.

A trace is a pandas DataFrame (DESIGN: tests/<test_id>/power.parquet) whose first column is `t_s`, seconds
since the recording started (start() returns that instant on the monotonic clock, so a trace lines up with
AT transcripts and URC times of the same machine), then `current_ua`, then `voltage_v` where the analyzer
knows the supply. Each row is the mean over [t_s, next t_s): what an analyzer that averages its raw samples
reports, so a charge is the sum of current x period and no pulse between two rows is lost.

Markers of test events ("report sent", "PSM entry URC", ...) are stamped on the host's monotonic clock by
`CurrentRecording.mark` while a recording runs, so they share the trace's time base whatever the instrument;
they travel with the trace in `trace.attrs["markers"]` (kept by Parquet: power.parquet carries them), and
`markers_of(trace)` reads them back for segmentation (harness.power.trace_analysis.marker_window).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Protocol

import pandas as pd

TIME_COLUMN = "t_s"
CURRENT_COLUMN = "current_ua"
VOLTAGE_COLUMN = "voltage_v"
MARKERS_ATTR = "markers"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyzerIdentity:
    """What a trace was measured with, for provenance: the instrument's model and serial number (or the
    virtual rail and the module it follows), the channel, its current range (None: auto-ranging) and the
    supply voltage it gives (None: it does not source the supply)."""

    analyzer: str
    model: str
    serial: str
    channel: int
    max_current_ua: float | None
    supply_v: float | None


class PowerAnalyzer(Protocol):
    """One analyzer channel, wired to one module's supply."""

    @property
    def identity(self) -> AnalyzerIdentity: ...

    def start(self, *, sample_rate_hz: float | None = None) -> float:
        """Start recording (the rig's rate unless given) and return once it really runs: the monotonic time
        that the trace's t_s = 0 stands for. HarnessError when it cannot start."""
        ...

    def stop(self) -> pd.DataFrame:
        """Stop recording, wait for the worker, and return the trace; re-raises a failure of the worker."""
        ...

    def close(self) -> None:
        """Let go of the instrument (stops a recording still running, discarding it)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    """A test event at `t_s` on the trace's time base."""

    t_s: float
    label: str


@dataclass(slots=True, kw_only=True)
class CurrentRecording:
    """What record_current yields: the start time at once, the trace when the block has ended (carrying the
    markers stamped meanwhile)."""

    start_monotonic_s: float
    trace: pd.DataFrame | None = None
    markers: list[Marker] = field(default_factory=list)

    def mark(self, label: str, *, at_monotonic_s: float | None = None) -> Marker:
        """Stamp a test event now (or at a monotonic time the caller saw it, e.g. a URC's arrival)."""
        at_s = time.monotonic() if at_monotonic_s is None else at_monotonic_s
        marker = Marker(t_s=at_s - self.start_monotonic_s, label=label)
        self.markers.append(marker)
        return marker


@contextmanager
def record_current(
    analyzer: PowerAnalyzer, *, sample_rate_hz: float | None = None
) -> Iterator[CurrentRecording]:
    """`with record_current(analyzer) as recording:` records the block's current; `recording.trace` is set
    on leaving it. A failure of the analyzer is raised here, after the block; when the block itself failed,
    its error wins and the analyzer's is attached as its context."""
    recording = CurrentRecording(start_monotonic_s=analyzer.start(sample_rate_hz=sample_rate_hz))
    try:
        yield recording
    finally:
        recording.trace = with_markers(analyzer.stop(), recording.markers)


def with_markers(trace: pd.DataFrame, markers: Sequence[Marker]) -> pd.DataFrame:
    """The trace with these markers (in time order) as its own; the frame passed in is left as it was."""
    marked = trace.copy(deep=False)
    ordered = sorted(markers, key=lambda marker: marker.t_s)
    marked.attrs[MARKERS_ATTR] = [asdict(marker) for marker in ordered]
    return marked


def markers_of(trace: pd.DataFrame) -> list[Marker]:
    """The markers a trace carries (none when it has none); ValueError for malformed ones."""
    found = []
    for item in trace.attrs.get(MARKERS_ATTR, []):
        try:
            found.append(Marker(t_s=float(item["t_s"]), label=str(item["label"])))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"trace marker {item!r} is not {{t_s, label}}: {error}") from error
    return found


def check_trace(frame: pd.DataFrame, what: str) -> None:
    """ValueError unless `frame` is a trace: t_s first, then current_ua, optionally voltage_v, t_s rising."""
    columns = list(frame.columns)
    if columns[:2] != [TIME_COLUMN, CURRENT_COLUMN] or columns[2:] not in ([], [VOLTAGE_COLUMN]):
        expected = f"{TIME_COLUMN}, {CURRENT_COLUMN}[, {VOLTAGE_COLUMN}]"
        raise ValueError(f"{what} must have the columns {expected}; it has {columns}")
    if not frame[TIME_COLUMN].is_monotonic_increasing or frame[TIME_COLUMN].duplicated().any():
        raise ValueError(f"{what}: {TIME_COLUMN} must rise from row to row")
