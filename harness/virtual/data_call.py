"""virtual layer: a data call the module dials for the host's network interface (ECM/RNDIS), whatever command
starts it (RG255C AT+QNETDEVCTL: quectel_netdev; ML307R AT+MDIALUP: cmcc_dialup).

Dialled, the call comes up DATA_CALL_S later, or that long after the registration it waits for; it goes down
with the registration, and with a reset. A call dialled to reconnect (`is_auto`) is dialled again when the
module registers again; one dialled once is over when it goes down. Every change of the call goes to the
module's data_call_watchers (the data interface's carrier follows it) and to `on_change` (a model's URC).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.virtual.event_loop import Timer

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

# Judgement: from the dial command to a connected call; a real module takes about a second with DHCP.
DATA_CALL_S = 0.3


class DataCall:
    def __init__(self, module: VirtualModule, *, on_change: Callable[[bool], None] | None = None) -> None:
        self._module = module
        self._on_change = on_change
        self.is_wanted = False  # dialled and not hung up (nor ended, for a call dialled once)
        self.is_auto = False
        self.is_up = False
        self._timer: Timer | None = None
        module.reboot_watchers.append(self._reset)
        module.registration_watchers.append(self._registration_changed)

    def dial(self, *, is_auto: bool) -> None:
        """Start (again) a call: it comes up once the module is registered."""
        self.hang_up()
        self.is_wanted, self.is_auto = True, is_auto
        self._start()

    def hang_up(self) -> None:
        self.is_wanted = False
        self._set(is_up=False)

    def _start(self) -> None:
        if self._timer is None and self._module.registration.is_registered:
            self._timer = self._module.loop.call_later(DATA_CALL_S, self._connected)

    def _connected(self) -> None:
        self._timer = None
        if self.is_wanted and self._module.registration.is_registered:
            self._set(is_up=True)

    def _registration_changed(self, is_registered: bool) -> None:
        if is_registered:
            if self.is_wanted:
                self._start()
            return
        self._set(is_up=False)
        self.is_wanted = self.is_wanted and self.is_auto

    def _reset(self) -> None:
        self._set(is_up=False)
        self.is_wanted = self.is_wanted and self.is_auto

    def _set(self, *, is_up: bool) -> None:
        if not is_up and self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if is_up == self.is_up:
            return
        self.is_up = is_up
        for watcher in self._module.data_call_watchers:
            watcher(is_up)
        if self._on_change is not None:
            self._on_change(is_up)
