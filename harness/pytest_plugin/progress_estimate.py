"""glue layer (pure, no pytest): how far a plan run is, and an honest estimate of its time left (issue 7
item 5), for the progress lines of harness.pytest_plugin.progress.

Each case still to run is given a duration, and the estimate says which source each came from:
- the same case's duration in the previous run of the same plan (harness.results.case_durations), else
- the mean duration of the cases this run has finished (skipped ones left out: they take no time), else
- nothing: the time left is "unknown", never a guess.
The sum is divided by the number of workers running cases side by side (pytest-xdist; 1 without it). Cases
running on other workers as a line is printed count whole, so with workers the estimate errs long.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_ESTIMATE_S = 5.0  # the finest step an estimate is given in (about())


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLeft:
    """The estimate: `seconds` None when unknown; `basis` how it was made, as a person reads it."""

    seconds: float | None
    basis: str
    is_done: bool = False

    def text(self) -> str:
        if self.is_done:
            return "all cases done"
        if self.seconds is None:
            return f"time left unknown ({self.basis})"
        if self.seconds < MIN_ESTIMATE_S:
            return f"under {MIN_ESTIMATE_S:g} s left ({self.basis})"
        return f"about {about(self.seconds)} left ({self.basis})"


class ProgressEstimate:
    """The cases of a run (by case id, in any order), those finished so far and their durations."""

    def __init__(self, case_ids: Iterable[str], *, previous_s: Mapping[str, float]) -> None:
        self._pending = list(dict.fromkeys(case_ids))
        self._total = len(self._pending)
        self._previous_s = dict(previous_s)
        self._timed_s: list[float] = []

    @property
    def total(self) -> int:
        return self._total

    @property
    def done(self) -> int:
        return self._total - len(self._pending)

    def finish(self, case_id: str, *, duration_s: float, is_timed: bool = True) -> None:
        """A case ended after `duration_s`; `is_timed` False for one that was skipped (its time says nothing
        of the others'). A case not in the run counts as one more case, finished."""
        if case_id in self._pending:
            self._pending.remove(case_id)
        else:
            self._total += 1
        if is_timed:
            self._timed_s.append(duration_s)

    def time_left(self, *, workers: int = 1) -> TimeLeft:
        if not self._pending:
            return TimeLeft(seconds=0.0, basis="nothing left to run", is_done=True)
        known = [self._previous_s[c] for c in self._pending if c in self._previous_s]
        n_unknown = len(self._pending) - len(known)
        parts = [f"previous run's times for {len(known)}"] if known else []
        if n_unknown and not self._timed_s:
            return TimeLeft(seconds=None, basis=f"no finished case nor previous run to go by for {n_unknown}")
        total_s = math.fsum(known)
        if n_unknown:
            mean_s = math.fsum(self._timed_s) / len(self._timed_s)
            total_s += n_unknown * mean_s
            parts.append(f"mean of {len(self._timed_s)} finished, {duration(mean_s)}, for {n_unknown}")
        if workers > 1:
            parts.append(f"over {workers} workers")
        return TimeLeft(seconds=total_s / max(workers, 1), basis="; ".join(parts))


def duration(seconds: float) -> str:
    """A duration as a person reads it: `48 s`, `9 min 12 s`, `2 h 5 min`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def about(seconds: float) -> str:
    """An estimate no finer than it is good for: to 5 s under a minute, 10 s under ten, then whole
    minutes (`about 40 s`, `about 3 min 20 s`, `about 11 min`, `about 2 h 5 min`)."""
    if seconds < 60:
        return duration(5 * round(seconds / 5))
    if seconds < 600:
        return duration(10 * round(seconds / 10))
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseEnd:
    """A case that just ended: its id, outcome (passed, failed, skipped, error) and duration."""

    case_id: str
    outcome: str
    duration_s: float


def progress_line(estimate: ProgressEstimate, end: CaseEnd, *, elapsed_s: float, workers: int = 1) -> str:
    """`miot: [12/32] echo.ce1@nb-ce1 passed in 48 s; 9 min 12 s elapsed, about 11 min left (...)`, once
    `end` has been given to the estimate."""
    head = (
        f"miot: [{estimate.done}/{estimate.total}] {end.case_id} {end.outcome} in {duration(end.duration_s)}"
    )
    return f"{head}; {duration(elapsed_s)} elapsed, {estimate.time_left(workers=workers).text()}"
