"""glue layer: the `host_data_path` fixture: both ends of the case's module's host data path (via="host"),
ready for traffic: the module's data call up, the host interface's carrier on and its address read from the
OS, and a test server where the path ends (harness.transport.data_path says where: for a virtual module with
`datapath=netns`, a server inside its network namespace; for a rig module with `[module.data]`, the rig's
own `[server]`, local or remote, which the traffic reaches through the operator's network).
It carries the module's AT session clock too: traffic on the host stamps its samples with it, so the radio
readings of the case join them (harness.traffic.session_clock).

A case skips, naming why, when the module has no host data interface, when the rig describes no path to a
server for it, or when this host cannot run what the path needs (namespaces, iperf3): STYLE 11.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness import netns
from harness.dialects import DATA_INTERFACE, DataCallControl, Modem
from harness.errors import HarnessError
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.modems import ModemPool
from harness.pytest_plugin.plan_run import PlanRun
from harness.server import ServerControl
from harness.server.iperf import iperf3_problem
from harness.server.namespaced import NamespacedServer
from harness.traffic import HostPath
from harness.traffic.session_clock import SessionClock, session_clock_of
from harness.transport.data_path import DataPathEnds, data_path_of, wait_for_host_address

# A data call over ECM/RNDIS is up within seconds once registered; the virtual one at once. The call
# itself may take the network up to 150 s (harness.dialects.quectel_redcap DATA_CALL_TIMEOUT_S).
DATA_CALL_TIMEOUT_S = 150.0
CARRIER_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class HostDataPath:
    host: HostPath
    server: ServerControl
    session_clock: SessionClock


@pytest.fixture
def host_data_path(
    request: pytest.FixtureRequest,
    plan_run: PlanRun,
    modem_pool: ModemPool,
    case: CaseRun,
    registered_modem: Modem,
) -> Iterator[HostDataPath]:
    ends = _ends_or_skip(modem_pool, case, registered_modem)
    snaplen_bytes = plan_run.rig.capture.kept_bytes
    assert isinstance(registered_modem, DataCallControl)  # _ends_or_skip skipped otherwise
    server: ServerControl | None = None
    try:
        registered_modem.connect_data(timeout_s=DATA_CALL_TIMEOUT_S)
        netns.wait_for_carrier(ends.host_interface, timeout_s=CARRIER_TIMEOUT_S)
        host_address = wait_for_host_address(ends)
        if ends.server_end is None:
            # the rig's own server, asked for only now: a rig whose control channel runs over this very
            # path (the virtual rig's plan test) reaches it once the call is up
            server = request.getfixturevalue("server")
        else:
            server = NamespacedServer(
                ends.server_end.namespace, host=ends.server_end.address, capture_snaplen_bytes=snaplen_bytes
            )
    except HarnessError as error:
        with contextlib.suppress(HarnessError):  # the error that stopped the bring-up is the one to see
            registered_modem.disconnect_data()
        pytest.fail(f"module {case.module.id}: host data path not ready: {error}", pytrace=False)
    assert server is not None
    try:
        yield HostDataPath(
            host=HostPath(
                address=host_address, interface=ends.host_interface, capture_snaplen_bytes=snaplen_bytes
            ),
            server=server,
            session_clock=session_clock_of(registered_modem),
        )
    finally:
        if ends.server_end is not None:
            server.close()  # the rig's server is the session's, closed after the last case
        registered_modem.disconnect_data()


def _ends_or_skip(modem_pool: ModemPool, case: CaseRun, modem: Modem) -> DataPathEnds:
    module_id = case.module.id
    if DATA_INTERFACE not in modem.capabilities or not isinstance(modem, DataCallControl):
        pytest.skip(f"module {module_id} has no host data interface its dialect can bring up")
    ends = data_path_of(modem_pool.port_of(module_id), case.module.data)
    if ends is None:
        pytest.skip(
            f"module {module_id}: the rig describes no host data path to a test server "
            "([module.data] interface in the rig; a virtual module needs datapath=netns in its URL)"
        )
    # a namespaced server needs root; iperf3 serves both procedures of the path (test_iperf3's sessions)
    reason = iperf3_problem() or (None if ends.server_end is None else netns.missing_net_admin())
    if reason is not None:
        pytest.skip(f"module {module_id}: host data path: {reason}")
    return ends
