"""`miot report` as a user meets it: runs with known figures in, one self-contained HTML file out."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.cli import main
from harness.report.labels import label
from harness.results.run_record import SiteRecord
from tests.report.known_runs import KnownTest, module, write_run
from tests.report.lab_runs import lab_runs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RTT_LIMIT = "x ≤ 4000; marginal above 3000"


class PageReader(HTMLParser):
    """The cell texts of every table by its id, and every img's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[dict[str, str | None]] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = self.tables.setdefault(str(dict(attrs).get("id")), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def write_report(runs: list[Path], output: Path, *extra: str) -> tuple[str, PageReader]:
    assert main(["report", *map(str, runs), "-o", str(output), *extra]) == 0
    page = output.read_text(encoding="utf-8")
    reader = PageReader()
    reader.feed(page)
    return page, reader


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, PageReader]:
    root = tmp_path_factory.mktemp("runs")
    return write_report(lab_runs(root), root / "report.html")


def test_every_indicator_cell_as_written(english: tuple[str, PageReader]) -> None:
    _, reader = english
    heads = ["module", "firmware", "operator", "rat", "site", "coverage", "metric", "value", "unit"]
    heads += ["statistic", "range", "limit", "pass", "marginal", "fail", "unchecked", "missing"]
    assert reader.tables["miot-family-latency"] == [
        [label(h, "en") for h in heads],
        [
            "BC660K-GL",
            "A05",
            "CMCC",
            "nbiot",
            "lab-sh",
            "good",
            "loss_pct",
            "0.25",
            "%",
            "median of 2 values",
            "0 – 0.5",
            "x ≤ 1",
            "2",
            "0",
            "0",
            "0",
            "0",
        ],
        [
            "BC660K-GL",
            "A05",
            "CMCC",
            "nbiot",
            "lab-sh",
            "good",
            "rtt_p95_ms",
            "955",
            "ms",
            "p95 of 10 pooled samples from 2 tests",
            "1000 – 2000",
            RTT_LIMIT,
            "2",
            "0",
            "0",
            "0",
            "0",
        ],
        [
            "BC660K-GL",
            "A06",
            "CMCC",
            "nbiot",
            "lab-sh",
            "good",
            "loss_pct",
            "2",
            "%",
            "one value",
            "2",
            "x ≤ 1",
            "0",
            "0",
            "1",
            "0",
            "0",
        ],
        [
            "BC660K-GL",
            "A06",
            "CMCC",
            "nbiot",
            "lab-sh",
            "good",
            "rtt_p95_ms",
            "1950",
            "ms",
            "p95 of 2 pooled samples from 1 tests",
            "3500",
            RTT_LIMIT,
            "0",
            "1",
            "0",
            "0",
            "0",
        ],
        [
            "ML307R",
            "X1",
            "CUCC",
            "cat1",
            "lab-bj",
            "good",
            "rtt_p95_ms",
            "80",
            "ms",
            "one value",
            "80",
            "x ≤ 200",
            "1",
            "0",
            "0",
            "0",
            "0",
        ],
    ]
    assert reader.tables["miot-family-access"][1:] == [
        [
            "BC660K-GL",
            "A05",
            "CMCC",
            "nbiot",
            "lab-sh",
            "unknown",
            "attach_time_p50_s",
            "20",
            "s",
            "median of 2 values",
            "10 – 30",
            "x ≤ 20",
            "1",
            "0",
            "1",
            "0",
            "0",
        ],
        [
            "BC660K-GL",
            "A06",
            "CMCC",
            "nbiot",
            "lab-sh",
            "unknown",
            "attach_time_p50_s",
            "—",
            "s",
            "no value",
            "—",
            "x ≤ 20",
            "0",
            "0",
            "0",
            "0",
            "1",
        ],
    ]
    assert len(reader.tables["miot-family-coverage"]) == 1 + 6
    assert "miot-family-throughput" not in reader.tables  # no rows, no empty table


def test_the_header_names_runs_rig_plan_and_period(english: tuple[str, PageReader]) -> None:
    page, reader = english
    runs = reader.tables["miot-runs"]
    assert [row[0] for row in runs[1:]] == ["run-a", "run-b", "run-c", "run-d"]
    assert runs[1][1:3] == ["2026-11-20 08:00:00", label("interrupted", "en")]
    assert runs[1][5] == "lab-sh (31.23040, 121.47370)"
    assert runs[3][6] == "cat1-1 ML307R X1 CUCC"
    assert "2026-11-20 08:00:00 – 2026-11-23 08:00:00 UTC" in page


def test_figures_are_embedded_with_their_keys(english: tuple[str, PageReader]) -> None:
    _, reader = english
    # the known runs have echo samples and sites with a position (run.json), nothing else a figure needs
    assert [image["id"] for image in reader.images] == ["rtt-cdf-nb-1", "coverage-map"]
    source = str(reader.images[0]["src"])
    assert source.startswith("data:image/png;base64,")
    assert base64.b64decode(source.split(",", 1)[1]).startswith(PNG_SIGNATURE)


def test_nothing_is_fetched_from_outside(english: tuple[str, PageReader]) -> None:
    page, _ = english
    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    assert re.findall(r"""(?:src|href)\s*=\s*["'](?!data:|#)""", page) == []
    assert re.findall(r"https?://|url\(", page) == []


def test_chinese_report(tmp_path: Path) -> None:
    page, reader = write_report(lab_runs(tmp_path), tmp_path / "zh.html", "--lang", "zh")
    latency = reader.tables["miot-family-latency"]
    assert latency[0][:3] == ["模组", "固件", "运营商"]
    assert latency[2][9] == "2 个测试合并的 10 个样本的 p95"
    assert '<html lang="zh">' in page
    for key in ("report_title", "family_latency", "family_access", "family_coverage", "runs", "figures"):
        assert label(key, "zh") in page
    assert label("family_latency", "en") not in page


def test_text_from_files_is_escaped(tmp_path: Path) -> None:
    hostile = module("nb-1", model="<script>alert(1)</script>", firmware='A05"&', operator="<b>CMCC</b>")
    test = KnownTest(test_id="attach@nb-1", module_id="nb-1", values={"attach_time_p50_s": 5.0})
    run = write_run(tmp_path / "run-x", [test], modules=[hostile], site=SiteRecord(name="<i>lab</i>"))
    page, reader = write_report([run], tmp_path / "report.html")
    assert "<script" not in page
    assert "<b>" not in page
    assert "<i>" not in page
    assert reader.tables["miot-family-access"][1][:3] == ["<script>alert(1)</script>", 'A05"&', "<b>CMCC</b>"]


def test_a_run_killed_before_its_first_test_is_listed_without_rows(tmp_path: Path) -> None:
    empty = write_run(tmp_path / "run-empty", [], modules=[], site=None)
    _, reader = write_report([empty], tmp_path / "report.html")
    assert [row[0] for row in reader.tables["miot-runs"][1:]] == ["run-empty"]
    assert not any(key.startswith("miot-family-") for key in reader.tables)


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_a_directory_that_is_not_a_run_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "not-a-run").mkdir()
    assert main(["report", str(tmp_path / "not-a-run"), "-o", str(tmp_path / "r.html")]) == 2
    assert error_lines(capsys) == [
        f"miot: error: miot report: {tmp_path / 'not-a-run'} is not a run directory (no run.json)"
    ]
    assert main(["report", str(tmp_path / "absent"), "-o", str(tmp_path / "r.html")]) == 2
    assert len(lines := error_lines(capsys)) == 1
    assert "absent" in lines[0]
    assert not (tmp_path / "r.html").exists()


def test_a_broken_run_file_is_one_error_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = lab_runs(tmp_path)[0]
    (run / "run.json").write_text("{ not json", encoding="utf-8")
    assert main(["report", str(run), "-o", str(tmp_path / "r.html")]) == 2
    [line] = error_lines(capsys)
    assert str(run) in line
    other = lab_runs(tmp_path / "more")[1]
    with (other / "measurements.csv").open("a", encoding="utf-8") as f:
        f.write("x,y\n")
    assert main(["report", str(other), "-o", str(tmp_path / "r.html")]) == 2
    [line] = error_lines(capsys)
    assert "measurements.csv" in line


def test_an_unknown_language_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = lab_runs(tmp_path)[0]
    assert main(["report", str(run), "-o", str(tmp_path / "r.html"), "--lang", "fr"]) == 2
    assert error_lines(capsys) == ["miot: error: miot report: --lang 'fr': expected one of en, zh"]


def test_an_output_in_a_missing_directory_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = lab_runs(tmp_path)[0]
    output = tmp_path / "no-such-dir" / "r.html"
    assert main(["report", str(run), "-o", str(output)]) == 2
    assert error_lines(capsys) == [f"miot: error: miot report: -o {output}: no directory {output.parent}"]
