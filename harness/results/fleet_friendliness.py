"""results layer: network-friendliness indicators that span modules (GSMA TS.34, indicators.md §3.1): a
fleet must not report in step, nor retry in step.

  report_offset_spread_pct   report offset = send time - the nominal schedule (the wall clock's grid of the
                             report interval, "on the hour"); how much of the jitter window the offsets of
                             ≥ 20 reports cover, in %: ≥ 50 (J). harness.traffic.report_offsets computes it
                             (the uplink engine too, over one module's own reports).
  first_retry_delay_cv_pct   coefficient of variation of the first-retry delays (first failure -> next
                             attempt) across modules or runs, in %: > 10 (J). Fewer than 2 delays: None.

Send times are the report commands in each module's at.log on the wall clock (the transcript header says
when its session opened), so modules on one host compare directly; on several hosts they are as good as
the hosts' clocks. Where the plan states no interval, the interval is the median spacing of each module's
consecutive reports (their median across modules), and the jitter window the whole interval.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from pathlib import Path

from harness.errors import InputError
from harness.metrics import MetricValue
from harness.results.case_friendliness import case_activity
from harness.results.friendliness import retries_of
from harness.results.transcript_activity import TranscriptActivity
from harness.traffic.report_offsets import report_offset_spread_pct


def coefficient_of_variation_pct(values: Sequence[float]) -> MetricValue:
    if len(values) < 2 or statistics.fmean(values) == 0:
        return MetricValue(value=None, n_samples=len(values))
    return MetricValue(
        value=100.0 * statistics.stdev(values) / statistics.fmean(values), n_samples=len(values)
    )


def report_interval_s(activities: Sequence[TranscriptActivity]) -> float | None:
    """The median of each module's median spacing between consecutive reports."""
    medians = []
    for activity in activities:
        sends = sorted(activity.report_sends)
        spacings = [b - a for a, b in itertools.pairwise(sends)]
        if spacings:
            medians.append(statistics.median(spacings))
    return statistics.median(medians) if medians else None


def fleet_friendliness(
    activities: Sequence[TranscriptActivity],
    *,
    interval_s: float | None = None,
    jitter_window_s: float | None = None,
) -> dict[str, MetricValue]:
    """The fleet-wide indicators of these modules' transcripts (module docstring)."""
    interval = interval_s or report_interval_s(activities)
    sends = [
        utc
        for activity in activities
        for t_s in activity.report_sends
        if (utc := activity.utc_s(t_s)) is not None
    ]
    first_retries = [w.waits_s[0] for w in map(retries_of, activities) if w.waits_s]
    spread = (
        MetricValue(value=None, n_samples=len(sends))
        if interval is None
        else report_offset_spread_pct(sends, interval_s=interval, jitter_window_s=jitter_window_s)
    )
    return {
        "report_offset_spread_pct": spread,
        "first_retry_delay_cv_pct": coefficient_of_variation_pct(first_retries),
    }


def run_friendliness(test_dirs: Sequence[Path]) -> dict[str, MetricValue]:
    """fleet_friendliness over the cases of one or more runs (each case directory's at.log)."""
    activities = [a for a in map(_readable_activity, test_dirs) if a is not None]
    return fleet_friendliness(activities)


def _readable_activity(test_dir: Path) -> TranscriptActivity | None:
    """A case's activity; None for one whose transcript cannot be read (its own case shows that)."""
    try:
        return case_activity(test_dir)
    except (InputError, OSError):
        return None
