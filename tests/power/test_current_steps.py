"""harness.power.current_steps: boxcars summed into steps, sampled as an averaging analyzer samples them."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from harness.power.current_steps import Boxcar, sample_means_ua, steps_of

boxcars = st.lists(
    st.builds(
        lambda start, length, current: Boxcar(start_s=start, stop_s=start + length, current_ua=current),
        st.floats(0.0, 9.0),
        st.floats(1e-6, 1.0),
        st.floats(0.0, 1e6),
    ),
    max_size=20,
)


@given(boxcars, st.sampled_from([1.0, 10.0, 333.0, 1000.0, 100_000.0]))
def test_sampling_keeps_every_charge_whatever_the_rate(boxes: list[Boxcar], rate_hz: float) -> None:
    expected_uc = sum(box.current_ua * (box.stop_s - box.start_s) for box in boxes)
    _, means_ua = sample_means_ua(steps_of(boxes), start_s=0.0, stop_s=11.0, sample_rate_hz=rate_hz)
    assert math.isclose(float(np.sum(means_ua)) / rate_hz, expected_uc, rel_tol=1e-9, abs_tol=1e-6)


def test_a_pulse_shorter_than_a_sample_is_averaged_into_it() -> None:
    steps = steps_of(
        [
            Boxcar(start_s=0.0, stop_s=1.0, current_ua=2.0),
            Boxcar(start_s=0.25, stop_s=0.2501, current_ua=1e4),
        ]
    )
    starts_s, means_ua = sample_means_ua(steps, start_s=0.0, stop_s=1.0, sample_rate_hz=10.0)
    assert np.allclose(starts_s, np.arange(10) / 10)
    assert math.isclose(means_ua[2], 2.0 + 1e4 * 1e-4 / 0.1)
    assert np.allclose(np.delete(means_ua, 2), 2.0)


def test_overlapping_boxcars_add_and_nothing_is_drawn_outside_them() -> None:
    steps = steps_of(
        [Boxcar(start_s=1.0, stop_s=3.0, current_ua=5.0), Boxcar(start_s=2.0, stop_s=4.0, current_ua=7.0)]
    )
    _, means_ua = sample_means_ua(steps, start_s=0.0, stop_s=5.0, sample_rate_hz=1.0)
    assert means_ua.tolist() == [0.0, 5.0, 12.0, 7.0, 0.0]


def test_a_last_partial_period_is_not_reported() -> None:
    starts_s, _ = sample_means_ua(steps_of([]), start_s=2.0, stop_s=2.35, sample_rate_hz=10.0)
    assert np.allclose(starts_s, [2.0, 2.1, 2.2])
