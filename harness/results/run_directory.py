"""results layer: the directory one run writes into (DESIGN "What a run writes").

    results/<run_id>/run.json, measurements.csv, events.jsonl, report.html, junit.xml
    results/<run_id>/tests/<test_id>/at.log, samples-<engine>.parquet, radio.parquet, ...
    results/latest -> <run_id>            (relative symlink, replaced atomically)

Run ids are UTC timestamps with a short random suffix (`20261125T153252Z-1a2b`): they sort by start time
to the second and two runs started in the same second on one machine do not collide.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LATEST = "latest"
_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,127}$")


def new_run_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def check_path_component(text: str, what: str) -> str:
    """`text` if it is safe as one file name (no separator, no `..`, no leading dot or dash), else
    ValueError naming `what` it was meant to be."""
    if not _SAFE_COMPONENT.fullmatch(text) or ".." in text:
        raise ValueError(
            f"{what} {text!r} is not a safe file name: use 1-128 letters, digits and . _ @ + = -, "
            "starting with a letter or digit, without '..'"
        )
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDirectory:
    root: Path
    run_id: str

    @classmethod
    def create(cls, root: Path, run_id: str | None = None) -> RunDirectory:
        """Make `root/<run_id>` (it must not exist yet) and point `root/latest` at it."""
        run = cls(root=Path(root), run_id=check_run_id(new_run_id() if run_id is None else run_id))
        run.path.mkdir(parents=True)
        run.tests_path.mkdir()
        link_latest(run.root, run.run_id)
        return run

    @classmethod
    def open(cls, path: Path) -> RunDirectory:
        """An existing run directory, e.g. to write its report after the run; `results/latest` opens the
        run it links to."""
        if not Path(path).is_dir():
            raise FileNotFoundError(f"no run directory at {path}")
        real = Path(path).resolve()
        return cls(root=real.parent, run_id=check_run_id(real.name))

    @property
    def path(self) -> Path:
        return self.root / self.run_id

    @property
    def tests_path(self) -> Path:
        return self.path / "tests"

    @property
    def run_json(self) -> Path:
        return self.path / "run.json"

    @property
    def measurements_csv(self) -> Path:
        return self.path / "measurements.csv"

    @property
    def events_jsonl(self) -> Path:
        return self.path / "events.jsonl"

    @property
    def report_html(self) -> Path:
        return self.path / "report.html"

    @property
    def junit_xml(self) -> Path:
        return self.path / "junit.xml"

    def test_dir(self, test_id: str) -> Path:
        """`tests/<test_id>/`, created if needed; test ids look like `echo-64b@nb-ce0`."""
        path = self.tests_path / check_path_component(test_id, "test id")
        path.mkdir(parents=True, exist_ok=True)
        return path


def check_run_id(run_id: str) -> str:
    check_path_component(run_id, "run id")
    if run_id == LATEST:
        raise ValueError(f"run id {LATEST!r} is reserved for the link to the newest run")
    return run_id


def link_latest(root: Path, run_id: str) -> None:
    """Point `root/latest` at `run_id`: a new link under a temporary name renamed over the old one, so a
    reader sees the old run or the new one, never no link."""
    latest = root / LATEST
    if latest.exists() and not latest.is_symlink():
        raise FileExistsError(f"{latest} exists and is not a symlink; move it away to keep runs linked")
    temporary = root / f".{LATEST}.{secrets.token_hex(4)}.tmp"
    os.symlink(run_id, temporary)
    try:
        os.replace(temporary, latest)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
