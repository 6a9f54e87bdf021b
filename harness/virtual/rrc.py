"""virtual layer: the RRC state a virtual module reports (+CSCON, 27.007 §10.1.30), kept in step with its
link model: a connection is reported up when the link has set it up, and down when the link's release time
(the network's inactivity timer, or release assistance) has come without another packet moving it.

A module with a host data interface (harness.virtual.host_data_path) has a second source: the relay that
carries the host's traffic sets up and releases connections of its own. One radio has one RRC connection,
so the module is connected while either source says so."""

from __future__ import annotations

import functools
from collections.abc import Callable

from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.link import LinkModel, Transfer


class RrcState:
    def __init__(self, *, loop: EventLoop, link: LinkModel, on_change: Callable[[bool], None]) -> None:
        self._loop = loop
        self._link = link
        self._on_change = on_change
        self._release_timer: Timer | None = None
        self._reported = False
        self._is_link_connected = False
        self._is_host_connected = False

    @property
    def is_connected(self) -> bool:
        """As last reported."""
        return self._reported

    @is_connected.setter
    def is_connected(self, is_connected: bool) -> None:
        """A change without a report (a reset is silent): both sources are taken to say so."""
        self._reported = self._is_link_connected = self._is_host_connected = is_connected

    def follow(self, transfer: Transfer | None = None) -> None:
        """The link was used (a packet, signalling): report a connection it set up, and the release it now
        expects."""
        if transfer is not None and transfer.connected_at_s is not None:
            connected_at_s = transfer.connected_at_s
            self._loop.call_at(connected_at_s, functools.partial(self._connection_up, connected_at_s))
        if self._release_timer is not None:
            self._release_timer.cancel()
        release_at_s = self._link.release_at_s
        self._release_timer = (
            None if release_at_s is None else self._loop.call_at(release_at_s, self._release_due)
        )

    def report(self, *, is_connected: bool) -> None:
        """The link model's connection changed: report a change of the module's (nothing when it is the
        state already reported)."""
        self._is_link_connected = is_connected
        self._update()

    def report_host(self, *, is_connected: bool) -> None:
        """The host data path's connection changed: report a change of the module's, as report() does."""
        self._is_host_connected = is_connected
        self._update()

    def _update(self) -> None:
        is_connected = self._is_link_connected or self._is_host_connected
        if is_connected != self._reported:
            self._reported = is_connected
            self._on_change(is_connected)

    def _connection_up(self, connected_at_s: float) -> None:
        # Asked at the set-up time, not now: a connection released right after one short packet with release
        # assistance may be over before the loop serves this timer, and was still up. A connection that went
        # in the meantime (deregistration, reset) no longer holds that time.
        if self._link.is_connected(connected_at_s):
            self.report(is_connected=True)

    def _release_due(self) -> None:
        self._release_timer = None
        release_at_s = self._link.release_at_s
        if release_at_s is not None and self._loop.now_s() < release_at_s:
            self.follow()
        else:
            self.report(is_connected=False)
