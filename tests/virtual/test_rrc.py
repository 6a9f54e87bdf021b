"""harness.virtual.rrc: the state reported from two sources, the link model (AT sockets, signalling) and the
host data path's relay: connected while either is, one report per change, and a silent reset."""

from __future__ import annotations

from harness.virtual.event_loop import EventLoop
from harness.virtual.link import CE_PROFILES, LinkModel
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
