"""Case durations of an earlier run (harness/results/case_durations.py): the previous run is the latest other
run of the same plan file that wrote a junit.xml; each <testcase>'s time is keyed by the case's test id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.results import RunDirectory
from harness.results.case_durations import case_durations, case_key, previous_run
from harness.results.run_record import FileRef, RunRecord, write_run_record

PLAN = "/lab/testplans/nbiot-capability.toml"
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="testplans.test_latency" name="test_udp_echo[echo.ce1@nb-ce1]" time="48.25" />
<testcase classname="testplans.test_latency" name="test_ping[ping@nb-ce1+2]" time="12.5" />
<testcase classname="testplans.test_latency" name="test_broken[x@m]" time="" />
</testsuite></testsuites>"""


def make_run(root: Path, run_id: str, *, plan: str = PLAN, hours: int = 0, junit: str | None = JUNIT) -> None:
    run = RunDirectory.create(root, run_id)
    record = RunRecord(
        harness_version="0.1.0",
        commit=None,
        invocation=("miot", "run"),
        started_utc=T0 + timedelta(hours=hours),
        plan=FileRef(path=plan, sha256="0" * 64),
    )
    write_run_record(run.run_json, record)
    if junit is not None:
        run.junit_xml.write_text(junit, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("test_udp_echo[echo.ce1@nb-ce1]", "echo.ce1@nb-ce1"),
        ("testplans/test_latency.py::test_ping[ping@nb-a+2]", "ping@nb-a+2"),
        ("testplans/test_latency.py::test_plain", "test_plain"),
    ],
)
def test_the_key_is_the_cases_test_id(name: str, key: str) -> None:
    assert case_key(name) == key


def test_the_previous_run_is_the_latest_other_finished_run_of_the_same_plan(tmp_path: Path) -> None:
    make_run(tmp_path, "old", hours=0)
    make_run(tmp_path, "newer", hours=2)
    make_run(tmp_path, "killed", hours=3, junit=None)  # no junit.xml: killed before its end
    make_run(tmp_path, "other-plan", hours=4, plan="/lab/testplans/smoke.toml")
    make_run(tmp_path, "current", hours=5)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{", encoding="utf-8")
    (tmp_path / "broken" / "junit.xml").write_text(JUNIT, encoding="utf-8")

    found = previous_run(tmp_path, plan_path=PLAN, run_id="current")

    assert found is not None
    assert found.run_id == "newer"


def test_no_earlier_run_of_the_plan_gives_none(tmp_path: Path) -> None:
    make_run(tmp_path, "current")
    assert previous_run(tmp_path, plan_path=PLAN, run_id="current") is None
    assert previous_run(tmp_path / "absent", plan_path=PLAN, run_id="current") is None


def test_durations_by_case_and_an_unreadable_time_left_out(tmp_path: Path) -> None:
    make_run(tmp_path, "old")
    durations = case_durations(RunDirectory(root=tmp_path, run_id="old"))
    assert durations == {"echo.ce1@nb-ce1": 48.25, "ping@nb-ce1+2": 12.5}


def test_a_truncated_junit_gives_no_durations(tmp_path: Path) -> None:
    make_run(tmp_path, "old", junit=JUNIT[:120])
    assert case_durations(RunDirectory(root=tmp_path, run_id="old")) == {}
