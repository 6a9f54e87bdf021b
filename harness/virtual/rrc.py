"""virtual layer: the RRC state a virtual module reports (+CSCON, 27.007 §10.1.30), kept in step with its
link model: a connection is reported up when the link has set it up, and down when the link's release time
(the network's inactivity timer, or release assistance) has come without another packet moving it."""

from __future__ import annotations

from collections.abc import Callable

from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.link import LinkModel, Transfer


class RrcState:
    def __init__(self, *, loop: EventLoop, link: LinkModel, on_change: Callable[[bool], None]) -> None:
        self._loop = loop
        self._link = link
        self._on_change = on_change
        self._release_timer: Timer | None = None
        self.is_connected = False  # as last reported

    def follow(self, transfer: Transfer | None = None) -> None:
        """The link was used (a packet, signalling): report a connection it set up, and the release it now
        expects."""
        if transfer is not None and transfer.connected_at_s is not None:
            self._loop.call_at(transfer.connected_at_s, self._connection_up)
        if self._release_timer is not None:
            self._release_timer.cancel()
        release_at_s = self._link.release_at_s
        self._release_timer = (
            None if release_at_s is None else self._loop.call_at(release_at_s, self._release_due)
        )

    def report(self, *, is_connected: bool) -> None:
        """Report a change (nothing when it is the state already reported)."""
        if is_connected != self.is_connected:
            self.is_connected = is_connected
            self._on_change(is_connected)

    def _connection_up(self) -> None:
        # the connection may have gone in the meantime (deregistration, reset)
        if self._link.is_connected(self._loop.now_s()):
            self.report(is_connected=True)

    def _release_due(self) -> None:
        self._release_timer = None
        release_at_s = self._link.release_at_s
        if release_at_s is not None and self._loop.now_s() < release_at_s:
            self.follow()
        else:
            self.report(is_connected=False)
