"""The friendliness indicators over real transcripts of virtual modules that the network rejects (#17,
network failure: retried after a back-off): a module keeping to 24.301 passes, a retry storm
(`backoff=storm`) and a module whose spacing never grows (`backoff=flat`) are caught, and randomised
retries (`backoff.jitter`) vary across modules where exact timers do not.

The module's reports go to a transcript through an ATSession (harness.dialects.connect), are read back with
read_activity, as from any run directory. Timers are scaled (timer_scale) so a test takes seconds, and so
is "an hour" in attach_attempts_per_hour_count. Slack, stated: URCs are read a few ms after they are sent,
more on a loaded machine; the figures below are chosen so that 50 ms either way changes no verdict."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.dialects import ConnectOptions, connect
from harness.results.fleet_friendliness import fleet_friendliness
from harness.results.friendliness import friendliness_metrics
from harness.results.transcript_activity import TranscriptActivity, read_activity


def observe(url: str, log: Path, *, watch_s: float) -> TranscriptActivity:
    """Switch the module's radio off and on with the richest +CEREG reports on, and record `watch_s` of
    its retries."""
    with connect(url, ConnectOptions(transcript_path=log)) as link:
        link.session.send("AT+CEREG=5")
        link.session.send("AT+CFUN=0")
        link.session.send("AT+CFUN=1")
        time.sleep(watch_s)
    return read_activity(log)


def rejected(scale: float, attach_s: float, **options: str) -> str:
    extra = "".join(f"&{name}={value}" for name, value in options.items())
    return f"virtual://bc660k?attach_s={attach_s}&timer_scale={scale}&reject=17{extra}"


def test_a_module_keeping_to_the_3gpp_backoff_passes(tmp_path: Path) -> None:
    # T3411 0.1 s, T3402 1.44 s: one whole attempt-counter cycle and its T3402 in 2.5 s
    activity = observe(rejected(0.002, 0.1), tmp_path / "at.log", watch_s=2.5)
    figures = friendliness_metrics(activity)
    assert figures["retry_backoff_violation_count"].value == 0
    attempts = figures["attach_attempts_per_hour_count"].value
    assert attempts is not None
    assert 5 <= attempts <= 24
    growth = figures["retry_wait_growth_min_pct"].value
    assert growth is not None
    assert growth >= 150


def test_a_retry_storm_is_caught(tmp_path: Path) -> None:
    # 1 s scaled to 10 ms after every reject, T3411 being 100 ms: an attempt every 50 ms or so
    url = rejected(0.01, 0.04, backoff="storm")
    figures = friendliness_metrics(observe(url, tmp_path / "at.log", watch_s=3.0))
    assert figures["retry_backoff_violation_count"].value >= 10
    attempts = figures["attach_attempts_per_hour_count"].value
    assert attempts is not None
    assert attempts > 24


def test_a_storm_after_a_permanent_reject_is_caught(tmp_path: Path) -> None:
    url = rejected(0.01, 0.04, backoff="storm", **{"backoff.storm_s": "10"}).replace("reject=17", "reject=7")
    figures = friendliness_metrics(observe(url, tmp_path / "at.log", watch_s=1.0))
    assert figures["retry_backoff_violation_count"].value >= 3  # each retry after #7 without a CFUN cycle


def test_spacing_that_never_grows_is_caught(tmp_path: Path) -> None:
    # T3411 (0.2 s) after every reject, never T3402: 6 waits and more, none longer than the first
    url = rejected(0.02, 0.05, backoff="flat")
    figures = friendliness_metrics(observe(url, tmp_path / "at.log", watch_s=2.2))
    growth = figures["retry_wait_growth_min_pct"].value
    assert growth is not None
    assert growth < 150
    assert figures["retry_backoff_violation_count"].value >= 1  # the 6th attempt came before T3402


@pytest.mark.parametrize(("jitter", "is_varied"), [(0.0, False), (0.5, True)])
def test_first_retries_vary_across_modules_only_when_randomised(
    tmp_path: Path, jitter: float, is_varied: bool
) -> None:
    # T3411 1 s: 50 ms of reading delay is a CV of at most a few %, far from the 10 % limit
    activities = [
        observe(
            rejected(0.1, 0.05, **{"backoff.jitter": f"{jitter:g}", "seed": str(seed)}),
            tmp_path / f"at-{seed}.log",
            watch_s=1.9,
        )
        for seed in (1, 2, 3, 4)
    ]
    cv = fleet_friendliness(activities)["first_retry_delay_cv_pct"].value
    assert cv is not None
    assert (cv > 10) is is_varied, cv
