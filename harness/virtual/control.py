"""virtual layer: the control ops of a virtual module, what a lab does with an attenuator or a network
emulator (VirtualModule.handle_control dispatches them; the control channel carries them as plain dicts).

  {"op": "status"}                        the module's state, radio, link, grants, held downlink and the
                                          next paging occasion with eDRX (module clock: time.monotonic of
                                          the module process, the same clock as every process's here); the
                                          host data interface (`data_interface`: host_interface,
                                          host_address, server_address, network_namespace...) or None;
                                          what a power rail draws by: `rat`, `timer_scale`, the paging
                                          cycle as run (`paging_cycle_s`, scaled), `tx_power_dbm`
                                          (harness.virtual.radio) and `edrx` (cycle_s, ptw_s as run, and
                                          window_start_s, the start of the current cycle's window) or None
  {"op": "conditions", "ce": 2}           radio conditions: ce, rsrp (dBm), rsrq_db, sinr_db and the link
                                          fields (delay_ms, jitter_ms, ul_kbps, dl_kbps, loss_pct,
                                          rrc_setup_ms, inactivity_s), the URL's names and ranges. A new ce
                                          (or an rsrp in another CE band) takes that level's figures with
                                          the pinned link fields on top; link fields given here are pinned
                                          too. A change applies from the next packet (and to the host data
                                          interface's relay); a new coverage level is a reselection
                                          (VirtualModule.change_cell).
  {"op": "network", "psm": "reject"}      network policy options (harness.virtual.network_policy; they
                                          apply at the next attach or TAU; "reject": 15, "reject.attempts":
                                          2 rejects registration, harness.virtual.registration_reject),
                                          and "registration": "deregister"
                                          (the network detaches the module and keeps it out) or "register"
  {"op": "timeline", "since_s": 12.5}     state changes since a time of the module's clock, and the air
                                          uses still on the air then or later ("air": start_s,
                                          duration_s, kind ul | dl | rrc_setup, tx_power_dbm)
  {"op": "fault", "kind": "reboot"}       a fault (harness.virtual.faults names the kinds and parameters)
  {"op": "clear_faults"}                  every fault ends (or one: "kind"); both are
                                          harness.virtual.fault_injector's, which adds them to the module
Every answer is a dict of JSON values; a bad request is a ValueError naming what is wrong. What a part of the
module adds to "status" comes from VirtualModule.status_parts (the faults, the port's tty path), and the
timeline's marks (faults switched on and off) come with "timeline" as "marks".
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from harness.virtual.data_interface_topology import DataInterfaceInfo
from harness.virtual.idle_mode import IdleMode
from harness.virtual.network_policy import REJECT_OPTION, changed_policy
from harness.virtual.option_reader import integer, number
from harness.virtual.options import LINK_OPTIONS, RSRP_OPTION, link_with
from harness.virtual.radio import tx_power_dbm

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

ControlOp = Callable[[Mapping[str, object]], Mapping[str, object]]
Args = Mapping[str, object]

RADIO_OPTIONS: Mapping[str, Callable[[str], float]] = MappingProxyType(
    {"rsrp": RSRP_OPTION, "rsrq_db": number(-45.0, 20.0), "sinr_db": number(-30.0, 50.0)}
)
RADIO_FIELDS = MappingProxyType({"rsrp": "rsrp_dbm", "rsrq_db": "rsrq_db", "sinr_db": "sinr_db"})


def control_ops(module: VirtualModule) -> dict[str, ControlOp]:
    ops: dict[str, Callable[[VirtualModule, Args], Mapping[str, object]]] = {
        "status": status,
        "conditions": conditions,
        "network": network,
        "timeline": timeline,
    }
    return {name: functools.partial(op, module) for name, op in ops.items()}


def status(module: VirtualModule, args: Args) -> Mapping[str, object]:
    _check_names("status", args, set())
    power, idle = module.power_saving, module.idle
    psm, edrx = power.grants.psm, power.grants.edrx
    now_s = module.loop.now_s()
    is_edrx = idle.timers.edrx_cycle_s is not None
    paging_s = idle.next_paging_occasion_s(now_s) if is_edrx else None
    return {
        "model": module.options.model,
        "profile": module.profile.name,
        "now_s": now_s,
        "state": str(module.timeline.state),
        "stat": int(module.registration.stat),
        "reject_cause": module.registration.cause,
        "is_registered": module.registration.is_registered,
        "is_rrc_connected": module.is_rrc_connected,
        "plmn": module.cell.plmn,
        "ce_level": module.radio.ce_level,
        "rsrp_dbm": module.radio.rsrp_dbm,
        "rsrq_db": module.radio.rsrq_db,
        "sinr_db": module.radio.sinr_db,
        "link": dataclasses.asdict(module.link.profile),
        "psm_granted": None if psm is None else [psm.active_time_bits, psm.periodic_tau_bits],
        "edrx_granted": None if edrx is None else [edrx.requested_bits, edrx.nw_bits, edrx.ptw_bits],
        "is_in_psm": idle.is_in_psm,
        "next_paging_occasion_s": paging_s,
        "edrx": _edrx(idle, now_s) if is_edrx else None,
        "rat": str(module.profile.rat),
        "timer_scale": module.options.timer_scale,
        "paging_cycle_s": module.profile.paging_cycle_s * module.options.timer_scale,
        "tx_power_dbm": tx_power_dbm(module.radio),
        "is_uart_asleep": module.front.is_asleep,
        "held_dl_count": len(idle.held),
        "dropped_dl_count": idle.dropped_count + module.dropped_dl_count,
        "network": {
            field.name: _json(getattr(module.network, field.name))
            for field in dataclasses.fields(module.network)
        },
        **{name: value for part in module.status_parts for name, value in part().items()},
        "data_interface": _info(module.data_interface),
    }


def conditions(module: VirtualModule, args: Args) -> Mapping[str, object]:
    _check_names("conditions", args, {"ce", *RADIO_OPTIONS, *LINK_OPTIONS})
    profile = module.profile
    old_level = module.radio.ce_level
    levels = profile.levels
    radio_values = {name: _parse(args, name, parse) for name, parse in RADIO_OPTIONS.items() if name in args}
    if "ce" in args:
        level = int(_parse(args, "ce", integer(levels[0], levels[-1])))
    elif "rsrp" in radio_values:
        level = profile.level_for(radio_values["rsrp"])
    else:
        level = old_level
    radio = module.radio if level == old_level else profile.conditions(level)
    fields: dict[str, Any] = {RADIO_FIELDS[name]: value for name, value in radio_values.items()}
    module.radio = dataclasses.replace(radio, **fields)
    module.link_overrides.update(
        {name: _parse(args, name, parse) for name, parse in LINK_OPTIONS.items() if name in args}
    )
    module.link.set_profile(link_with(profile.links[level], module.link_overrides))
    for watcher in module.link_profile_watchers:
        watcher(module.link.profile)
    module.change_cell(is_coverage_change=level != old_level)
    return status(module, {})


def network(module: VirtualModule, args: Args) -> Mapping[str, object]:
    policy_args = {name: value for name, value in args.items() if name != "registration"}
    registration = args.get("registration")
    if registration not in (None, "deregister", "register"):
        raise ValueError(f'registration must be "deregister" or "register", got {registration!r}')
    module.network = changed_policy(module.network, policy_args)
    module.change_network(is_new_reject=any(name.split(".")[0] == REJECT_OPTION for name in policy_args))
    if registration == "deregister":
        module.registration.bar()
    elif registration == "register":
        module.registration.unbar()
    return status(module, {})


def timeline(module: VirtualModule, args: Args) -> Mapping[str, object]:
    _check_names("timeline", args, {"since_s"})
    since_s = _parse(args, "since_s", number(-math.inf, math.inf)) if "since_s" in args else -math.inf
    changes = module.timeline.since(since_s)
    return {
        "now_s": module.loop.now_s(),
        "changes": [{"t_s": change.t_s, "state": str(change.state)} for change in changes],
        "marks": [
            {"t_s": mark.t_s, "name": mark.name, **mark.detail}
            for mark in module.timeline.marks_since(since_s)
        ],
        "air": [
            {
                "start_s": use.start_s,
                "duration_s": use.duration_s,
                "kind": str(use.kind),
                "tx_power_dbm": use.tx_power_dbm,
            }
            for use in module.timeline.air_since(since_s)
        ],
    }


def _edrx(idle: IdleMode, now_s: float) -> dict[str, float | None]:
    return {
        "cycle_s": idle.timers.edrx_cycle_s,
        "ptw_s": idle.timers.ptw_s,
        "window_start_s": idle.edrx_window_start_s(now_s),
    }


def _check_names(op: str, args: Args, known: set[str]) -> None:
    unknown = sorted(set(args) - known)
    if unknown:
        shown = ", ".join(sorted(known)) or "none"
        raise ValueError(f"control op {op} has no field {unknown[0]!r} (known: {shown})")


def _parse(args: Args, name: str, parse: Callable[[str], float]) -> float:
    value = args[name]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    # JSON has one number type: a plan's `ce = 2` may arrive as 2.0, and is still the integer 2.
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(f"{name} {exc}, got {value!r}") from None


def _info(info: DataInterfaceInfo | None) -> dict[str, object] | None:
    return None if info is None else dataclasses.asdict(info)


def _json(value: object) -> object:
    return value if value is None or isinstance(value, bool | int | float) else str(value)
