"""harness.virtual.rrc: the state reported from two sources, the link model (AT sockets, signalling) and the
host data path's relay: connected while either is, one report per change, and a silent reset."""

from __future__ import annotations

import dataclasses

from harness.virtual.event_loop import EventLoop
from harness.virtual.link import CE_PROFILES, Direction, LinkModel, ReleaseAssistance
from harness.virtual.rrc import RrcState


def rrc_state() -> tuple[RrcState, list[bool]]:
    reports: list[bool] = []
    state = RrcState(loop=EventLoop(), link=LinkModel(CE_PROFILES[0], seed=1), on_change=reports.append)
    return state, reports


def test_connected_while_either_source_is() -> None:
    state, reports = rrc_state()
    state.report(is_connected=True)
    state.report_host(is_connected=True)
    state.report(is_connected=False)  # the host's connection still holds it
    assert (state.is_connected, reports) == (True, [True])
    state.report_host(is_connected=False)
    assert (state.is_connected, reports) == (False, [True, False])


def test_host_traffic_alone_connects_and_releases() -> None:
    state, reports = rrc_state()
    state.report_host(is_connected=True)
    state.report_host(is_connected=True)
    state.report(is_connected=False)
    state.report_host(is_connected=False)
    assert reports == [True, False]


def test_a_silent_reset_forgets_both_sources() -> None:
    state, reports = rrc_state()
    state.report(is_connected=True)
    state.report_host(is_connected=True)
    state.is_connected = False
    state.report(is_connected=False)  # a source that has not heard of the reset changes nothing
    assert (state.is_connected, reports) == (False, [True])
    state.report_host(is_connected=True)
    assert reports == [True, True]


def test_a_connection_over_before_the_loop_serves_it_is_still_reported() -> None:
    """One short packet with release assistance: the connection is released microseconds after its set-up,
    and a loop that serves both timers late still reports it up, then released."""
    now_s = [0.0]
    loop = EventLoop(clock=lambda: now_s[0])
    link = LinkModel(dataclasses.replace(CE_PROFILES[0], ul_kbps=10_000.0), seed=1)
    reports: list[bool] = []
    state = RrcState(loop=loop, link=link, on_change=reports.append)
    state.follow(link.send(Direction.UL, 50, at_s=0.0, rai=ReleaseAssistance.NO_FURTHER_DATA))
    now_s[0] = 10.0
    loop.call_at(now_s[0], loop.stop)
    loop.run()
    assert reports == [True, False]
