"""Fleet-wide friendliness: reports of several modules in step or spread, on one wall clock from each
transcript's header; first-retry delays alike or varied across modules."""

from __future__ import annotations

import random

from harness.results.fleet_friendliness import coefficient_of_variation_pct, fleet_friendliness
from harness.results.transcript_activity import TranscriptActivity
from harness.traffic.registration_watch import StatReport

OPENED_UTC_S = 1_800_000_000.0
INTERVAL_S = 30.0


def module(offsets_s: list[float], *, opened_delta_s: float, first_retry_s: float) -> TranscriptActivity:
    """A module whose session opened `opened_delta_s` after the fleet's grid point, reporting every interval
    at these offsets from the grid, and retrying `first_retry_s` after its first reject."""
    sends = tuple(i * INTERVAL_S + offset - opened_delta_s for i, offset in enumerate(offsets_s))
    reports = (
        StatReport(t_s=0.5, stat=2),
        StatReport(t_s=1.0, stat=3, cause_type=0, reject_cause=17),
        StatReport(t_s=1.0 + first_retry_s, stat=2),
    )
    return TranscriptActivity(
        opened_utc_s=OPENED_UTC_S + opened_delta_s, report_sends=sends, registration=reports
    )


def test_a_fleet_in_step_is_caught_and_a_randomised_one_passes() -> None:
    draw = random.Random(7)
    in_step = [module([0.0] * 10, opened_delta_s=d, first_retry_s=10.0) for d in (1.3, 2.9, 7.1)]
    spread = [
        module([draw.uniform(0, 20.0) for _ in range(10)], opened_delta_s=d, first_retry_s=r)
        for d, r in ((1.3, 10.0), (2.9, 13.0), (7.1, 11.5))
    ]
    synced = fleet_friendliness(in_step, jitter_window_s=20.0)
    randomised = fleet_friendliness(spread, interval_s=INTERVAL_S, jitter_window_s=20.0)
    assert synced["report_offset_spread_pct"].value == 0.0
    assert synced["report_offset_spread_pct"].n_samples == 30
    assert synced["first_retry_delay_cv_pct"].value == 0.0
    value = randomised["report_offset_spread_pct"].value
    assert value is not None
    assert value >= 50
    cv = randomised["first_retry_delay_cv_pct"].value
    assert cv is not None
    assert cv > 10


def test_without_a_clock_or_enough_figures_there_is_no_value() -> None:
    no_clock = TranscriptActivity(report_sends=tuple(float(i) for i in range(30)))
    assert fleet_friendliness([no_clock])["report_offset_spread_pct"].value is None
    assert coefficient_of_variation_pct([3.0]).value is None
