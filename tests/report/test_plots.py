"""Tests of harness.report.plots: the RTT CDF is a real PNG of the intended size."""

from __future__ import annotations

import io
import math
import sys
import threading

import matplotlib
import pytest

from harness.report.plots import rtt_cdf_png

from .png import png_size


def test_png_is_valid_and_about_640_by_360() -> None:
    data = rtt_cdf_png([1000 + 10 * i for i in range(50)], title="udp echo, NB-IoT CE0", reference_ms=1100)
    assert png_size(data) == (640, 360)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert 5_000 < len(data) < 200_000


def test_png_decodes_to_an_image_with_content() -> None:
    from matplotlib.image import imread

    image = imread(io.BytesIO(rtt_cdf_png([5.0, 6.0, 7.5, 12.0], title="t")), format="png")
    assert image.shape[:2] == (360, 640)
    assert image.std() > 0.01  # not a blank canvas


def test_lost_probes_are_left_out_but_a_single_value_still_plots() -> None:
    assert png_size(rtt_cdf_png([math.nan, 42.0, math.inf], title="one probe back")) == (640, 360)


@pytest.mark.parametrize("values", [[], [math.nan, math.nan]])
def test_no_rtt_is_a_clear_error(values: list[float]) -> None:
    with pytest.raises(ValueError, match="no finite RTT"):
        rtt_cdf_png(values, title="nothing")


def test_no_pyplot_state_is_touched() -> None:
    before = matplotlib.get_backend()
    rtt_cdf_png([1.0, 2.0], title="t")
    assert "matplotlib.pyplot" not in sys.modules or sys.modules["matplotlib.pyplot"].get_fignums() == []
    assert matplotlib.get_backend() == before


def test_plots_from_several_threads_do_not_interfere() -> None:
    results: list[bytes] = []

    def plot(offset: float) -> None:
        results.append(rtt_cdf_png([offset + i for i in range(30)], title=f"thread {offset}"))

    threads = [threading.Thread(target=plot, args=(float(i),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert [png_size(r) for r in results] == [(640, 360)] * 4
