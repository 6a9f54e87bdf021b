"""benchmarks/suite.py and performance_page.py: the run of every bench, the one table, the page."""

from __future__ import annotations

import dataclasses
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import suite
from benchmarks.bench_table import BenchFigure
from benchmarks.machine import Machine
from benchmarks.performance_page import PageRun, render_page

ROW = BenchFigure(
    figure="fake figure",
    harness="1 s",
    reference_tool="t",
    reference="2 s",
    ratio=0.5,
    goal="< 3 s",
    met=True,
)


def fake_bench(monkeypatch: pytest.MonkeyPatch, name: str, main: object) -> None:
    module = types.ModuleType(f"benchmarks.bench_{name}")
    module.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_every_bench_module_is_found_and_the_table_module_is_not() -> None:
    names = suite.bench_names()
    assert {"at_exchange", "udp_rtt", "cost_growth", "throughput"} <= set(names)
    assert "table" not in names


def test_a_bench_keeps_its_printed_output_and_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    def main() -> list[BenchFigure]:
        print("detailed table")
        return [ROW]

    fake_bench(monkeypatch, "fake", main)
    output = suite.run_bench("fake")
    assert (output.figures, output.printed) == ([ROW], "detailed table\n")


def test_a_bench_that_raises_becomes_an_unjudged_row(monkeypatch: pytest.MonkeyPatch) -> None:
    def main() -> list[BenchFigure]:
        raise RuntimeError("iperf3: the server is busy")

    fake_bench(monkeypatch, "broken", main)
    output = suite.run_bench("broken")
    (row,) = output.figures
    assert row.met is None
    assert "iperf3: the server is busy" in row.note
    assert "RuntimeError" in output.printed  # the traceback is on the page too


def test_a_bench_with_no_rows_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_bench(monkeypatch, "empty", list)
    (row,) = suite.run_bench("empty").figures
    assert (row.met, row.note) == (None, "the bench returned no figures")


def test_only_names_benches_and_refuses_others(capsys: pytest.CaptureFixture[str]) -> None:
    args = suite.parse_args(["--only", "udp_rtt", "parse", "--no-write"], ["parse", "udp_rtt"])
    assert (args.only, args.no_write) == (["udp_rtt", "parse"], True)
    with pytest.raises(SystemExit):
        suite.parse_args(["--only", "nope"], ["parse"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_main_prints_the_table_and_writes_the_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_bench(monkeypatch, "fake", lambda: [ROW])
    monkeypatch.setattr(suite, "bench_names", lambda: ["fake"])
    page = tmp_path / "performance.md"  # type: ignore[operator]
    assert suite.main(["--output", str(page)]) == 0
    out = capsys.readouterr().out
    assert "fake figure | 1 s" in out
    text = page.read_text()
    assert "| fake figure | 1 s | t | 2 s | 0.5 | < 3 s | yes |  |" in text
    assert "- command: `python -m benchmarks --output " in text


def test_no_write_leaves_the_page_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    fake_bench(monkeypatch, "fake", lambda: [ROW])
    monkeypatch.setattr(suite, "bench_names", lambda: ["fake"])
    page = tmp_path / "performance.md"  # type: ignore[operator]
    assert suite.main(["--no-write", "--output", str(page)]) == 0
    assert not page.exists()


def test_page_holds_machine_run_table_and_each_output() -> None:
    machine = Machine(
        cpu_model="Test CPU",
        cores=2,
        memory_gib=7.5,
        kernel="Linux 6.1",
        python="3.11.7 (/usr/bin/python3)",
        tools=(("irtt", "irtt version: 0.9.0"), ("tshark", "missing")),
        packages=(("numpy", "2.0"),),
    )
    run = PageRun(
        command="python -m benchmarks",
        started_utc=datetime(2026, 11, 26, 5, 0, tzinfo=UTC),
        elapsed_s=754.0,
        load_before=(3.5, 3.0, 2.0),
        load_after=(1.0, 2.0, 2.5),
        machine=machine,
    )
    text = render_page(run, [("udp_rtt", 95.2, "loopback: ...\n")], [ROW])
    checkout_run = dataclasses.replace(run, checkout=Path("/srv/lab/miot"))
    printed = "interpreter: /srv/lab/miot/.venv/bin/python (Python 3.11.7)\n"
    assert "interpreter: .venv/bin/python (Python 3.11.7)" in render_page(
        checkout_run, [("x", 1.0, printed)], []
    )
    assert "- CPU: Test CPU, 2 cores" in text
    assert "- tools: irtt: irtt version: 0.9.0; tshark: missing" in text
    assert "- started: 2026-11-26 05:00 UTC; took 12.6 min" in text
    assert "before: 3.50, 3.00, 2.00; after: 1.00, 2.00, 2.50" in text
    assert "- **run on a loaded machine** (1-minute load 3.5 on 2 cores)" in text
    assert "### bench_udp_rtt (95 s)\n\n```\nloopback: ...\n```" in text
    assert text.index("## Figures") < text.index("| fake figure") < text.index("## Detailed output")
    quiet = render_page(
        dataclasses.replace(run, load_before=(0.5, 0.5, 0.5), load_after=(1.9, 1, 1)), [], [ROW]
    )
    assert "loaded machine" not in quiet
