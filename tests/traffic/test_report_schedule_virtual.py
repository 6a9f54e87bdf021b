"""Periodic reports of virtual modules on the wall clock's grid (schedule = "clock"): without a random
offset they go in step, across modules too, and the friendliness check catches it from their transcripts;
with offsets over the window they spread and pass. Same link figures and slack as test_uplink_reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.dialects import ConnectOptions, connect
from harness.results.fleet_friendliness import fleet_friendliness
from harness.results.transcript_activity import read_activity
from harness.server import LocalServer
from harness.traffic.report_offsets import Schedule
from harness.traffic.uplink_reports import Sleep, UplinkReportsSpec, run_uplink_reports

INTERVAL_S = 0.6
WINDOW_S = 0.4
URL = "virtual://bc660k?attach_s=0.1&timer_scale=0.05&jitter_ms=0&delay_ms=20&rrc_setup_ms=20"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer(host="127.0.0.1")
    yield local
    local.close()


def spec(*, is_random: bool) -> UplinkReportsSpec:
    return UplinkReportsSpec(
        reports=10, payload_bytes=40, interval_s=INTERVAL_S, sleep=Sleep.ANY, drain_s=1.0,
        settle_timeout_s=2.0, schedule=Schedule.CLOCK, offset_window_s=WINDOW_S, is_offset_random=is_random,
        is_captured=False,
    )  # fmt: skip


@pytest.mark.parametrize(("is_random", "is_spread"), [(False, False), (True, True)])
def test_reports_in_step_are_caught_and_randomised_ones_pass(
    server: LocalServer, tmp_path: Path, is_random: bool, is_spread: bool
) -> None:
    activities = []
    for index in range(2):  # one after the other: the grid is the wall clock's, so they still meet
        log = tmp_path / f"at-{index}.log"
        with connect(f"{URL}&seed={index + 1}", ConnectOptions(transcript_path=log)) as link:
            link.modem.attach(None, timeout_s=10.0)
            result = run_uplink_reports(link.modem, server, spec(is_random=is_random))
        own = result.summary["report_offset_spread_pct"]
        assert own.n_samples == 10
        assert own.value is None
        activities.append(read_activity(log))
    fleet = fleet_friendliness(activities, interval_s=INTERVAL_S, jitter_window_s=WINDOW_S)
    spread = fleet["report_offset_spread_pct"]
    assert spread.n_samples == 20
    assert spread.value is not None
    assert (spread.value >= 50) is is_spread, spread
