"""The examples in docs/ are true: every `# example: NAME` TOML block is a plan that loads (or, when an
`# output: NAME` block follows, fails with exactly that output), the first plan runs on the virtual rig and
passes, and the procedure table of docs/writing-a-plan.md names every param of every procedure (issue 8
item 7: each example run in a test)."""

from __future__ import annotations

import dataclasses
import enum
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from harness.plan import load_plan, plan_rig_problems
from harness.pytest_plugin.cases import plan_problems, procedures_in
from harness.results import read_measurements
from harness.rig import load_rig

CHECKOUT = Path(__file__).resolve().parents[1]
PLAN_GUIDE = CHECKOUT / "docs/writing-a-plan.md"
VIRTUAL_RIG = CHECKOUT / "fixtures/rigs/virtual.toml"
READING_GUIDE = CHECKOUT / "docs/reading-the-report.md"
_BLOCK = re.compile(r"```(toml|text|sh)\n# (example|output): ([a-z0-9-]+)\n(.*?)```", re.DOTALL)
_SQL = re.compile(r"```sql\n-- example: duckdb\n(.*?)```", re.DOTALL)
RUN_TIMEOUT_S = 300


def blocks(kind: str, guide: Path = PLAN_GUIDE) -> dict[str, str]:
    text = guide.read_text(encoding="utf-8")
    return {name: body for _, found, name, body in _BLOCK.findall(text) if found == kind}


def run_miot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_the_guide_has_examples_and_their_outputs() -> None:
    assert {"first-plan", "sweep", "mistakes"} <= set(blocks("example"))
    assert set(blocks("output")) <= set(blocks("example"))


@pytest.mark.parametrize("name", sorted(set(blocks("example")) - set(blocks("output"))))
def test_an_example_plan_is_valid_and_fits_the_virtual_rig(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(blocks("example")[name], encoding="utf-8")
    plan = load_plan(path)
    assert plan_problems(plan, procedures_in(CHECKOUT / "testplans")) == []
    assert plan_rig_problems(plan, load_rig(VIRTUAL_RIG)) == []


@pytest.mark.parametrize("name", sorted(blocks("output")))
def test_a_wrong_example_fails_with_the_output_shown(name: str, tmp_path: Path) -> None:
    (tmp_path / f"{name}.toml").write_text(blocks("example")[name], encoding="utf-8")
    plan_arg = f"--plan={name}.toml"
    completed = run_miot("run", plan_arg, f"--rig={VIRTUAL_RIG}", f"--results={tmp_path / 'r'}", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr == blocks("output")[name]
    assert "Traceback" not in completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide's first plan run on the virtual rig into `<tmp>/results` (run id `doc`); the directory
    holding `results/`, where the commands of docs/reading-the-report.md run."""
    where = tmp_path_factory.mktemp("doc-run")
    plan = where / "my-plan.toml"
    plan.write_text(blocks("example")["first-plan"], encoding="utf-8")
    completed = run_miot(
        "run", f"--plan={plan}", f"--results={where / 'results'}", "--run-id=doc", cwd=CHECKOUT
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return where


def test_the_first_plan_runs_on_the_virtual_rig_and_passes(first_run: Path) -> None:
    measurements = read_measurements(first_run / "results/doc/measurements.csv")
    judged = measurements.dropna(subset=["high"])
    assert set(judged["metric"]) == {"rtt_p50_ms", "loss_pct", "attach_time_p50_s"}
    assert set(judged["outcome"]) <= {"pass", "marginal"}


@pytest.mark.parametrize("name", ["report", "compare", "export"])
def test_the_commands_of_the_results_guide_run(first_run: Path, name: str) -> None:
    for line in blocks("example", READING_GUIDE)[name].splitlines():
        program, *args = shlex.split(line)
        assert program == "miot"
        completed = run_miot(*args, cwd=first_run)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "Traceback" not in completed.stderr
    expected = {"report": ["capability.html", "capability-zh.html"], "compare": [], "export": ["lake/runs"]}
    assert all((first_run / path).exists() for path in expected[name])


def test_the_duckdb_query_of_the_results_guide(first_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    duckdb = pytest.importorskip("duckdb", reason="duckdb is a dev dependency (pip install -e '.[dev]')")
    monkeypatch.chdir(first_run)
    if not (first_run / "lake").exists():
        assert run_miot("export", "results/latest", "--to", "lake", cwd=first_run).returncode == 0
    query = _SQL.search(READING_GUIDE.read_text(encoding="utf-8"))
    assert query is not None
    rows = duckdb.sql(query[1]).fetchall()
    assert [module for module, _ in rows] == ["nb-ce0"]
    assert rows[0][1] > 0


def procedure_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in PLAN_GUIDE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`test_[a-z0-9_]+`", cells[1]):
            rows[cells[1].strip("`")] = cells[2]
    return rows


def test_the_procedure_table_names_every_procedure_and_param() -> None:
    rows = procedure_rows()
    procedures = procedures_in(CHECKOUT / "testplans")
    assert set(rows) == set(procedures)
    for name, spec in procedures.items():
        row = rows[name]
        if spec is None or row.startswith("as `"):
            continue
        fields = dataclasses.fields(spec)
        documented = set(re.findall(r"`([a-z0-9_]+)` \(", row))
        assert documented == {f.name for f in fields}, name
        for f in fields:
            if isinstance(f.default, enum.Enum):
                choices = {str(member.value) for member in type(f.default)}
                shown = set(
                    re.findall(rf"`{f.name}` \(([^)]*)\)", row)[0]
                    .replace('"', "")
                    .replace(" or ", ", ")
                    .split(", ")
                )
                assert shown == choices, f"{name}.{f.name}"
