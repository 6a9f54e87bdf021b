"""Every bench module's main() returns BenchFigure rows; where its tools or root are missing it says so in
unjudged rows instead of failing. The slow benches are run in a short form or through their pure parts."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pytest

from benchmarks import (
    bench_at_exchange,
    bench_cost_growth,
    bench_parse,
    bench_pcap_analysis,
    bench_power,
    bench_report_aggregation,
)
from benchmarks.bench_table import BenchFigure
from benchmarks.suite import PREFIX, bench_names
from harness.plan import load_plan
from harness.rig import load_rig


@pytest.mark.parametrize("name", bench_names())
def test_every_bench_main_is_declared_to_return_rows(name: str) -> None:
    main = importlib.import_module(f"benchmarks.{PREFIX}{name}").main
    assert typing.get_type_hints(main)["return"] == list[BenchFigure]


@pytest.mark.parametrize("name", ["throughput", "capture", "data_interface", "udp_rtt"])
def test_benches_without_their_tools_return_unjudged_rows(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ip, tc, iperf3, tcpdump, irtt or ping
    module = importlib.import_module(f"benchmarks.{PREFIX}{name}")
    if name == "udp_rtt":
        monkeypatch.setattr(module, "ROUNDS", 1)
        monkeypatch.setattr(module, "PROBES_PER_ROUND", 5)
    rows = module.main()
    assert rows
    assert all(isinstance(row, BenchFigure) and row.met is None and row.note for row in rows)


def test_udp_rtt_without_tools_still_measures_the_harness(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from benchmarks import bench_udp_rtt

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(bench_udp_rtt, "ROUNDS", 1)
    monkeypatch.setattr(bench_udp_rtt, "PROBES_PER_ROUND", 5)
    loopback = [row for row in bench_udp_rtt.main() if "loopback" in row.figure]
    assert len(loopback) == 4
    assert all(row.harness.endswith(" us") and row.reference == "-" for row in loopback)


def test_at_exchange_short_run_is_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_at_exchange, "ROUNDS", 2)
    monkeypatch.setattr(bench_at_exchange, "EXCHANGES_PER_BLOCK", 5)
    rows = bench_at_exchange.main()
    assert [row.goal for row in rows] == ["<= 1.5x", "<= 1.5x"]
    assert all(row.met is (row.ratio is not None and row.ratio <= 1.5) for row in rows)


def test_parse_and_power_short_runs_return_context_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_parse, "ROUNDS", 1)
    monkeypatch.setattr(bench_parse, "LINES_PER_BLOCK", 100)
    monkeypatch.setattr(bench_power, "ROUNDS", 1)
    monkeypatch.setattr(bench_power, "CASES", ((1.0, 1_000.0),))
    monkeypatch.setattr(bench_power, "LONGEST", (1.0, 1_000.0))
    rows = bench_parse.main() + bench_power.main()
    assert len(rows) == 2
    assert all(row.met is None for row in rows)


def test_pcap_analysis_without_tshark_is_unjudged_and_judged_with_it() -> None:
    missing = bench_pcap_analysis.figure_of("stream", 1e6, None)
    assert (missing.met, missing.harness) == (None, "-")
    assert "tshark" in missing.note
    assert bench_pcap_analysis.figure_of("stream", 1e6, 5e4).met is False  # 20x
    assert bench_pcap_analysis.figure_of("mixed", 1e6, 4e4).met is True  # 25x


def test_report_aggregation_rows_without_duckdb_keep_the_goals() -> None:
    ours: dict[str, object] = {"seconds": 12.5, "peak_kib": 1024 * 1024, "groups": 4}
    time_row, memory_row = bench_report_aggregation.figures_of(ours, None)
    assert (time_row.harness, time_row.met, time_row.ratio) == ("12.50 s", False, None)
    assert (memory_row.harness, memory_row.met) == ("1024 MiB", True)
    assert "duckdb" in time_row.note
    theirs: dict[str, object] = {"seconds": 2.5, "peak_kib": 512 * 1024, "groups": 4}
    time_row, memory_row = bench_report_aggregation.figures_of(ours, theirs)
    assert (time_row.ratio, memory_row.ratio, time_row.reference) == (5.0, 2.0, "2.50 s")


def test_cost_growth_plan_is_the_smoke_subset_on_every_module(tmp_path: Path) -> None:
    plan_file, rig_file = tmp_path / "plan.toml", tmp_path / "rig.toml"
    plan_file.write_text(
        bench_cost_growth.subset_plan(
            bench_cost_growth.SMOKE_PLAN.read_text(), bench_cost_growth.SUBSET_CASES
        )
    )
    rig_file.write_text(bench_cost_growth.virtual_rig(3))
    plan, rig = load_plan(plan_file), load_rig(rig_file)
    smoke = {case.id: case for case in load_plan(bench_cost_growth.SMOKE_PLAN).cases}
    assert tuple(case.id for case in plan.cases) == bench_cost_growth.SUBSET_CASES
    for case in plan.cases:
        assert (case.test, case.params) == (smoke[case.id].test, smoke[case.id].params)
        assert [module.id for module in case.select(rig.modules)] == ["nb-0", "nb-1", "nb-2"]


def test_cost_growth_refuses_a_subset_smoke_lacks() -> None:
    with pytest.raises(ValueError, match="lacks some of the cases"):
        bench_cost_growth.subset_plan(bench_cost_growth.SMOKE_PLAN.read_text(), ("echo-ce1", "no-such-case"))


def test_cost_growth_rows_compare_with_the_smallest() -> None:
    cost = bench_cost_growth.Cost
    costs = {1: cost(wall_s=40.0, cpu_s=20.0, peak_tree_mib=150.0, peak_process_mib=90.0, exit_status=0)}
    costs[8] = cost(wall_s=80.0, cpu_s=100.0, peak_tree_mib=900.0, peak_process_mib=95.0, exit_status=1)
    first, last = bench_cost_growth.figures_of("miot run", "modules", costs)
    assert (first.ratio, last.ratio, last.reference_tool) == (1.0, 2.0, "1 module")
    assert last.harness == "80.0 s wall, 100.0 s CPU, 900 MiB"
    assert (
        last.note == "ratio: wall time; CPU 5.00x; MiB: the tree's resident peak; exit status 1 (see its log)"
    )
