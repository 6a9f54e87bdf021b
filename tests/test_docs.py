"""The examples in docs/ are true (issue 8 item 7: each example run in a test).

writing-a-plan.md: every `# example: NAME` plan loads and fits the virtual rig (or, with an `# output:
NAME` block, fails with exactly that output), the first one runs and passes, and the procedure table names
every param. reading-the-report.md: its miot commands and DuckDB query run on that run. setting-up-a-rig.md:
its lab rig is valid but for the device paths this machine lacks, and its ser2net.yaml serves a module."""

from __future__ import annotations

import dataclasses
import enum
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from harness.dialects import ConnectOptions, connect, rig_connection_problems
from harness.errors import InputError
from harness.plan import load_plan, plan_rig_problems
from harness.power import analyzer_problems
from harness.pytest_plugin.cases import plan_problems, procedures_in
from harness.results import read_measurements
from harness.rig import load_rig, rig_power_problems
from harness.virtual.process import start_virtual_module
from tests.ser2net_server import free_tcp_port, needs_ser2net, ser2net_serving

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


RIG_GUIDE = CHECKOUT / "docs/setting-up-a-rig.md"
_YAML = re.compile(r"```yaml\n# example: ([a-z0-9-]+)\n(.*?)```", re.DOTALL)


def test_the_lab_rig_is_valid_but_for_the_devices_this_machine_lacks(tmp_path: Path) -> None:
    text = blocks("example", RIG_GUIDE)["lab-rig"]
    path = tmp_path / "lab.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_rig(path)
    assert [(p.field, p.message.split(" does not exist")[0]) for p in raised.value.problems] == [
        ("module[0].port", "/dev/miot/nb-1"),
        ("module[1].port", "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KXYZ2-if00-port0"),
    ]
    path.write_text(re.sub(r'port = "/dev/[^"]+"', 'port = "/dev/null"', text), encoding="utf-8")
    rig = load_rig(path)
    assert [m.id for m in rig.modules] == ["nb-1", "nb-2", "cat1-1"]
    assert rig_connection_problems(rig) == []
    assert rig_power_problems(rig, analyzer_problems) == []


@needs_ser2net
@pytest.mark.filterwarnings(r"ignore:set(Daemon|Name)\(\) is deprecated:DeprecationWarning")
def test_the_ser2net_configuration_serves_a_module(tmp_path: Path) -> None:
    """The guide's ser2net.yaml, with a virtual module's tty for the device and loopback for the listener."""
    [config] = [
        body for name, body in _YAML.findall(RIG_GUIDE.read_text(encoding="utf-8")) if name == "ser2net"
    ]
    module = start_virtual_module("virtual://bc660k?attach_s=0")
    module.go()
    try:
        port = free_tcp_port()
        served = config.replace("/dev/miot/cat1-1", module.tty_path).replace(
            "tcp,7001", f"tcp,127.0.0.1,{port}"
        )
        with ser2net_serving(served, port, tmp_path) as url, connect(url, ConnectOptions()) as link:
            assert link.modem.identity().model == "Quectel_BC660K-GL"
    finally:
        module.stop()
