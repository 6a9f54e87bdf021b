"""`miot compare` (harness/report/compare.py, compare_table.py, harness/cli_compare.py) on runs with known
figures: a clear RTT regression, identical runs, an improvement, loss counts, per-iteration values, too few
values, tolerances, the HTML page and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from harness.cli import main
from harness.metrics import Limit, MetricValue
from harness.report.compare import CompareSettings, Verdict, compare_runs
from harness.report.compare_table import comparison_table_html
from harness.report.run_metrics import MetricKey
from harness.report.tolerance import Tolerance, Tolerances
from harness.results import read_measurements

from .run_builder import RecordedTest, echo_test, iperf3_test, normal_rtts, write_run

SETTINGS = CompareSettings(resamples=500)


def miot_compare(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, list[str]]:
    code = main(["compare", *(str(a) for a in args), "--resamples", "500"])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def row_of(lines: list[str], metric: str) -> str:
    return next(line for line in lines if re.search(rf"\s{metric}\s", line))


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    return write_run(tmp_path, "base", [echo_test(normal_rtts(1, mean_ms=100))])


def test_a_clear_rtt_regression_exits_1_naming_rtt(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = write_run(tmp_path, "slow", [echo_test(normal_rtts(2, mean_ms=150))])

    code, lines = miot_compare(capsys, baseline, current)

    assert code == 1
    assert "rtt_p95_ms (echo@nb-a)" in lines[-1]
    assert lines[-1].startswith("miot compare: regression")
    p95 = row_of(lines, "rtt_p95_ms")
    assert "Mann-Whitney U (exact) on samples-udp_echo, n=40 vs 40" in p95
    assert "regression (tolerance 5%, lower is better)" in p95
    assert "not testable" not in "\n".join(lines)


def test_identical_runs_exit_0_with_no_change(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = write_run(tmp_path, "same", [echo_test(normal_rtts(1, mean_ms=100))])

    code, lines = miot_compare(capsys, baseline, same)

    assert code == 0
    assert lines[-1] == "miot compare: no significant regression beyond tolerance (6 metric(s) compared)"
    comparison = compare_runs([baseline], [same], SETTINGS)
    for row in comparison.rows:
        assert row.verdict is Verdict.NO_CHANGE, row
        assert row.change == 0
        assert row.test is not None
        assert row.test.p_value == pytest.approx(1.0)


def test_an_improvement_exits_0(tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faster = write_run(tmp_path, "fast", [echo_test(normal_rtts(3, mean_ms=60))])

    code, lines = miot_compare(capsys, baseline, faster)

    assert code == 0
    assert "improvement" in row_of(lines, "rtt_p50_ms")


def test_values_are_the_recorded_ones_and_the_interval_holds_the_change(
    tmp_path: Path, baseline: Path
) -> None:
    current = write_run(tmp_path, "slow", [echo_test(normal_rtts(2, mean_ms=150))])

    rows = {row.key.metric: row for row in compare_runs([baseline], [current], SETTINGS).rows}

    recorded = read_measurements(current / "measurements.csv").set_index("metric")["value"]
    p95 = rows["rtt_p95_ms"]
    assert p95.current == pytest.approx(recorded["rtt_p95_ms"])
    assert p95.ci is not None
    assert p95.change is not None
    assert p95.ci[0] <= p95.change <= p95.ci[1]
    assert p95.ci[0] > 30
    assert rows["loss_pct"].verdict is Verdict.NO_CHANGE  # nothing lost on either side


def test_the_same_runs_print_the_same_table(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = write_run(tmp_path, "slow", [echo_test(normal_rtts(2, mean_ms=150))])

    assert miot_compare(capsys, baseline, current) == miot_compare(capsys, baseline, current)


def test_loss_is_tested_on_probe_counts(tmp_path: Path, baseline: Path) -> None:
    lossy = write_run(tmp_path, "lossy", [echo_test(normal_rtts(1, mean_ms=100), lost=20)])

    row = next(r for r in compare_runs([baseline], [lossy], SETTINGS).rows if r.key.metric == "loss_pct")

    assert (row.n_baseline, row.n_current) == (40, 60)
    assert row.current == pytest.approx(100 * 20 / 60)
    assert row.test is not None
    assert row.test.name == "two-proportion z"
    assert row.verdict is Verdict.REGRESSION


def attach_test(seconds: float, iteration: int) -> RecordedTest:
    return RecordedTest(
        case_id="attach",
        iteration=iteration,
        metrics={"attach_time_s": MetricValue(value=seconds)},
        limits={"attach_time_s": Limit(high=60.0)},
    )


def test_repeated_cases_are_tested_on_their_iterations(tmp_path: Path) -> None:
    before = write_run(tmp_path, "a", [attach_test(2.0 + i / 10, i) for i in range(5)])
    after = write_run(tmp_path, "b", [attach_test(4.0 + i / 10, i) for i in range(5)])

    (row,) = compare_runs([before], [after], SETTINGS).rows

    assert row.basis == "per-iteration values"
    assert (row.baseline, row.current) == (pytest.approx(2.2), pytest.approx(4.2))
    assert row.test is not None
    assert row.test.p_value == pytest.approx(2 / 252)
    assert row.verdict is Verdict.REGRESSION


def test_too_few_values_are_not_testable_and_get_no_p(tmp_path: Path) -> None:
    before = write_run(tmp_path, "a", [attach_test(2.0, 0)])
    after = write_run(tmp_path, "b", [attach_test(9.0, 0)])

    (row,) = compare_runs([before], [after], SETTINGS).rows
    html = comparison_table_html(compare_runs([before], [after], SETTINGS))

    assert (row.verdict, row.test, row.ci) == (Verdict.NOT_TESTABLE, None, None)
    assert "not testable (n=1 vs 1)" in html


def test_runs_given_with_options_are_pooled(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = write_run(tmp_path, "base2", [echo_test(normal_rtts(4, mean_ms=100))])
    current = [write_run(tmp_path, f"cur{i}", [echo_test(normal_rtts(5 + i, mean_ms=101))]) for i in range(2)]

    code, lines = miot_compare(capsys, "--baseline", baseline, second, "--current", *current)

    assert code == 0
    assert "n=80 vs 80" in row_of(lines, "rtt_p50_ms")
    assert lines[0].startswith("miot compare: 2 baseline run(s) vs 2 current run(s)")


def test_a_tolerance_decides_a_small_significant_rise(tmp_path: Path, baseline: Path) -> None:
    # +3 ms on 100 ms over 200 probes: significant, inside the default 5 %, outside 1 %
    before = write_run(tmp_path, "b200", [echo_test(normal_rtts(8, mean_ms=100, n=200))])
    after = write_run(tmp_path, "a200", [echo_test(normal_rtts(9, mean_ms=103, n=200))])
    key = MetricKey(case_id="echo", module_id="nb-a", metric="rtt_p50_ms")

    def verdict(settings: CompareSettings) -> Verdict:
        return next(r.verdict for r in compare_runs([before], [after], settings).rows if r.key == key)

    assert verdict(SETTINGS) is Verdict.WITHIN_TOLERANCE
    strict = Tolerances(by_metric={"rtt_p50_ms": Tolerance(relative_pct=1)})
    assert verdict(CompareSettings(resamples=500, tolerances=strict)) is Verdict.REGRESSION
    loose = Tolerances(by_metric={"rtt_p50_ms": Tolerance(absolute=10)})
    assert verdict(CompareSettings(resamples=500, tolerances=loose)) is Verdict.WITHIN_TOLERANCE


def test_a_metric_of_unknown_direction_never_regresses(tmp_path: Path) -> None:
    def radio(rsrp_dbm: float, iteration: int) -> RecordedTest:
        return RecordedTest(
            case_id="cell", iteration=iteration, metrics={"rsrp_p50_dbm": MetricValue(value=rsrp_dbm)}
        )

    before = write_run(tmp_path, "a", [radio(-90 - i / 10, i) for i in range(5)])
    after = write_run(tmp_path, "b", [radio(-110 - i / 10, i) for i in range(5)])

    (row,) = compare_runs([before], [after], SETTINGS).rows

    assert row.verdict is Verdict.UNDIRECTED


def test_the_html_page_is_escaped_and_self_contained(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = RecordedTest(case_id="<b>x</b>", metrics={"attach_time_s": MetricValue(value=1.0)})
    before = write_run(tmp_path, "a", [odd])
    after = write_run(tmp_path, "b", [odd])
    page = tmp_path / "compare.html"

    code, lines = miot_compare(capsys, before, after, "-o", page)

    text = page.read_text(encoding="utf-8")
    assert code == 0
    assert lines[-2] == f"miot compare: table written to {page}"
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert "<b>x" not in text
    assert not re.search(r"(src|href)=", text)
    assert '<table class="miot-compare">' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{base}"], "give BASELINE CURRENT"),
        (["{base}", "{tmp}/nowhere"], "nowhere: no such run directory"),
        (["{base}", "{tmp}"], "run.json: missing"),
        (["{base}", "{base}", "--tolerance", "rtt_p95_ms=fast"], "--tolerance rtt_p95_ms=fast: expected"),
        (["{base}", "{base}", "--tolerance", "rtt_p95=5%"], "does not end in a known unit"),
        (["{base}", "{base}", "--alpha", "2"], "--alpha 2: expected a level"),
        (["{base}", "{base}", "--tolerance-file", "{tmp}/tol.toml"], "tol.toml: metric.rtt_p95_ms: expected"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "tol.toml").write_text('default = "5%"\n[metric]\nrtt_p95_ms = "ten"\n', encoding="utf-8")

    code, lines = miot_compare(capsys, *(a.format(base=baseline, tmp=tmp_path) for a in args))

    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("miot: error: ")
    assert message in lines[0]


def test_runs_that_share_no_metric_are_a_user_error(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = write_run(tmp_path, "other", [attach_test(2.0, 0)])

    code, lines = miot_compare(capsys, baseline, other)

    assert code == 2
    assert "share no (case, module, metric)" in lines[-1]


def test_a_goodput_drop_is_tested_on_the_counted_seconds(tmp_path: Path) -> None:
    generator = np.random.default_rng(11)
    before = write_run(tmp_path, "a", [iperf3_test(generator.normal(1000, 20, size=20))])
    after = write_run(tmp_path, "b", [iperf3_test(generator.normal(800, 20, size=20))])

    rows = {row.key.metric: row for row in compare_runs([before], [after], SETTINGS).rows}

    mean = rows["ul_goodput_mean_kbps"]
    recorded = read_measurements(after / "measurements.csv").set_index("metric")["value"]
    assert mean.basis == "samples-iperf3"
    assert (mean.n_baseline, mean.n_current) == (20, 20)  # the omitted second and the sliver left out
    assert mean.current == pytest.approx(recorded["ul_goodput_mean_kbps"])
    assert mean.verdict is Verdict.REGRESSION
    assert rows["ul_goodput_p10_kbps"].verdict is Verdict.REGRESSION


def test_the_cross_run_report_carries_the_comparison_with_a_baseline(
    tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = write_run(tmp_path, "slow", [echo_test(normal_rtts(2, mean_ms=150))])
    output = tmp_path / "report.html"

    assert main(["report", str(current), "-o", str(output), "--baseline", str(baseline)]) == 0
    page = output.read_text(encoding="utf-8")
    assert '<h2 id="comparison">Comparison with the baseline</h2>' in page
    assert re.search(r'<tr class="[^"]*regression[^"]*">.*rtt_p95_ms', page)
    assert re.search(r"regression beyond tolerance: .*rtt_p95_ms \(echo@nb-a\)", page)

    plain = tmp_path / "plain.html"
    assert main(["report", str(current), "-o", str(plain)]) == 0
    assert 'id="comparison"' not in plain.read_text(encoding="utf-8")
