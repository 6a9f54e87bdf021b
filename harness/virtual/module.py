"""virtual layer: one virtual module: AT front, registration, link and sockets on one event loop.

Model-neutral: what the module answers comes from its model's command table, `build_commands(module)` in
`harness/virtual/model_<name>.py`, found by name (STYLE 3). This class also turns the link model's RRC
state into +CSCON URCs (27.007 §10.1.29, BC660K AT manual [S5] §4.6): `+CSCON: 1` when a connection comes
up, `+CSCON: 0` when the network releases it after inactivity_s. The attach itself uses a connection, so a
freshly registered module is connected until that timer runs out, as on a live network.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from harness.virtual.at_front import ATFront, Handler
from harness.virtual.event_loop import EventLoop, Timer
from harness.virtual.link import Direction, LinkModel, Transfer
from harness.virtual.options import MODEL_PREFIX, ModuleOptions
from harness.virtual.radio import ServingCell
from harness.virtual.registration import Fun, Registration, RegistrationEvents
from harness.virtual.udp_sockets import SocketTable

# Judgement: time from a reset (AT+CFUN=<fun>,1) to RDY; the manual gives no figure.
BOOT_S = 0.5


class VirtualModule:
    def __init__(self, *, options: ModuleOptions, loop: EventLoop, write: Callable[[bytes], None]) -> None:
        self.options = options
        self.loop = loop
        self.cell = ServingCell()
        self.front = ATFront(write=write, is_echo_on=options.is_echo_on)
        self.link = LinkModel(options.link, seed=options.seed)
        self.is_cscon_urc_on = False
        self.is_rrc_connected = False  # as last reported
        self._release_timer: Timer | None = None
        self.registration = Registration(
            loop=loop,
            attach_s=options.attach_s,
            cell=self.cell,
            granted_timers=(options.active_time_bits, options.periodic_tau_bits),
            events=RegistrationEvents(
                emit=self.front.emit_urc,
                on_registered=self._on_registered,
                on_deregistered=self._on_deregistered,
            ),
        )
        self.sockets = SocketTable(loop=loop, transfer=self.transfer, local_ip=options.ip_address)
        self.front.install(load_commands(options.model, self))

    def boot(self, fun: Fun = Fun.FULL) -> None:
        """Power on: RDY, then the functionality level (CFUN=1 is the boot default, so it attaches)."""
        self.front.emit_urc("RDY")
        self.registration.set_fun(fun)

    def reboot(self, fun: Fun) -> None:
        """Reset (AT+CFUN=<fun>,1): everything volatile is gone at once; RDY follows BOOT_S later.
        Settings the manual says are kept in NVRAM (echo, CMEE, CEREG and CSCON modes) survive."""
        self.front.reset()
        self.sockets.close_all(is_network_side=False)
        self.link.release()
        self.is_rrc_connected = False
        self.registration.power_off()
        self.loop.call_later(BOOT_S, lambda: self.boot(fun))

    def transfer(self, direction: Direction, payload_bytes: int) -> Transfer:
        """Send a packet over the link now, keeping the reported RRC state in step."""
        transfer = self.link.send(direction, payload_bytes, at_s=self.loop.now_s())
        if transfer.connected_at_s is not None:
            self.loop.call_at(transfer.connected_at_s, self._connection_up)
        self._watch_release()
        return transfer

    def close(self) -> None:
        self.sockets.close_all(is_network_side=False)

    def handle_control(self, request: Mapping[str, object]) -> Mapping[str, object]:
        """A request from the module's control channel (the harness side of a virtual rig: what a lab does
        with an attenuator or a network emulator). `{"op": "status"}` answers the module's state; other ops
        come with the radio conditions, network policy and faults. ValueError for a request it cannot do."""
        match request.get("op"):
            case "status":
                return {
                    "model": self.options.model,
                    "is_registered": self.registration.is_registered,
                    "is_rrc_connected": self.is_rrc_connected,
                    "ce_level": self.options.radio.ce_level,
                }
            case op:
                raise ValueError(f"unknown control op {op!r}")

    def _on_registered(self) -> None:
        if self.link.signal(self.loop.now_s()):
            self._report_rrc(is_connected=True)
        self._watch_release()

    def _on_deregistered(self) -> None:
        self.link.release()
        self._report_rrc(is_connected=False)
        self.sockets.close_all(is_network_side=True)

    def _connection_up(self) -> None:
        # the connection may have gone in the meantime (deregistration, reset)
        if self.link.is_connected(self.loop.now_s()):
            self._report_rrc(is_connected=True)

    def _watch_release(self) -> None:
        if self._release_timer is not None:
            self._release_timer.cancel()
        release_at_s = self.link.release_at_s
        self._release_timer = (
            None if release_at_s is None else self.loop.call_at(release_at_s, self._release_due)
        )

    def _release_due(self) -> None:
        self._release_timer = None
        release_at_s = self.link.release_at_s
        if release_at_s is not None and self.loop.now_s() < release_at_s:
            self._watch_release()
        else:
            self._report_rrc(is_connected=False)

    def _report_rrc(self, *, is_connected: bool) -> None:
        if is_connected == self.is_rrc_connected:
            return
        self.is_rrc_connected = is_connected
        if self.is_cscon_urc_on:
            self.front.emit_urc(f"+CSCON: {int(is_connected)}")


def load_commands(model: str, module: VirtualModule) -> Mapping[str, Handler]:
    """The command table of `model`, from `harness.virtual.model_<model>.build_commands(module)`."""
    model_module = importlib.import_module(f"harness.virtual.{MODEL_PREFIX}{model}")
    build: Callable[[VirtualModule], Mapping[str, Handler]] = model_module.build_commands
    return build(module)
