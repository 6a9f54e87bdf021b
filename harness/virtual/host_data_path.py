"""virtual layer: a virtual module's host data interface (harness.virtual.data_interface, DESIGN via="host")
wired into the module, for the models whose real counterparts present one: rg255c (ECM/RNDIS, cellular-iot.md
§3.3 [S29]) and ml307r (ECM/RNDIS dial-up, §3.4 [S11]).

URL options (both models): `datapath=netns` builds the interface (default `none`: no interface, AT only);
`data_slot=<0-255>` picks its slot (default: the first free one); `queue_ms` is tbf's queue at the
profile's rate. Namespaces need root: without it the URL is refused when it is read, with netns's reason,
before any process starts.

Started while the module is built, so before the module process says READY; then:
- the carrier follows the module's data call (module.data_call_watchers: the model's dial command,
  harness.virtual.data_call);
- RRC: the relay reports the connections host traffic sets up and the inactivity timer releases; the module
  is connected (+CSCON, the state timeline a power rail reads) while the relay's or the link model's (AT
  sockets, ping, signalling) connection is up (harness.virtual.rrc). The relay's share counts only while
  the data call is up: without a carrier no host traffic holds a connection (a deregistration releases it
  at once), and a call back up before the relay's inactivity timer ran out finds it still connected;
- the `conditions` control op's new link figures go to the relay (rates, delay, jitter, loss, RRC);
- the control op `status` shows the layout (module.data_interface), and the module's close stops the relay,
  which removes its namespaces and links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness import netns
from harness.errors import VirtualModuleError
from harness.virtual.data_interface import DataInterface, DataInterfaceOptions, start_data_interface
from harness.virtual.data_interface_topology import MAX_SLOTS
from harness.virtual.model_spec import ModelOption, Setting, int_setting, str_setting
from harness.virtual.option_reader import integer

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule

NO_DATAPATH = "none"
NETNS_DATAPATH = "netns"
ANY_SLOT = "any"
DEFAULT_QUEUE_MS = round(DataInterfaceOptions().queue_ms)


def _datapath(text: str) -> str:
    if text not in (NO_DATAPATH, NETNS_DATAPATH):
        raise ValueError(f"must be {NO_DATAPATH} or {NETNS_DATAPATH}")
    if text == NETNS_DATAPATH and (reason := netns.missing_net_admin()) is not None:
        raise ValueError(f"cannot be built here: {reason}")
    return text


def _slot(text: str) -> Setting:
    return text if text == ANY_SLOT else integer(0, MAX_SLOTS - 1)(text)


DATA_PATH_OPTIONS = (
    ModelOption(name="datapath", parse=_datapath, default=NO_DATAPATH),
    ModelOption(name="data_slot", parse=_slot, default=ANY_SLOT),
    ModelOption(name="queue_ms", parse=integer(1, 10_000), default=DEFAULT_QUEUE_MS),
)


class HostDataPath:
    """A started data interface tied to its module (see the module docstring); `stop()` at the module's
    close."""

    def __init__(self, module: VirtualModule, interface: DataInterface) -> None:
        self._module = module
        self._interface = interface
        self._is_carrier_up = False
        self._is_relay_connected = False
        module.data_interface = interface.info
        module.data_call_watchers.append(self._data_call_changed)
        module.link_profile_watchers.append(interface.set_profile)
        module.close_watchers.append(self.stop)
        module.loop.add_reader(interface.fileno(), self._read_events)

    def stop(self) -> None:
        self._module.loop.remove_reader(self._interface.fileno())
        self._interface.stop()

    def _data_call_changed(self, is_up: bool) -> None:
        self._interface.set_carrier(is_up)
        self._is_carrier_up = is_up
        self._report()

    def _read_events(self) -> None:
        for change in self._interface.read_events():
            self._is_relay_connected = change.is_connected
            self._report()
        if self._interface.has_ended:
            # the relay is gone (a crash: its stderr says why): a module without its data path is broken
            self._module.loop.remove_reader(self._interface.fileno())
            interface = self._interface
            raise VirtualModuleError(
                f"data interface relay pid {interface.pid} ended; stderr: {interface.stderr_tail()}"
            )

    def _report(self) -> None:
        self._module.rrc.report_host(is_connected=self._is_relay_connected and self._is_carrier_up)


def start_host_data_path(module: VirtualModule) -> HostDataPath | None:
    """The module's data interface when its URL asks for one (the model declares DATA_PATH_OPTIONS), with
    the carrier off until a data call is up; None otherwise."""
    settings = module.options.settings
    if str_setting(settings, "datapath") != NETNS_DATAPATH:
        return None
    slot = settings["data_slot"]
    options = DataInterfaceOptions(
        slot=slot if isinstance(slot, int) else None,
        seed=module.options.seed,
        queue_ms=float(int_setting(settings, "queue_ms")),
        is_carrier_on=False,
        is_rrc_reported=True,
    )
    return HostDataPath(module, start_data_interface(module.options.link, options))
