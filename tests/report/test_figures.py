from pathlib import Path

import pandas as pd

from harness.kpi import Outcome
from harness.report.figures import run_figures
from harness.results.measurements import COLUMNS, MeasurementsWriter
from harness.results.samples import write_samples

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_test(run_dir: Path, test_id: str, module_id: str, rtt_ms: list[float] | None) -> None:
    row = dict.fromkeys(COLUMNS) | {
        "run_id": run_dir.name,
        "test_id": test_id,
        "case_id": test_id.split("@")[0],
        "iteration": 0,
        "module_id": module_id,
        "rat": "nbiot",
        "metric": "rtt_p50_ms",
        "value": 1.0,
        "unit": "ms",
        "outcome": str(Outcome.PASS),
        "recorded_utc": "2026-11-26T00:00:00Z",
    }
    MeasurementsWriter(run_dir / "measurements.csv").append([row])
    if rtt_ms is not None:
        test_dir = run_dir / "tests" / test_id
        test_dir.mkdir(parents=True)
        frame = pd.DataFrame(
            {"t_s": range(len(rtt_ms)), "rtt_ms": rtt_ms, "is_warmup": [True] + [False] * (len(rtt_ms) - 1)}
        )
        write_samples(test_dir, "udp_echo", frame)


def test_one_rtt_cdf_per_module_pooled_across_runs_and_none_without_samples(tmp_path: Path) -> None:
    first, second = tmp_path / "run-a", tmp_path / "run-b"
    first.mkdir(), second.mkdir()
    write_test(first, "echo@nb-ce0", "nb-ce0", [900.0, 100.0, 110.0])
    write_test(second, "echo@nb-ce0", "nb-ce0", [5.0, 120.0])
    write_test(second, "echo@cat1", "cat1", [50.0, 40.0, float("nan")])
    write_test(second, "attach@redcap", "redcap", None)

    figures = run_figures([first, second], lang="en")

    assert [f.key for f in figures] == ["rtt-cdf-cat1", "rtt-cdf-nb-ce0"]
    assert all(f.png.startswith(PNG_SIGNATURE) for f in figures)
    assert figures[1].title == "RTT CDF, nb-ce0"
    assert run_figures([first], lang="zh")[0].title == "往返时延累积分布, nb-ce0"


def test_a_run_without_measurements_has_no_figures(tmp_path: Path) -> None:
    assert run_figures([tmp_path], lang="en") == []
