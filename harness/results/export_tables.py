"""results layer: the tables `miot export` writes for one run, as pandas frames (harness.results.export
writes them as partitioned Parquet).

runs          one row: provenance, start/end, interrupted or not, site, case counts by outcome
modules       one row per module: dialect, model, firmware, hashed IMEI/IMSI/ICCID, operator, APN
cases         one row per case.json: state, outcome, times, duration
measurements  measurements.csv with the module's record joined in (`module` is the module id)
samples/<e>   one frame per engine (and radio, power): raw rows, with run_id, test_id, case_id, module first

Identifiers are the hashes run.json holds (ModuleRecord refuses raw ones); nothing here hashes or unhashes.
A run that kept them in clear as well (IdentifierMode.CLEAR) is exported with its hashes only: an export is
made to be shared beyond the lab's machines, where a clear IMEI has no business.
Times are UTC to the microsecond: Spark cannot read Parquet nanosecond timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd
from pandas.api.types import is_datetime64_any_dtype

from harness.kpi import OUTCOME_SEVERITY
from harness.results.run_reader import RunContents, read_file
from harness.results.run_record import CLEAR_IDENTIFIER_FIELDS, ModuleRecord
from harness.results.samples import read_samples

# run.json's outcome_counts names: the KPI outcomes and the cases that reached no verdict
OUTCOME_NAMES: tuple[str, ...] = (*(str(o) for o in OUTCOME_SEVERITY), "skipped", "error")
UTC_TIME = "datetime64[us, UTC]"
_SAMPLES_FILE = re.compile(r"^samples-([a-z][a-z0-9_]{0,63})\.parquet$")
# per-test Parquet files exported as tables of their own beside the engines' samples
_OTHER_TABLES = {"radio.parquet": "radio", "power.parquet": "power"}


def runs_table(run: RunContents) -> pd.DataFrame:
    record = run.record
    counts = {f"cases_{name}": record.outcome_counts.get(name, 0) for name in OUTCOME_NAMES}
    counts |= {f"cases_{k}": v for k, v in record.outcome_counts.items() if k not in OUTCOME_NAMES}
    site = record.site
    row: dict[str, object] = {
        "run_id": run.run_id,
        "started_utc": record.started_utc,
        "ended_utc": record.ended_utc,
        "is_interrupted": run.is_interrupted,
        "harness_version": record.harness_version,
        "commit": record.commit,
        "invocation": " ".join(record.invocation),
        "rig_path": record.rig.path if record.rig else None,
        "rig_sha256": record.rig.sha256 if record.rig else None,
        "plan_path": record.plan.path if record.plan else None,
        "plan_sha256": record.plan.sha256 if record.plan else None,
        "site_name": site.name if site else None,
        "site_lat_deg": site.lat_deg if site else None,
        "site_lon_deg": site.lon_deg if site else None,
        "cases_recorded": len(run.cases),
        "cases_unfinished": len(run.unfinished_cases),
        **counts,
    }
    dtypes = dict.fromkeys(row, "string") | dict.fromkeys(["started_utc", "ended_utc"], UTC_TIME)
    dtypes |= {"is_interrupted": "bool", "site_lat_deg": "float64", "site_lon_deg": "float64"}
    return typed_frame([row], dtypes | dict.fromkeys([c for c in row if c.startswith("cases_")], "int64"))


def modules_table(run: RunContents) -> pd.DataFrame:
    columns = [name for name in ModuleRecord.__dataclass_fields__ if name not in CLEAR_IDENTIFIER_FIELDS]
    rows = [{"run_id": run.run_id} | {c: getattr(m, c) for c in columns} for m in run.record.modules]
    frame = typed_frame(rows, dict.fromkeys(["run_id", *columns], "string"))
    return frame.rename(columns={"module_id": "module"})


def cases_table(run: RunContents) -> pd.DataFrame:
    rows = [
        {
            "run_id": run.run_id,
            "test_id": case.test_id,
            "case_id": case.case_id,
            "module": case.module_id,
            "iteration": case.iteration,
            "state": str(case.state),
            "outcome": case.outcome,
            "started_utc": case.started_utc,
            "ended_utc": case.ended_utc,
            "duration_s": case.duration_s,
        }
        for case in run.cases
    ]
    texts = dict.fromkeys(["run_id", "test_id", "case_id", "module"], "string")
    return typed_frame(
        rows,
        texts
        | {"iteration": "int64", "state": "string", "outcome": "string"}
        | {"started_utc": UTC_TIME, "ended_utc": UTC_TIME, "duration_s": "float64"},
    )


def measurements_table(run: RunContents) -> pd.DataFrame:
    """measurements.csv's rows with the module's record joined in; `operator` falls back to the module's
    when the row has none."""
    frame = run.measurements.rename(columns={"module_id": "module"})
    frame = frame.astype({"outcome": "string"})
    modules = modules_table(run).drop(columns=["run_id", "rat"])
    modules = modules.rename(columns={"operator": "module_operator"})
    frame = frame.merge(modules, on="module", how="left", validate="many_to_one")
    frame["operator"] = frame["operator"].fillna(frame["module_operator"])
    site = run.record.site
    frame["site_name"] = pd.Series(site.name if site else None, index=frame.index, dtype="string")
    return microsecond_times(frame.drop(columns=["module_operator"]))


def sample_tables(run: RunContents) -> Iterator[tuple[str, pd.DataFrame]]:
    """(table, frame) for every engine's samples (table `samples/<engine>`) and the radio and power
    readings of the run (`radio`, `power`), the rows of all its tests in one frame per table."""
    identities = test_identities(run)
    frames: dict[str, list[pd.DataFrame]] = {}
    for table, path in table_files(run):
        test_id = path.parent.name
        case_id, module = identities.get(test_id, _parsed_test_id(test_id))
        keys = {"run_id": run.run_id, "test_id": test_id, "case_id": case_id, "module": module}
        frames.setdefault(table, []).append(keyed(read_file(path, read_samples), keys, path))
    for table, parts in sorted(frames.items()):
        yield table, microsecond_times(pd.concat(parts, ignore_index=True))


def table_files(run: RunContents) -> list[tuple[str, Path]]:
    """(table, file) for every per-test Parquet file the export takes."""
    found: list[tuple[str, Path]] = []
    for path in sorted(run.directory.tests_path.glob("*/*.parquet")):
        match = _SAMPLES_FILE.match(path.name)
        table = f"samples/{match[1]}" if match else _OTHER_TABLES.get(path.name)
        if table is not None:
            found.append((table, path))
    return found


def keyed(samples: pd.DataFrame, keys: dict[str, str], path: Path) -> pd.DataFrame:
    clashing = [name for name in keys if name in samples.columns]
    if clashing:
        raise ValueError(f"{path}: has columns {clashing} that the export adds; rename them in the engine")
    identity = pd.DataFrame({k: pd.Series(v, index=samples.index, dtype="string") for k, v in keys.items()})
    return pd.concat([identity, samples], axis=1)


def test_identities(run: RunContents) -> dict[str, tuple[str, str]]:
    """test_id -> (case_id, module id), from case.json, else from measurements.csv."""
    pairs = run.measurements[["test_id", "case_id", "module_id"]].drop_duplicates("test_id")
    found = {t: (c, m) for t, c, m in pairs.itertuples(index=False, name=None)}
    return found | {case.test_id: (case.case_id, case.module_id) for case in run.cases}


def typed_frame(rows: Sequence[Mapping[str, object]], dtypes: dict[str, str]) -> pd.DataFrame:
    """Rows as a frame with these column dtypes, also when there are no rows or a column holds only
    None (its type would otherwise be lost, and with it a Parquet column's type)."""
    return pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)


def microsecond_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns to microseconds (UTC kept): Spark reads no Parquet nanosecond timestamps."""
    times = [c for c in frame.columns if is_datetime64_any_dtype(frame[c])]
    return frame.astype(dict.fromkeys(times, UTC_TIME)) if times else frame


def _parsed_test_id(test_id: str) -> tuple[str, str]:
    """`echo-ce0@nb-ce0+2` -> (echo-ce0, nb-ce0): harness.pytest_plugin.cases.test_id_of's form, for a test
    directory that neither case.json nor measurements.csv describes."""
    case_id, _, rest = test_id.rpartition("@")
    return (case_id, rest.rpartition("+")[0] or rest) if case_id else (test_id, "")
