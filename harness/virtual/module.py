"""virtual layer: one virtual module: AT front, registration, link, idle mode and sockets on one event loop.

Model-neutral: what the module answers comes from its model's command table, `build_commands(module)` in
`harness/virtual/model_<name>.py`, found by name (STYLE 3). This class ties the parts together the way a
module and its network behave (cellular-iot.md §5.3):
- RRC: `+CSCON: 1` when a connection comes up, `+CSCON: 0` when the network releases it (27.007 §10.1.29,
  BC660K AT manual [S5] §4.6). The attach and every TAU use a connection, so a freshly registered module is
  connected until the inactivity timer (or release assistance) ends it.
- Power saving: PSM and eDRX requests are granted by the network policy at the attach and again, through a
  tracking area update (a short connection), whenever the module asks anew while registered; idle-mode
  timing and held downlink are harness.virtual.idle_mode's.
- Data: `uplink` and `downlink` (the RadioPath the UDP and TCP sockets and the ping use) carry packets
  through the link model; uplink data wakes a module from PSM; downlink waits for the module to be reachable.
- The UICC (harness.virtual.uicc): the attach takes `attach_s` with a valid stored EF_EPSLOCI (warm) and
  `cold_attach_s` without (cold); every attach stores its GUTI and TAI there.
- The state timeline (harness.virtual.state_timeline) a power rail reads, with every transfer's air use, and
  `handle_control`, the entry of the control channel (harness.virtual.control).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping

from harness.virtual.at_front import ATFront, Handler
from harness.virtual.control import ControlOp, control_ops
from harness.virtual.data_interface_topology import DataInterfaceInfo
from harness.virtual.event_loop import EventLoop
from harness.virtual.idle_mode import IdleEvents, IdleMode
from harness.virtual.link import Direction, LinkModel, LinkProfile, ReleaseAssistance, Transfer
from harness.virtual.options import COLD_ATTACH_FACTOR, MODEL_PREFIX, Identity, ModuleOptions
from harness.virtual.pdp_contexts import PdpContexts
from harness.virtual.power_saving import PowerSaving
from harness.virtual.profiles import VISITED_PLMN
from harness.virtual.radio import ACT_NR_5GCN, tx_power_dbm
from harness.virtual.registration import Fun, Registration, RegistrationEvents, RegistrationReport, RegStat
from harness.virtual.registration_reject import Reject, RejectingNetwork
from harness.virtual.rrc import RrcState
from harness.virtual.sim_lock import SimLock
from harness.virtual.sim_slots import SlotSim, first_card, issue_uicc
from harness.virtual.state_timeline import StateTimeline, modem_state
from harness.virtual.tcp_sockets import TcpSocketTable
from harness.virtual.udp_sockets import SocketTable

# Judgement: time from a reset (AT+CFUN=<fun>,1) to the ready URC; the manuals give no figure.
BOOT_S = 0.5
# Judgement: the size of a TAU REQUEST on the air (24.301 §8.2.29 with a GUTI and the PSM/eDRX IEs).
TAU_REQUEST_BYTES = 40
REJECTED_MARK = "registration_rejected"  # a timeline mark, as fault_injector's

Deliver = Callable[[], None]


class VirtualModule:
    def __init__(self, *, options: ModuleOptions, loop: EventLoop, write: Callable[[bytes], None]) -> None:
        self.options = options
        self.loop = loop
        self.profile = options.profile
        self.cell = options.profile.cell
        self.radio = options.radio
        self.network = options.network
        self.link_overrides = dict(options.link_overrides)
        self.front = ATFront(write=write, is_echo_on=options.is_echo_on)
        self.link = LinkModel(options.link, seed=options.seed)
        self.timeline = StateTimeline(clock=loop.now_s)
        self.power_saving = PowerSaving(edrx_act_type=self.profile.edrx_act_type)
        self.pdp = PdpContexts(attach_cid=options.spec.attach_cid)
        self.is_cscon_urc_on = False
        self.rrc = RrcState(loop=loop, link=self.link, on_change=self._rrc_changed)
        self.is_booted = False
        self.psm_watchers: list[Callable[[bool], None]] = []  # called with True on entering PSM
        self.reboot_watchers: list[Callable[[], None]] = []  # models forget what a reset clears
        self.registration_watchers: list[Callable[[bool], None]] = []  # True: registered, False: lost
        self.next_uplink_rai = ReleaseAssistance.NONE  # set by a command that marks the next packet
        self.dropped_dl_count = 0  # downlink for a module that is not registered
        # the card in use, None for an empty slot (a dual-SIM model switches it: harness.virtual.sim_slots)
        self.sim_card: SlotSim | None = first_card(options)
        # called with True when a data call for the host's network interface is up (ECM/RNDIS/MBIM data
        # path, harness.virtual.data_interface), False when it is down
        self.data_call_watchers: list[Callable[[bool], None]] = []
        # what other parts add to the control op "status" (faults and port: harness.virtual.fault_injector)
        self.status_parts: list[Callable[[], Mapping[str, object]]] = []
        self.link_profile_watchers: list[Callable[[LinkProfile], None]] = []  # new link figures (conditions)
        self.close_watchers: list[Callable[[], None]] = []  # what a model started ends with the module
        self.data_interface: DataInterfaceInfo | None = None  # the host data interface (host_data_path)
        self.rejects = RejectingNetwork(
            timer_scale=options.timer_scale, retry=options.retry, seed=options.seed
        )
        self.uicc = issue_uicc(first_card(options), tac=self.cell.tac)  # the card in use's (sim_slots)
        self.registration = Registration(
            loop=loop,
            events=RegistrationEvents(
                on_registered=self._on_registered,
                on_deregistered=self._on_deregistered,
                on_stat_change=self._update_state,
                is_roaming=lambda: self.network.is_roaming,
                answer_attempt=self._answer_attempt,
                forget_failures=self.rejects.forget_failures,
                attach_s=self._attach_s,
                is_forbidden=lambda: self.uicc.is_forbidden(self._serving_plmn()),
            ),
        )
        self.registration.report_urc = self.front.emit_urc
        self.eps_report = RegistrationReport(
            prefix="+CEREG",
            max_n=5,
            is_in_domain=self.cell.act != ACT_NR_5GCN,
            location=lambda: [f'"{self.cell.tac}"', f'"{self.cell.cell_id}"', str(self.cell.act)],
            timers=lambda: self.power_saving.granted_timers,
            reject_cause=lambda: self.registration.cause,
        )
        self.registration.reports.append(self.eps_report)
        self.idle = IdleMode(
            loop=loop,
            events=IdleEvents(
                enter_psm=lambda: self._notify_psm(is_in_psm=True),
                exit_psm=lambda: self._notify_psm(is_in_psm=False),
                periodic_tau=self._tracking_area_update,
                deliver=self._send_downlink,
            ),
        )
        self.idle.dl_buffer_count = self.network.dl_buffer_count
        self.sockets = SocketTable(loop=loop, path=self, local_ip=options.ip_address)
        self.streams = TcpSocketTable(loop=loop, path=self, local_ip=options.ip_address)
        self.sim_lock = SimLock(pin=options.pin, registration=self.registration)
        self.front.guards.append(self.sim_lock.guard)
        self.reboot_watchers.append(self.sim_lock.power_up)
        self.control_ops: dict[str, ControlOp] = control_ops(self)
        self.front.install(load_commands(options.model, self))

    # --- power -------------------------------------------------------------------------------------------

    def boot(self, fun: Fun = Fun.FULL) -> None:
        """Power on: the model's ready URC, then the functionality level (CFUN=1 is the default: it
        attaches)."""
        self.is_booted = True
        if self.options.spec.ready_urc is not None:
            self.front.emit_urc(self.options.spec.ready_urc)
        self.registration.set_fun(fun)
        self._update_state()

    def reboot(self, fun: Fun) -> None:
        """Reset (AT+CFUN=<fun>,1): everything volatile is gone at once; the ready URC follows BOOT_S later.
        Settings the manuals say are kept in NVRAM (echo, CMEE, report modes, PSM/eDRX requests, PDP
        contexts) survive."""
        self.is_booted = False
        self.front.reset()
        self.front.wake()
        self.sockets.close_all(is_network_side=False)
        self.streams.close_all(is_network_side=False)
        self.link.release()
        self.rrc.is_connected = False  # no +CSCON: the reset is silent
        self.registration.power_off()
        self.idle.on_deregistered()
        self.power_saving.forget_grants()
        self.next_uplink_rai = ReleaseAssistance.NONE
        for watcher in self.reboot_watchers:
            watcher()
        self._update_state()
        self.loop.call_later(BOOT_S, lambda: self.boot(fun))

    def close(self) -> None:
        self.sockets.close_all(is_network_side=False)
        self.streams.close_all(is_network_side=False)
        for watcher in self.close_watchers:
            watcher()

    @property
    def is_rrc_connected(self) -> bool:
        return self.rrc.is_connected

    # --- requests the AT commands make -------------------------------------------------------------------

    def request_psm(self, mode: int, *, periodic_tau_bits: str | None, active_time_bits: str | None) -> None:
        self.power_saving.request_psm(
            mode, periodic_tau_bits=periodic_tau_bits, active_time_bits=active_time_bits
        )
        self._tracking_area_update()

    def request_edrx(self, mode: int, *, edrx_bits: str | None, ptw_bits: str | None) -> None:
        self.power_saving.request_edrx(mode, edrx_bits=edrx_bits, ptw_bits=ptw_bits)
        self._tracking_area_update()

    # --- RadioPath: datagrams through the link -----------------------------------------------------------

    def uplink(
        self, payload_bytes: int, deliver: Deliver, *, rai: ReleaseAssistance = ReleaseAssistance.NONE
    ) -> None:
        """Send a datagram of `payload_bytes`; `deliver` runs when it reaches the far end (never if lost)."""
        if rai is ReleaseAssistance.NONE:
            rai, self.next_uplink_rai = self.next_uplink_rai, ReleaseAssistance.NONE
        self.idle.wake()
        self._schedule(self._transfer(Direction.UL, payload_bytes, rai), deliver)

    def downlink(self, payload_bytes: int, deliver: Deliver) -> None:
        """A datagram for the module; `deliver` runs when it reaches the module (never if lost or dropped)."""
        if not self.registration.is_registered:
            self.dropped_dl_count += 1
        elif not self.link.is_idle(self.loop.now_s()):
            self._send_downlink(payload_bytes, deliver)
        else:
            self.idle.downlink(payload_bytes, deliver)

    # --- control -----------------------------------------------------------------------------------------

    def handle_control(self, request: Mapping[str, object]) -> Mapping[str, object]:
        """A request from the module's control channel (the harness side of a virtual rig: what a lab does
        with an attenuator or a network emulator): `{"op": <name>, ...}`, answered with a dict. The ops are
        harness.virtual.control's ("status", "conditions", "network", "timeline"); ValueError for a request
        it cannot do."""
        op = request.get("op")
        handler = self.control_ops.get(op) if isinstance(op, str) else None
        if handler is None:
            raise ValueError(f"unknown control op {op!r} (known: {', '.join(sorted(self.control_ops))})")
        return handler({name: value for name, value in request.items() if name != "op"})

    def change_cell(self, *, is_coverage_change: bool) -> None:
        """The radio changed under the module. A new coverage level means a reselection: an NB-IoT module
        has no connected-mode handover (Rel-13), so a connection is dropped (judgement, as an RLF would do)
        and the registration reports (n>=2) show the cell again."""
        if not is_coverage_change:
            return
        if self.is_rrc_connected:
            self.link.release()
            self.rrc.report(is_connected=False)
        self.registration.report(is_cell_change=True)

    def change_network(self, *, is_new_reject: bool = False) -> None:
        """The network policy changed: buffering applies at once, grants and rejects at the next attempt
        (attach or TAU); a new reject policy counts its attempts from now."""
        self.idle.dl_buffer_count = self.network.dl_buffer_count
        if is_new_reject:
            self.rejects.restart_count()

    # --- internals ---------------------------------------------------------------------------------------

    def _transfer(
        self, direction: Direction, payload_bytes: int, rai: ReleaseAssistance = ReleaseAssistance.NONE
    ) -> Transfer:
        transfer = self.link.send(direction, payload_bytes, at_s=self.loop.now_s(), rai=rai)
        self.rrc.follow(transfer)
        self.timeline.record_transfer(transfer, tx_power_dbm=tx_power_dbm(self.radio))
        return transfer

    def _schedule(self, transfer: Transfer, deliver: Deliver) -> None:
        if transfer.arrive_at_s is not None:
            self.loop.call_at(transfer.arrive_at_s, deliver)

    def _send_downlink(self, payload_bytes: int, deliver: Deliver) -> None:
        self._schedule(self._transfer(Direction.DL, payload_bytes), deliver)

    @property
    def sim_identity(self) -> Identity:
        """Who the card in use says it is (the IMEI is the module's); an empty slot's commands are answered
        +CME ERROR: 10 before this is read."""
        card = self.sim_card or first_card(self.options)
        return Identity(imei=self.options.identity.imei, imsi=card.imsi, iccid=card.iccid)

    def _serving_plmn(self) -> str:
        home_plmn = (self.sim_card or first_card(self.options)).plmn  # the network of the card in use
        return VISITED_PLMN if self.network.is_roaming else home_plmn

    def _attach_s(self) -> float:
        """With a valid EF_EPSLOCI for the serving area the attach uses the GUTI (warm); else a full one."""
        options = self.options
        if self.uicc.is_warm_for(plmn=self._serving_plmn(), tac=self.profile.cell.tac):
            return options.attach_s
        return (
            options.cold_attach_s
            if options.cold_attach_s is not None
            else COLD_ATTACH_FACTOR * options.attach_s
        )

    def _on_registered(self) -> None:
        self.cell = dataclasses.replace(self.profile.cell, plmn=self._serving_plmn())
        self.uicc.store_registration(plmn=self.cell.plmn, tac=self.cell.tac)
        self._negotiate()
        if self.link.signal(self.loop.now_s()):
            self.rrc.report(is_connected=True)
        self.rrc.follow()
        for watcher in self.registration_watchers:
            watcher(True)

    def _on_deregistered(self) -> None:
        self.link.release()
        self.rrc.report(is_connected=False)
        self.idle.on_deregistered()
        self.power_saving.forget_grants()
        self.sockets.close_all(is_network_side=True)
        self.streams.close_all(is_network_side=True)
        for watcher in self.registration_watchers:
            watcher(False)

    def _answer_attempt(self) -> Reject | None:
        """The network's answer to a registration attempt; a reject is a mark in the state timeline, so the
        control op "timeline" and a run's events see it at its time."""
        reject = self.rejects.answer(self.network)
        if reject is not None:
            self.timeline.mark(REJECTED_MARK, {"cause": reject.cause, "retry_after_s": reject.retry_after_s})
        return reject

    def _negotiate(self) -> None:
        """Ask the network for PSM and eDRX (attach or TAU) and report what changed."""
        is_psm_changed, is_edrx_changed = self.power_saving.negotiate(self.network)
        self.idle.grant(
            self.power_saving.idle_timers(
                paging_cycle_s=self.profile.paging_cycle_s, scale=self.options.timer_scale
            )
        )
        if is_psm_changed:
            self.registration.report()
        if is_edrx_changed and self.power_saving.is_edrx_urc_on:
            self.front.emit_urc(f"+CEDRXP: {self.power_saving.edrx_parameters()}")

    def _tracking_area_update(self) -> None:
        """A TAU: the signalling uses a connection (set up from idle, released right after when nothing
        else is sent); the network answers with new grants and sends what it held."""
        if not self.registration.is_registered:
            return
        self.idle.wake()
        is_from_idle = self.link.is_idle(self.loop.now_s())
        rai = ReleaseAssistance.NO_FURTHER_DATA if is_from_idle else ReleaseAssistance.NONE
        self._transfer(Direction.UL, TAU_REQUEST_BYTES, rai)
        self._negotiate()

    def _notify_psm(self, *, is_in_psm: bool) -> None:
        self._update_state()
        for watcher in self.psm_watchers:
            watcher(is_in_psm)

    def _rrc_changed(self, is_connected: bool) -> None:
        if self.is_cscon_urc_on:
            self.front.emit_urc(f"+CSCON: {int(is_connected)}")
        if is_connected:
            self.idle.on_connected()
        elif self.registration.is_registered:
            self.idle.on_released()
        self._update_state()

    def _update_state(self) -> None:
        registration = self.registration
        self.timeline.enter(
            modem_state(
                is_booted=self.is_booted,
                is_registered=registration.is_registered,
                is_searching=registration.stat is RegStat.SEARCHING,
                is_connected=self.is_rrc_connected,
                is_in_psm=self.idle.is_in_psm,
            )
        )


def load_commands(model: str, module: VirtualModule) -> Mapping[str, Handler]:
    """The command table of `model`, from `harness.virtual.model_<model>.build_commands(module)`."""
    model_module = importlib.import_module(f"harness.virtual.{MODEL_PREFIX}{model}")
    build: Callable[[VirtualModule], Mapping[str, Handler]] = model_module.build_commands
    return build(module)
