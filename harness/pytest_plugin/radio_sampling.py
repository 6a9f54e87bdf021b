"""glue layer: the radio conditions of every plan case that uses a registered module (issue 6 item 8).

Around each test body that received `registered_modem`, harness.traffic.radio_sampler reads the module's
radio every `radio_every_s` seconds; after the body the readings go to tests/<test_id>/radio.parquet, and
their KPIs (harness.coverage.radio_kpis: medians, CE level, share per coverage class, failed reads) join
the case's measurements.csv rows, so a report can bin every case by coverage (the HTML report's Coverage
column, harness.report.coverage_summary). Samples the test writes
through `evidence.write_samples` while the sampler runs get the latest reading joined (RadioLog).

The interval: the `radio_sampling(every_s=..., reason=...)` marker > --radio-every-s > MIOT_RADIO_EVERY_S >
ini miot_radio_every_s > 1 s (STYLE 9). 0 turns sampling off: a procedure whose module must keep its UART
quiet (asleep in PSM or eDRX, or rebooting while an attach is timed) carries the marker with its reason,
which the case's report shows.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import pytest

from harness.coverage import radio_kpis
from harness.dialects import Modem
from harness.errors import HarnessError, Problem
from harness.kpi import KpiRecorder
from harness.pytest_plugin import settings
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.html_report import RADIO_PROPERTY
from harness.pytest_plugin.plan_run import PlanRun
from harness.pytest_plugin.verdicts import KPIS
from harness.results import append_jsonl
from harness.results.radio import join_radio, write_radio
from harness.traffic.radio_sampler import RadioSampler
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN

MARKER = "radio_sampling"
MARKER_HELP = (
    f"{MARKER}(every_s=1.0, reason=None): the radio sampling interval of a procedure; every_s=0 turns it "
    "off, and reason says why"
)
MODEM_FIXTURE = "registered_modem"
# A sample joins a reading at most this many intervals older: one missed reading is bridged, not more.
JOIN_TOLERANCE_INTERVALS = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    every_s: float
    source: str


class RadioLog:
    """The radio readings of one test while its sampler runs (the `evidence` fixture holds it)."""

    def __init__(self) -> None:
        self._sampler: RadioSampler | None = None
        self._every_s = 0.0
        self._lock = threading.Lock()

    def join(self, samples: pd.DataFrame) -> pd.DataFrame:
        """`samples` with the radio readings joined on their session-clock column; as they are when
        sampling is off or they have no such column (every engine writes it:
        harness.traffic.session_clock)."""
        with self._lock:
            sampler, every_s = self._sampler, self._every_s
        if sampler is None or SESSION_CLOCK_COLUMN not in samples:
            return samples
        tolerance_s = JOIN_TOLERANCE_INTERVALS * every_s
        return join_radio(samples, sampler.readings(), on=SESSION_CLOCK_COLUMN, tolerance_s=tolerance_s)

    def follow(self, sampler: RadioSampler | None, every_s: float) -> None:
        with self._lock:
            self._sampler, self._every_s = sampler, every_s


RADIO_LOG = pytest.StashKey[RadioLog]()


def interval_of(item: pytest.Item) -> Interval:
    """The sampling interval for this item (checked at collection: marker_problems, setting_problem)."""
    marker = item.get_closest_marker(MARKER)
    if marker is not None and "every_s" in marker.kwargs:
        return Interval(every_s=float(marker.kwargs["every_s"]), source=f"marker {MARKER}")
    setting = settings.resolve(item.config, "radio_every_s")
    return Interval(every_s=float(setting.value), source=setting.source)


def setting_problem(config: pytest.Config) -> str | None:
    setting = settings.resolve(config, "radio_every_s")
    return _interval_problem(setting.value, f"{setting.source} {setting.value!r}")


def marker_problems(items: list[pytest.Item]) -> list[Problem]:
    """Markers whose every_s is not 0 or a positive number, named by test file and function."""
    problems: dict[tuple[str, str], Problem] = {}  # one per function, however many cases it has
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None or "every_s" not in marker.kwargs:
            continue
        problem = _interval_problem(marker.kwargs["every_s"], f"every_s={marker.kwargs['every_s']!r}")
        if problem is not None:
            path, _, name = item.nodeid.partition("::")
            where = (path, f"{name.split('[')[0]}: marker {MARKER}")
            problems[where] = Problem(*where, problem)
    return list(problems.values())


@contextlib.contextmanager
def sampling(item: pytest.Item, run: PlanRun, case: CaseRun) -> Iterator[None]:
    """Sample the case's module around the body, then write radio.parquet and record the radio KPIs."""
    modem: Modem | None = getattr(item, "funcargs", {}).get(MODEM_FIXTURE)
    log = item.stash.get(RADIO_LOG, None)
    interval = interval_of(item)
    if modem is None or log is None:
        yield
        return
    if interval.every_s == 0:
        _off(item, run, case, interval)
        yield
        return
    try:
        sampler = RadioSampler(modem, every_s=interval.every_s)
    except HarnessError as error:
        _note(item, f"radio not sampled: {error}")
        yield
        return
    try:
        with sampler:
            log.follow(sampler, interval.every_s)
            yield
    finally:
        log.follow(None, interval.every_s)
        _conclude(item, run, case, sampler.readings())


def _conclude(item: pytest.Item, run: PlanRun, case: CaseRun, readings: pd.DataFrame) -> None:
    write_radio(run.run_dir.test_dir(case.test_id), readings)
    recorder = item.stash.setdefault(KPIS, KpiRecorder(case.case.limits))
    kpis = radio_kpis(readings, case.module.rat)
    recorder.record_all({name: value for name, value in kpis.items() if name not in recorder.recorded})


def _off(item: pytest.Item, run: PlanRun, case: CaseRun, interval: Interval) -> None:
    marker = item.get_closest_marker(MARKER)
    reason = (marker.kwargs.get("reason") if marker else None) or "no reason given"
    _note(item, f"radio not sampled ({interval.source}: every_s=0): {reason}")
    append_jsonl(
        run.run_dir.events_jsonl,
        {
            "t_utc": datetime.now(UTC).isoformat(),
            "event": "radio_sampling_off",
            "test_id": case.test_id,
            "source": interval.source,
            "reason": reason,
        },
    )


def _note(item: pytest.Item, note: str) -> None:
    item.user_properties.append((RADIO_PROPERTY, note))


def _interval_problem(value: object, shown: str) -> str | None:
    is_number = isinstance(value, int | float | str) and not isinstance(value, bool)
    try:
        every_s = float(value) if is_number else math.nan  # type: ignore[arg-type]  # checked just above
    except ValueError:
        every_s = math.nan
    if not every_s >= 0 or math.isinf(every_s):
        return f"radio sampling interval {shown} must be 0 (off) or a number of seconds above 0"
    return None
