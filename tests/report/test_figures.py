"""Tests of harness.report.figures: which figures run_figures gives for runs that have or lack each kind of
data, their keys and titles, and the points of the throughput-vs-radio figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report.figures import ReportFigure, goodput_radio_points, html_key, run_figures

from .png import png_size
from .runs import write_echo, write_kpis, write_power, write_series, write_site

RADIO = {"rsrp_p50_dbm": -101.0, "sinr_p50_db": 4.0}


def full_run(run_dir: Path) -> None:
    """Every kind of data: echo, throughput with radio, a power trace, a site with a position."""
    write_echo(write_kpis(run_dir, "echo@nb-a", "nb-a", {"rtt_p50_ms": 1.0}), [900.0, 100.0, 110.0])
    ul = write_kpis(run_dir, "nb-ul@nb-a", "nb-a", {"ul_goodput_kbps": 20.0, **RADIO})
    write_series(ul, "udp_stream_per_s", [19.0, 21.0, 20.0], start_s=1e5)
    write_power(write_kpis(run_dir, "psm@nb-a", "nb-a", {"sleep_current_ua": 3.0}))
    write_site(run_dir, "lab", 31.2, 121.5)


def keys(figures: list[ReportFigure]) -> list[str]:
    return [figure.key for figure in figures]


def test_a_run_with_every_kind_of_data_has_every_figure_in_report_order(tmp_path: Path) -> None:
    run = tmp_path / "run-a"
    full_run(run)

    figures = run_figures([run], lang="en")

    assert keys(figures) == [
        "rtt-cdf-nb-a",
        "goodput-series-nb-a",
        "goodput-vs-rsrp",
        "goodput-vs-sinr",
        "current-run-a-psm-nb-a",
        "coverage-map",
    ]
    assert all(png_size(figure.png)[0] == 640 for figure in figures)
    assert [figure.title for figure in figures][:2] == ["RTT CDF, nb-a", "Goodput per second, nb-a"]


def test_a_run_lacking_each_kind_of_data_lacks_that_figure(tmp_path: Path) -> None:
    run = tmp_path / "run-b"
    write_kpis(run, "echo@nb-a", "nb-a", {"rtt_p50_ms": 1.0})  # no samples written
    write_kpis(run, "nb-ul@nb-a", "nb-a", {"ul_goodput_kbps": 20.0})  # no series, no radio KPIs
    write_site(run, "lab", None, None)  # a site without a position

    assert run_figures([run], lang="en") == []


def test_radio_kpis_without_goodput_or_sinr_give_only_the_figures_they_can(tmp_path: Path) -> None:
    run = tmp_path / "run-c"
    write_kpis(run, "echo@nb-a", "nb-a", {"rtt_p50_ms": 1.0, **RADIO})  # radio, but no goodput
    write_kpis(run, "dl@cat-a", "cat-a", {"dl_goodput_kbps": 300.0, "rsrp_p50_dbm": -90.0}, rat="cat1")

    assert keys(run_figures([run], lang="en")) == ["goodput-vs-rsrp"]


def test_figures_pool_runs_and_titles_follow_the_language(tmp_path: Path) -> None:
    first, second = tmp_path / "run-a", tmp_path / "run-b"
    full_run(first)
    write_echo(write_kpis(second, "echo@cat-a", "cat-a", {"rtt_p50_ms": 1.0}), [5.0, 50.0, 40.0])
    write_series(write_kpis(second, "nb-ul@nb-a", "nb-a", {"ul_goodput_kbps": 18.0}), "iperf3", [18.0, 17.0])

    figures = run_figures([first, second], lang="zh")

    assert keys(figures)[:3] == ["rtt-cdf-cat-a", "rtt-cdf-nb-a", "goodput-series-nb-a"]
    assert figures[1].title == "往返时延累积分布, nb-a"
    assert figures[-1].title == "各站点 RSRP 覆盖图"


def test_goodput_radio_points_pair_each_goodput_with_its_tests_medians(tmp_path: Path) -> None:
    run = tmp_path / "run-a"
    write_kpis(run, "ul@nb-a", "nb-a", {"ul_goodput_kbps": 20.0, "dl_goodput_kbps": 55.0, **RADIO})
    write_kpis(run, "ul@cat-a", "cat-a", {"ul_goodput_kbps": None, "rsrp_p50_dbm": -80.0}, rat="cat1")

    points = goodput_radio_points([run]).sort_values("group").reset_index(drop=True)

    assert points["group"].tolist() == ["cat-a ul", "nb-a dl", "nb-a ul"]
    assert points["goodput_kbps"].tolist()[1:] == [55.0, 20.0]
    assert points["rsrp_dbm"].tolist() == [-80.0, -101.0, -101.0]
    assert points["sinr_db"].tolist()[1:] == [4.0, 4.0]
    assert points[["goodput_kbps", "sinr_db"]].iloc[0].isna().all()


def test_a_run_without_measurements_has_no_figures(tmp_path: Path) -> None:
    assert run_figures([tmp_path], lang="en") == []


@pytest.mark.parametrize(
    ("parts", "key"),
    [(("rtt-cdf", "NB_A"), "rtt-cdf-nb-a"), (("current", "run 1", "ul@nb-a+2"), "current-run-1-ul-nb-a-2")],
)
def test_html_keys_are_lowercase_letters_digits_and_dashes(parts: tuple[str, ...], key: str) -> None:
    assert html_key(*parts) == key


def test_the_img_carries_the_key_as_id_and_the_png_inline() -> None:
    figure = ReportFigure(key="coverage-map", title='Sites <"A">', png=b"\x89PNG")
    assert figure.img_html() == (
        '<img id="coverage-map" alt="Sites &lt;&quot;A&quot;&gt;" title="Sites &lt;&quot;A&quot;&gt;" '
        'src="data:image/png;base64,iVBORw==">'
    )
    assert figure.img_html(html_id="x-coverage-map").startswith('<img id="x-coverage-map"')
