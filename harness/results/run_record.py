"""results layer: run.json, what ran, where, with what, and how it ended (DESIGN "What a run writes";
STYLE 12, provenance recorded without being asked).

Written when a run starts (ended_utc None) and rewritten whole when it ends, so a killed run still says
what it was. Module identifiers are stored hashed (harness.results.identifiers): a ModuleRecord refuses a
raw value in a `*_hash` field. A run in IdentifierMode.CLEAR (`identifiers` field) also keeps them in clear
(`imei`, `imsi`, `iccid`); a hashed run's record refuses modules that carry them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.results.files import write_json_atomic
from harness.results.identifiers import IdentifierMode, is_hashed
from harness.results.provenance import file_sha256
from harness.results.schema import SCHEMA_VERSION, check_schema_version
from harness.results.timestamps import format_utc, parse_utc


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRef:
    """An input file and the hash of the content the run read."""

    path: str
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileRef:
        return cls(path=str(path), sha256=file_sha256(path))


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleRecord:
    module_id: str
    rat: str
    dialect: str | None = None
    model: str | None = None
    firmware: str | None = None
    imei_hash: str | None = None
    imsi_hash: str | None = None
    iccid_hash: str | None = None
    operator: str | None = None
    apn: str | None = None
    # in clear: only in a run whose identifiers are IdentifierMode.CLEAR
    imei: str | None = None
    imsi: str | None = None
    iccid: str | None = None

    def __post_init__(self) -> None:
        for name in ("imei_hash", "imsi_hash", "iccid_hash"):
            value = getattr(self, name)
            if value is not None and not is_hashed(value):
                raise ValueError(f"{name} of module {self.module_id!r} must be hash_identifier's output")

    @property
    def has_clear_identifiers(self) -> bool:
        return any(value is not None for value in (self.imei, self.imsi, self.iccid))


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteRecord:
    name: str
    lat_deg: float | None = None
    lon_deg: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    harness_version: str
    commit: str | None
    invocation: tuple[str, ...]
    started_utc: datetime
    rig: FileRef | None = None
    plan: FileRef | None = None
    ended_utc: datetime | None = None
    outcome_counts: Mapping[str, int] = field(default_factory=dict)
    modules: tuple[ModuleRecord, ...] = ()
    site: SiteRecord | None = None
    identifiers: IdentifierMode = IdentifierMode.HASHED
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.identifiers is IdentifierMode.HASHED:
            for module in self.modules:
                if module.has_clear_identifiers:
                    raise ValueError(
                        f"module {module.module_id!r} carries clear identifiers in a run whose identifiers "
                        "are hashed"
                    )

    def finished(self, *, ended_utc: datetime, outcome_counts: Mapping[str, int]) -> RunRecord:
        return replace(self, ended_utc=ended_utc, outcome_counts=dict(outcome_counts))


def write_run_record(path: Path, record: RunRecord) -> None:
    write_json_atomic(path, encode_run_record(record))


def read_run_record(path: Path) -> RunRecord:
    with Path(path).open(encoding="utf-8") as f:
        document = json.load(f)
    return decode_run_record(document, str(path))


def encode_run_record(record: RunRecord) -> dict[str, object]:
    return {
        "schema_version": record.schema_version,
        "harness_version": record.harness_version,
        "commit": record.commit,
        "invocation": list(record.invocation),
        "rig": _encode_file(record.rig),
        "plan": _encode_file(record.plan),
        "started_utc": format_utc(record.started_utc, "started_utc"),
        "ended_utc": None if record.ended_utc is None else format_utc(record.ended_utc, "ended_utc"),
        "outcome_counts": dict(record.outcome_counts),
        "modules": [encode_module_record(m) for m in record.modules],
        "site": None if record.site is None else _encode_site(record.site),
        "identifiers": str(record.identifiers),
    }


def _encode_file(ref: FileRef | None) -> dict[str, object] | None:
    return None if ref is None else {"path": ref.path, "sha256": ref.sha256}


CLEAR_IDENTIFIER_FIELDS = ("imei", "imsi", "iccid")


def encode_module_record(module: ModuleRecord) -> dict[str, object]:
    """Every field, but the clear identifiers only where a run keeps them: a hashed run's run.json has no
    `imei` key at all, so nobody reads a null there as "no IMEI"."""
    encoded = {name: getattr(module, name) for name in ModuleRecord.__dataclass_fields__}
    return {k: v for k, v in encoded.items() if v is not None or k not in CLEAR_IDENTIFIER_FIELDS}


def _encode_site(site: SiteRecord) -> dict[str, object]:
    return {"name": site.name, "lat_deg": site.lat_deg, "lon_deg": site.lon_deg}


def decode_run_record(document: Any, where: str) -> RunRecord:
    """The RunRecord in a parsed run.json; ValueError naming the file and the field that is wrong."""
    doc = JsonObject(document, where)
    check_schema_version(doc.get("schema_version", int), where)
    counts = doc.get("outcome_counts", dict)
    if not all(isinstance(k, str) and type(v) is int for k, v in counts.items()):
        raise ValueError(f"{where}: outcome_counts must map names to integers")
    started = doc.get("started_utc", str)
    ended = doc.get("ended_utc", str, optional=True)
    site = doc.get("site", dict, optional=True)
    # runs written before the mode existed hashed every identifier
    identifiers = doc.get("identifiers", str, optional=True) or IdentifierMode.HASHED
    if identifiers not in tuple(IdentifierMode):
        raise ValueError(f"{where}: identifiers must be {' or '.join(IdentifierMode)}, got {identifiers!r}")
    fields: dict[str, Any] = {
        "harness_version": doc.get("harness_version", str),
        "commit": doc.get("commit", str, optional=True),
        "invocation": tuple(_strings(doc.get("invocation", list), f"{where}: invocation")),
        "started_utc": parse_utc(started, f"{where}: started_utc"),
        "rig": _decode_file(doc.get("rig", dict, optional=True), f"{where}: rig"),
        "plan": _decode_file(doc.get("plan", dict, optional=True), f"{where}: plan"),
        "ended_utc": None if ended is None else parse_utc(ended, f"{where}: ended_utc"),
        "outcome_counts": counts,
        "modules": tuple(
            decode_module_record(m, f"{where}: modules[{i}]") for i, m in enumerate(doc.get("modules", list))
        ),
        "site": None if site is None else _decode_site(site, f"{where}: site"),
        "identifiers": IdentifierMode(identifiers),
    }
    try:
        return RunRecord(**fields)
    except ValueError as error:  # clear identifiers in a hashed run
        raise ValueError(f"{where}: {error}") from None


def _decode_file(document: dict[str, Any] | None, where: str) -> FileRef | None:
    if document is None:
        return None
    doc = JsonObject(document, where)
    return FileRef(path=doc.get("path", str), sha256=doc.get("sha256", str))


def decode_module_record(document: Any, where: str) -> ModuleRecord:
    doc = JsonObject(document, where)
    required = ("module_id", "rat")
    optional = {
        name: doc.get(name, str, optional=True)
        for name in ModuleRecord.__dataclass_fields__
        if name not in required
    }
    try:
        return ModuleRecord(module_id=doc.get("module_id", str), rat=doc.get("rat", str), **optional)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _decode_site(document: dict[str, Any], where: str) -> SiteRecord:
    doc = JsonObject(document, where)
    lat, lon = doc.get("lat_deg", float, optional=True), doc.get("lon_deg", float, optional=True)
    return SiteRecord(name=doc.get("name", str), lat_deg=lat, lon_deg=lon)


def _strings(values: list[Any], where: str) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where} must be a list of strings")
    return values


class JsonObject:
    """A JSON object read field by field, each failure naming the file and the field."""

    def __init__(self, document: Any, where: str) -> None:
        if not isinstance(document, dict):
            raise ValueError(f"{where} must be a JSON object")
        self._doc: dict[str, Any] = document
        self._where = where

    def get(self, name: str, kind: type, *, optional: bool = False) -> Any:
        if name not in self._doc:
            if optional:
                return None
            raise ValueError(f"{self._where}: {name} is missing")
        value = self._doc[name]
        if value is None and optional:
            return None
        if kind is float and type(value) is int:
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{self._where}: {name} must be {kind.__name__}, got {value!r}")
        return value
