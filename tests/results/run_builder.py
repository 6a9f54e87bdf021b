"""Run directories with known figures, written through the harness's own writers, for the reader and export
tests: one run, two NB-IoT modules, a case per module with a KPI row and udp_echo samples each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from harness.kpi import evaluate
from harness.metrics import Limit, MetricValue
from harness.results import (
    MeasurementContext,
    MeasurementsWriter,
    ModuleRecord,
    RunDirectory,
    RunRecord,
    SiteRecord,
    hash_identifier,
    tabulate_measurements,
    write_run_record,
    write_samples,
)
from harness.results.case_record import CaseRecord, write_case_record

KEY = b"k" * 32
IMEI = "869999999999999"
STARTED = datetime(2026, 11, 26, 1, 30, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuiltCase:
    case_id: str
    module_id: str
    rtt_p95_ms: float
    rtts_ms: tuple[float, ...]

    @property
    def test_id(self) -> str:
        return f"{self.case_id}@{self.module_id}"


CASES = (
    BuiltCase(case_id="echo-ce0", module_id="nb-ce0", rtt_p95_ms=1250.5, rtts_ms=(1000.0, 1100.0, 1250.5)),
    BuiltCase(case_id="echo-ce1", module_id="nb-ce1", rtt_p95_ms=3990.0, rtts_ms=(3500.0, 3990.0)),
)


def module_record(module_id: str, *, operator: str | None) -> ModuleRecord:
    return ModuleRecord(
        module_id=module_id,
        rat="nbiot",
        dialect="quectel_nbiot",
        model="BC660K-GL",
        firmware="BC660KGLAAR01A05",
        imei_hash=hash_identifier(IMEI + module_id, KEY),
        imsi_hash=hash_identifier("001010123456789", KEY),
        operator=operator,
        apn="iot.test",
    )


def build_run(
    root: Path,
    run_id: str,
    *,
    started_utc: datetime = STARTED,
    operator: str | None = "00101",
    cases: tuple[BuiltCase, ...] = CASES,
    is_finished: bool = True,
) -> RunDirectory:
    """A run whose cases all finished; with is_finished False the run has no end and its last case is
    still `running`, with no rows, as a kill in its body leaves it."""
    run = RunDirectory.create(root, run_id)
    record = RunRecord(
        harness_version="0.1.0",
        commit=None,
        invocation=("miot", "run"),
        started_utc=started_utc,
        modules=tuple(module_record(m, operator=operator) for m in sorted({c.module_id for c in cases})),
        site=SiteRecord(name="lab 1/north", lat_deg=31.23, lon_deg=121.47),
    )
    write_run_record(run.run_json, record)
    writer = MeasurementsWriter(run.measurements_csv)
    for index, case in enumerate(cases):
        start = started_utc + timedelta(seconds=10 * index)
        state = CaseRecord(
            test_id=case.test_id,
            case_id=case.case_id,
            module_id=case.module_id,
            iteration=1,
            started_utc=start,
        )
        test_dir = run.test_dir(case.test_id)
        write_case_record(test_dir, state)
        if not is_finished and index == len(cases) - 1:
            break
        samples = pd.DataFrame({"t_s": [0.5 * i for i in range(len(case.rtts_ms))], "rtt_ms": case.rtts_ms})
        write_samples(test_dir, "udp_echo", samples)
        measured = evaluate("rtt_p95_ms", MetricValue(value=case.rtt_p95_ms, n_samples=20), Limit(high=4000))
        context = MeasurementContext(
            run_id=run_id,
            test_id=case.test_id,
            case_id=case.case_id,
            iteration=1,
            module_id=case.module_id,
            rat="nbiot",
            operator=operator,
        )
        writer.append(tabulate_measurements(context, [measured], recorded_utc=start + timedelta(seconds=9)))
        ended = start + timedelta(seconds=9.5)
        write_case_record(
            test_dir, state.finished(outcome=str(measured.outcome), ended_utc=ended, duration_s=9.5)
        )
    if is_finished:
        write_run_record(
            run.run_json,
            record.finished(
                ended_utc=started_utc + timedelta(minutes=1), outcome_counts={"pass": len(cases)}
            ),
        )
    return run
