"""IMEI, IMSI and ICCID in a plan run's files (issue 8 item 6): a run of the access procedures on two virtual
modules of different dialects (BC660K: +QCCID, ML307R: +MCCID) is scanned, every file of its run directory
and of what is made of it (export, cross-run report, comparison), and the output, for the modules' clear
values, which harness.virtual derives from the port URL. None is found by default (run.json, at.log,
junit.xml, report.html, events.jsonl, Parquet all carry hashes); with
`--identifiers clear` run.json says so and keeps them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pyarrow.parquet as pq
import pytest

from harness.cli import main
from harness.results.export import export_runs
from harness.results.identifiers import IdentifierMode, hash_identifier, load_id_key
from harness.virtual.options import parse_virtual_url

from .plan_tester import PlanTester

PORTS = {"nb-a": "virtual://bc660k?ce=0&attach_s=0.1", "cat-a": "virtual://ml307r?attach_s=0.1"}
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "{PORTS["nb-a"]}"
    rat = "nbiot"

    [[module]]
    id = "cat-a"
    port = "{PORTS["cat-a"]}"
    rat = "cat1"
"""
PASSING = """
    [[case]]
    id = "attach"
    test = "test_attach"
    params = { cycles = 1, off_s = 0.05, attempt_timeout_s = 10.0 }
    limits.attach_success_pct = { low = 98 }
"""
# A limit that cannot be met, on one module (a failed case waits for its module's diagnosis): a failed
# case's messages reach junit.xml and report.html as well.
FAILING = """
    [[case]]
    id = "attach-fail"
    test = "test_attach"
    modules = ["nb-a"]
    params = { cycles = 1, off_s = 0.05, attempt_timeout_s = 10.0 }
    limits.attach_success_pct = { high = 50 }
"""


def clear_values() -> dict[str, list[str]]:
    """Each module's IMEI, IMSI and ICCID as its virtual module answers them."""
    found: dict[str, list[str]] = {}
    for module_id, url in PORTS.items():
        identity = parse_virtual_url(url).identity
        found[module_id] = [identity.imei, identity.imsi, identity.iccid]
    return found


def texts_of(root: Path) -> Iterator[tuple[Path, str]]:
    """Every file under `root` as text; a Parquet file as the text of all its cells and metadata."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            yield path, f"{table.schema.metadata}\n{table.to_pandas().to_csv()}"
        else:
            yield path, path.read_bytes().decode("utf-8", errors="replace")


def files_holding(root: Path, values: list[str]) -> list[str]:
    return [f"{path.relative_to(root)}: {v}" for path, text in texts_of(root) for v in values if v in text]


@pytest.fixture
def access_run(plan_tester: PlanTester) -> PlanTester:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PASSING)
    plan_tester.write_family("access")
    return plan_tester


def test_no_file_of_a_run_or_what_is_made_of_it_holds_a_clear_identifier(
    access_run: PlanTester, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    access_run.write_plan(PASSING + FAILING)

    result = access_run.run()

    result.assert_outcomes(passed=2, failed=1)
    run_dir = access_run.run_dir.path
    made = tmp_path / "made"
    export_runs([run_dir], made / "export")
    assert main(["report", str(run_dir), "-o", str(made / "report.html")]) == 0
    assert main(["compare", str(run_dir), str(run_dir), "-o", str(made / "compare.html")]) == 0
    values = [v for module_values in clear_values().values() for v in module_values]
    output = result.stdout.str() + result.stderr.str() + capsys.readouterr().out
    assert files_holding(run_dir, values) == []
    assert files_holding(made, values) == []
    assert [v for v in values if v in output] == []
    # what is there instead: the keyed hashes, the same in run.json and in the module's at.log
    record = access_run.run_record()
    assert record.identifiers is IdentifierMode.HASHED
    key = load_id_key(access_run.results_path)
    for module in record.modules:
        imei, imsi, iccid = clear_values()[module.module_id]
        assert (module.imei_hash, module.imsi_hash, module.iccid_hash) == tuple(
            hash_identifier(v, key) for v in (imei, imsi, iccid)
        )
        at_log = (run_dir / "tests" / f"attach@{module.module_id}" / "at.log").read_text(encoding="utf-8")
        assert {module.imei_hash, module.imsi_hash, module.iccid_hash} <= set(at_log.split())


def test_identifiers_clear_keeps_them_and_run_json_says_so(access_run: PlanTester) -> None:
    result = access_run.run("--identifiers=clear")

    result.assert_outcomes(passed=2)
    document = json.loads(access_run.run_dir.run_json.read_text(encoding="utf-8"))
    assert document["identifiers"] == "clear"
    for module in document["modules"]:
        imei, imsi, iccid = clear_values()[module["module_id"]]
        assert (module["imei"], module["imsi"], module["iccid"]) == (imei, imsi, iccid)
        assert module["imei_hash"].startswith("h:")
        at_log = access_run.run_dir.path / "tests" / f"attach@{module['module_id']}" / "at.log"
        assert {imei, imsi, iccid} <= set(at_log.read_text(encoding="utf-8").split())
    # the scan of the hashed run would have seen them
    holding = files_holding(access_run.run_dir.path, clear_values()["nb-a"])
    assert {line.split(":")[0] for line in holding} == {"run.json", "tests/attach@nb-a/at.log"}


def test_a_wrong_identifiers_setting_names_its_source(
    access_run: PlanTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIOT_IDENTIFIERS", "plain")

    result = access_run.run()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "MIOT_IDENTIFIERS 'plain': give hashed or clear" in result.stderr.str()
    assert not access_run.results_path.exists()
