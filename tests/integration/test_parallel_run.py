"""Four modules side by side (issue 8 item 3): `miot run --parallel` on three virtual modules and a fourth
reached as a lab reaches a remote one, its pty served by ser2net over RFC 2217. One xdist worker per module,
a module's cases on its worker; run.json gathers every worker's modules and outcomes; a module whose port
another run holds errors naming the holder while the others run on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.results import CaseState, read_measurements, read_run, read_run_record
from harness.transport.port_lock import hold_port, this_holder
from harness.virtual.process import start_virtual_module
from tests.ser2net_server import needs_ser2net, ser2net_rfc2217

pytestmark = [
    needs_ser2net,
    pytest.mark.filterwarnings(r"ignore:set(Daemon|Name)\(\) is deprecated:DeprecationWarning"),
]
CHECKOUT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 240
LOCAL_MODULES = {
    "nb-a": ("virtual://bc660k?ce=0&attach_s=0", "nbiot"),
    "nb-b": ("virtual://bc660k?ce=0&attach_s=0&rsrp=-95", "nbiot"),
    "cat1-a": ("virtual://ml307r?attach_s=0", "cat1"),
}
PLAN = """
[plan]
name = "parallel"

[[case]]
id = "echo"
test = "test_udp_echo"
params = { probes = 10, interval_s = 0.2, timeout_s = 20.0 }
sweep = { payload_bytes = [32, 64] }
limits.loss_pct = { high = 10, source = "test: lossless virtual links at CE0 and Cat-1" }
"""
_PASSED_LINE = re.compile(
    r"^\[(gw\d+)\].* (PASSED|FAILED|ERROR|SKIPPED) .*\[echo\.payload_bytes-\d+@([\w-]+)\]"
)


@pytest.fixture
def remote_url(tmp_path: Path) -> Iterator[str]:
    """A virtual module served by ser2net, as a rig host serves a USB module (no control channel: the run
    knows it only by its rfc2217:// URL)."""
    module = start_virtual_module("virtual://bc660k?ce=0&attach_s=0")
    module.go()
    try:
        with ser2net_rfc2217(module.tty_path, tmp_path) as url:
            yield url
    finally:
        module.stop()


def write_inputs(tmp_path: Path, remote_url: str) -> tuple[Path, Path]:
    modules = [*LOCAL_MODULES.items(), ("remote", (remote_url, "nbiot"))]
    tables = "".join(
        f'\n[[module]]\nid = "{module_id}"\nport = "{port}"\nrat = "{rat}"\n'
        '[module.sim]\noperator = "00101"\napn = "iot.test"\n'
        for module_id, (port, rat) in modules
    )
    rig = tmp_path / "rig.toml"
    rig.write_text('[rig]\nname = "parallel"\n[capture]\npoint = "off"\n' + tables, encoding="utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    return rig, plan


def run_parallel(
    tmp_path: Path, rig: Path, plan: Path, lock_dir: Path, *pytest_args: str
) -> subprocess.CompletedProcess[str]:
    inputs = [f"--rig={rig}", f"--plan={plan}", f"--results={tmp_path / 'results'}", "--run-id=par"]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MIOT_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            *inputs,
            "--parallel",
            "--",
            "-v",
            "-p",
            "no:cacheprovider",
            *pytest_args,
        ],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
        env={**environment, "MIOT_LOCK_DIR": str(lock_dir)},
    )


def workers_by_module(output: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for line in output.splitlines():
        if match := _PASSED_LINE.match(line):
            found[match[3]].add(match[1])
    return found


def test_four_modules_run_side_by_side_one_worker_each(tmp_path: Path, remote_url: str) -> None:
    rig, plan = write_inputs(tmp_path, remote_url)
    completed = run_parallel(tmp_path, rig, plan, tmp_path / "locks")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output

    workers = workers_by_module(output)
    assert set(workers) == {*LOCAL_MODULES, "remote"}
    assert all(len(names) == 1 for names in workers.values()), workers  # a module's cases on one worker
    assert len(set().union(*workers.values())) == 4  # and each module on its own
    run_dir = tmp_path / "results/par"
    record = read_run_record(run_dir / "run.json")
    assert {m.module_id for m in record.modules} == {*LOCAL_MODULES, "remote"}
    assert dict(record.outcome_counts) == {"pass": 8}
    assert record.ended_utc is not None
    measurements = read_measurements(run_dir / "measurements.csv")
    assert measurements.groupby("module_id")["test_id"].nunique().to_dict() == dict.fromkeys(workers, 2)
    cases = read_run(run_dir).cases  # each worker wrote its own cases' case.json
    assert [(case.state, case.outcome) for case in cases] == [(CaseState.FINISHED, "pass")] * 8


def test_a_module_held_by_another_run_errors_and_the_others_run_on(tmp_path: Path, remote_url: str) -> None:
    rig, plan = write_inputs(tmp_path, remote_url)
    lock_dir = tmp_path / "locks"
    nightly = this_holder("nightly-7", "nb-9", now=datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    with hold_port(remote_url, nightly, directory=lock_dir):
        completed = run_parallel(tmp_path, rig, plan, lock_dir)
    output = completed.stdout + completed.stderr

    assert completed.returncode == 1, output
    assert "module remote: port rfc2217://127.0.0.1:" in output
    assert "is in use by run nightly-7 (module nb-9" in output
    record = read_run_record(tmp_path / "results/par/run.json")
    assert dict(record.outcome_counts) == {"pass": 6, "error": 1, "skipped": 1}
    case_outcomes = Counter(case.outcome for case in read_run(tmp_path / "results/par").cases)
    assert case_outcomes == record.outcome_counts
    assert {m.module_id for m in record.modules} == set(LOCAL_MODULES)
    assert json.loads((tmp_path / "results/par/run.json").read_text())["ended_utc"] is not None


# Faults from the module's boot; its first case (20 probes, 0.5 s apart) is running by then.
FAULTY_MODULES = {
    "nb-reboot": "virtual://bc660k?ce=0&attach_s=0&faults=reboot&reboot.at_s=7",
    "nb-vanish": "virtual://bc660k?ce=0&attach_s=0&faults=port_vanish&port_vanish.at_s=7&port_vanish.reappear_s=2",
    # hangs 40 s: still hung when its case has failed and the module is probed (about 26 s after boot: the
    # send's 10 s timeout, the close's 5 s, the wait for a reboot's RDY), over before the reset's wait for an
    # answer (timeout_s 60) runs out
    "nb-hang": "virtual://bc660k?ce=0&attach_s=0&faults=no_response&no_response.at_s=6&no_response.duration_s=40",
}
FAULT_PLAN = """
[plan]
name = "faults"

[[case]]
id = "first"
test = "test_udp_echo"
params = { probes = 20, interval_s = 0.5, timeout_s = 3.0 }
limits.loss_pct = { high = 10, source = "test" }

[[case]]
id = "second"
test = "test_udp_echo"
params = { probes = 5, interval_s = 0.2, timeout_s = 3.0 }
limits.loss_pct = { high = 10, source = "test" }
"""


def test_hangs_reboots_and_vanished_ports_mid_case_are_errors_and_the_run_goes_on(
    tmp_path: Path, remote_url: str
) -> None:
    """Three modules meet a fault in their first case while a fourth, behind ser2net, runs clean: each
    faulty first case is an ERROR naming the fault and the recovery, its rows kept as unchecked, and every
    module passes its second case."""
    modules = [*((module_id, port) for module_id, port in FAULTY_MODULES.items()), ("remote", remote_url)]
    tables = "".join(
        f'\n[[module]]\nid = "{module_id}"\nport = "{port}"\nrat = "nbiot"\nreset = {{ timeout_s = 60 }}\n'
        '[module.sim]\noperator = "00101"\napn = "iot.test"\n'
        for module_id, port in modules
    )
    rig, plan = tmp_path / "rig.toml", tmp_path / "plan.toml"
    rig.write_text('[rig]\nname = "faults"\n[capture]\npoint = "off"\n' + tables, encoding="utf-8")
    plan.write_text(FAULT_PLAN, encoding="utf-8")

    # radio sampling off: a sampler's reads of a hung module would hold its port past the hang
    completed = run_parallel(tmp_path, rig, plan, tmp_path / "locks", "--radio-every-s=0")
    output = completed.stdout + completed.stderr

    assert completed.returncode == 1, output
    for module_id, kind in (("nb-reboot", "rebooted"), ("nb-vanish", "vanished"), ("nb-hang", "hung")):
        assert re.search(rf"ERROR .*first@{module_id}", output), output
        assert re.search(rf"module {module_id} {kind} \(.*\); recovered in [\d.]+ s", output), output
    run_dir = tmp_path / "results/par"
    record = read_run_record(run_dir / "run.json")
    assert dict(record.outcome_counts) == {"error": 3, "pass": 5}
    measurements = read_measurements(run_dir / "measurements.csv")
    second = measurements[measurements["case_id"] == "second"]
    assert set(second["module_id"]) == {*FAULTY_MODULES, "remote"}
    assert set(second["outcome"]) <= {"pass", "unchecked"}
    faulty_first = measurements[
        (measurements["case_id"] == "first") & (measurements["module_id"] != "remote")
    ]
    assert set(faulty_first["outcome"]) == {"unchecked"}
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    faults = {e["test_id"]: e["kind"] for e in events if e["event"] == "module_fault"}
    assert faults == {"first@nb-reboot": "rebooted", "first@nb-vanish": "vanished", "first@nb-hang": "hung"}
    states = {p.parent.name: json.loads(p.read_text())["outcome"] for p in run_dir.glob("tests/*/case.json")}
    assert states == {
        **{f"first@{m}": "error" for m in FAULTY_MODULES},
        "first@remote": "pass",
        **{f"second@{m}": "pass" for m in (*FAULTY_MODULES, "remote")},
    }
