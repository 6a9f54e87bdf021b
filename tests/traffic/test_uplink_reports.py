"""The uplink report engine against virtual modules and a LocalServer on loopback: each report's latency is
the link model's one-way figure from idle (RRC set-up, air time, network delay: harness.virtual.link), the
connection is released after the inactivity timer or, with release assistance, as soon as the report is
on the air, reports leave from the state the module reported (idle, PSM), lost reports are counted as
such, and what a module cannot do is refused rather than assumed.

Link figures pinned in the URL: no jitter, a 100 kbit/s uplink (a few ms of air), short inactivity and idle
timers (timer_scale 0.05: a T3324 of 20 s runs 1 s). Slack, stated: the harness learns of a send through
the AT exchange and of a state through a URC, a few ms here and more on a loaded machine: SLACK_MS 250.
Arrival comes from the server capture when this machine can capture (root, tcpdump), else from the sink."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.capture import capture_problem
from harness.dialects import ModemLink, connect
from harness.errors import ModemError
from harness.server import LocalServer
from harness.traffic.uplink_reports import Release, Sleep, UplinkReportsSpec, run_uplink_reports
from harness.virtual.link import CE_PROFILES, LinkProfile, airtime_ms

PAYLOAD_BYTES = 50
PROFILE = dataclasses.replace(
    CE_PROFILES[0], delay_ms=50.0, jitter_ms=0.0, ul_kbps=100.0, dl_kbps=100.0, loss_pct=0.0,
    rrc_setup_ms=400.0, inactivity_s=0.5,
)  # fmt: skip
SLACK_MS = 250.0
ARRIVAL = "sink" if capture_problem() else "capture"
FAST = UplinkReportsSpec(
    reports=2, payload_bytes=PAYLOAD_BYTES, interval_s=1.6, late_s=2.0, settle_timeout_s=5.0, drain_s=3.0,
    active_time_s=20, off_s=0.05, attempt_timeout_s=10.0,
)  # fmt: skip


LINK_FIELDS = ("delay_ms", "jitter_ms", "ul_kbps", "dl_kbps", "loss_pct", "rrc_setup_ms", "inactivity_s")


def url(model: str, profile: LinkProfile = PROFILE, **options: float) -> str:
    link = {name: getattr(profile, name) for name in LINK_FIELDS}
    values = {"attach_s": 0.1, "timer_scale": 0.05, **link, **options}
    return f"virtual://{model}?" + "&".join(f"{name}={value:g}" for name, value in values.items())


def one_way_from_idle_ms(profile: LinkProfile, payload_bytes: int) -> float:
    """Set-up, then the report's air time, then the network delay (jitter 0): harness.virtual.link."""
    return profile.rrc_setup_ms + airtime_ms(payload_bytes, profile.ul_kbps) + profile.delay_ms


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer(host="127.0.0.1")
    yield local
    local.close()


@pytest.fixture
def link(request: pytest.FixtureRequest) -> Iterator[ModemLink]:
    model: str = getattr(request, "param", "bc660k")
    with connect(url(model)) as opened:
        opened.modem.attach(None, timeout_s=10.0)
        yield opened


@pytest.mark.parametrize("link", ["bc660k", "ml307r"], indirect=True)
def test_reports_from_idle_pay_the_setup_and_wait_for_the_network_release(
    link: ModemLink, server: LocalServer, tmp_path: Path
) -> None:
    result = run_uplink_reports(link.modem, server, FAST, capture_dir=tmp_path)
    samples = result.samples
    assert samples.columns[0] == "t_s"
    assert samples["state"].tolist() == ["idle", "idle"]
    assert (samples["arrival_source"] == ARRIVAL).all()
    expected_ms = one_way_from_idle_ms(PROFILE, PAYLOAD_BYTES)
    assert samples["latency_ms"].between(expected_ms, expected_ms + SLACK_MS).all(), samples
    release_s = (expected_ms - PROFILE.delay_ms) / 1000 + PROFILE.inactivity_s
    assert samples["release_after_s"].between(release_s, release_s + SLACK_MS / 1000).all(), samples
    summary = {name: metric.value for name, metric in result.summary.items()}
    assert summary["delivery_ratio_pct"] == 100.0
    assert summary["reports_from_idle_pct"] == 100.0
    assert summary["rrc_connections_per_report_mean_count"] == 1.0
    assert (result.pcap is not None) == (ARRIVAL == "capture")


def test_reports_from_psm_with_release_assistance_and_a_burst_after_the_wake_up(
    link: ModemLink, server: LocalServer
) -> None:
    spec = dataclasses.replace(FAST, sleep=Sleep.PSM, release=Release.RAI, burst_reports=3, interval_s=2.5)
    result = run_uplink_reports(link.modem, server, spec)
    samples = result.samples
    assert samples["phase"].tolist() == ["periodic"] * 2 + ["burst"] * 3
    assert samples["state"].iloc[:3].tolist() == ["psm"] * 3  # the burst's first is the wake-up
    assert samples["rai"].tolist() == [1, 1, 0, 0, 1]  # the burst's last only
    expected_ms = one_way_from_idle_ms(PROFILE, PAYLOAD_BYTES)
    periodic = samples[samples["phase"] == "periodic"]
    assert periodic["latency_ms"].between(expected_ms, expected_ms + SLACK_MS).all(), samples
    # release assistance: released once the report is on the air, not after the inactivity timer
    release_s = (expected_ms - PROFILE.delay_ms) / 1000
    assert periodic["release_after_s"].between(release_s, release_s + SLACK_MS / 1000).all(), samples
    summary = {name: metric.value for name, metric in result.summary.items()}
    assert summary["delivery_ratio_pct"] == 100.0
    assert summary["reports_from_psm_pct"] == 100.0
    # the burst shares the connection its first report set up: all of it lands within the set-up and the
    # air time of the rest after the first
    burst_air_ms = 3 * airtime_ms(PAYLOAD_BYTES, PROFILE.ul_kbps)
    duration_ms = summary["ul_burst_duration_ms"]
    assert duration_ms is not None
    assert expected_ms <= duration_ms <= expected_ms + burst_air_ms + SLACK_MS
    assert summary["rrc_connections_per_report_mean_count"] == pytest.approx(3 / 5)
    assert not link.modem.psm().is_enabled  # the request put back as it was


def test_lost_reports_are_not_delivered_and_have_no_latency(server: LocalServer) -> None:
    lossy = dataclasses.replace(PROFILE, loss_pct=50.0)
    spec = dataclasses.replace(FAST, reports=12, interval_s=0.1, sleep=Sleep.ANY, drain_s=1.5)
    with connect(url("bc660k", lossy, seed=3)) as link:
        link.modem.attach(None, timeout_s=10.0)
        result = run_uplink_reports(link.modem, server, spec)
    samples = result.samples
    lost = samples[~samples["is_delivered"]]
    assert 0 < len(lost) < len(samples)
    assert lost["latency_ms"].isna().all()
    assert samples["is_accepted"].all()  # SEND OK for every one: accepted is not delivered
    delivered_pct = 100.0 * samples["is_delivered"].sum() / len(samples)
    assert result.summary["delivery_ratio_pct"].value == pytest.approx(delivered_pct)
    assert result.summary["accepted_not_delivered_pct"].value == pytest.approx(100.0 - delivered_pct)


@pytest.mark.parametrize("link", ["ml307r"], indirect=True)
def test_what_a_cat1_module_cannot_do_is_refused(link: ModemLink, server: LocalServer) -> None:
    with pytest.raises(ModemError, match="no release assistance"):
        run_uplink_reports(link.modem, server, dataclasses.replace(FAST, release=Release.RAI))
    with pytest.raises(ModemError, match="names no PSM entry report"):
        run_uplink_reports(link.modem, server, dataclasses.replace(FAST, sleep=Sleep.PSM))
