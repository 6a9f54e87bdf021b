"""results layer: how long each case of an earlier run of a plan took, from the run's junit.xml (DESIGN "What
a run writes"), so a new run of the same plan can estimate its time left (harness.pytest_plugin.progress).

pytest's junitxml writes one <testcase> per test: `name` is the test function with the case's test id in
brackets (`test_udp_echo[echo.ce1@nb-ce1]`), `time` its setup, call and teardown in seconds (the first case
on a module carries the module's bring-up too). junit.xml is written as the run ends: a run killed midway
has none, and gives no durations.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from harness.results.run_directory import RunDirectory
from harness.results.run_record import read_run_record


def case_key(test_name: str) -> str:
    """The case's test id in a test's name or node id (`...::test_udp_echo[echo@nb-a]` -> `echo@nb-a`);
    the name itself for a test without one."""
    head, bracket, rest = test_name.partition("[")
    if bracket and rest.endswith("]"):
        return rest[:-1]
    return head.rpartition("::")[2]


def previous_run(root: Path, *, plan_path: str, run_id: str) -> RunDirectory | None:
    """The run under `root` that started last before `run_id` among those of the same plan file with a
    junit.xml; None when there is none. Runs whose run.json cannot be read are passed over."""
    candidates = []
    for run_json in Path(root).glob("*/run.json"):
        run = RunDirectory(root=Path(root), run_id=run_json.parent.name)
        # `latest` links to a run listed under its own name (and, as a run starts, to that very run)
        if run.run_id == run_id or run.path.is_symlink() or not run.junit_xml.is_file():
            continue
        try:
            record = read_run_record(run_json)
        except (OSError, ValueError):
            continue
        if record.plan is not None and record.plan.path == plan_path:
            candidates.append((record.started_utc, run.run_id, run))
    return max(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def case_durations(run: RunDirectory) -> dict[str, float]:
    """Seconds per case key (case_key) of the run's junit.xml; empty when it cannot be read."""
    try:
        tree = ElementTree.parse(run.junit_xml)  # a file this harness wrote: no untrusted XML
    except (OSError, ElementTree.ParseError):
        return {}
    durations: dict[str, float] = {}
    for testcase in tree.iter("testcase"):
        try:
            durations[case_key(testcase.get("name", ""))] = float(testcase.get("time", ""))
        except ValueError:
            continue
    return durations
