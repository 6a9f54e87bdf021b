"""The via="host" procedures (test_host_echo, test_iperf3) as a plan on a rig laid out like a real one: a
virtual RG255C with a host data interface (datapath=netns) that the run reaches only through a plain
`socket://` port (no virtual control channel, as with hardware), its netdev named in the rig's
`[module.data]`, and the rig's `[server]` a remote `miot server` listening inside the module's network
namespace (where traffic from the interface lands, as a lab server beyond the operator's network), with
its token from the environment. This test, not the run, starts both and reads the module's layout, as a lab
knows its udev names and its server.

Expected figures and tolerances are those of the plan tests over a virtual control channel, imported, never
typed: test_host_echo_plan (median round trip within 10 ms of the link's) and test_throughput_plan
(goodput within 3 % for UDP, 5 % for TCP, iperf3 leaving its first second out). Needs root and iperf3;
skipped with that reason otherwise.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

# Imported before any in-process run, as in test_throughput_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pytest

from harness import netns
from harness.server.iperf import iperf3_problem
from harness.virtual.link import expected_rtt_median_ms
from harness.virtual.process import TcpPorts, child_environment, start_virtual_module
from tests.server.server_process import listening_port, stop_server

from .plan_tester import TESTPLANS, PlanTester
from .test_host_echo_plan import LINK, TOLERANCE_MS
from .test_throughput_plan import QUIET, RC, TCP_SHARE, TCP_TOLERANCE, UDP_TOLERANCE, udp_host_kbps

HOST_PATH_REASON = iperf3_problem() or netns.missing_net_admin()
TOKEN_ENV = "HOST_PATH_TEST_SERVER_TOKEN"  # not MIOT_*: the plugin tests' fixture clears those
PAYLOADS = (64, 1024)
# LINK's delay, jitter and loss are QUIET's too: one module serves both expectations
assert (LINK.delay_ms, LINK.jitter_ms, LINK.loss_pct) == (20.0, 0.0, 0.0)
assert "delay_ms=20&jitter_ms=0" in QUIET
URL = f"virtual://rg255c?rx=1&{QUIET}&datapath=netns"


@dataclass(frozen=True, slots=True, kw_only=True)
class LabLayout:
    """What the lab's rig file says: where the module's port is, its netdev, and the server."""

    port_url: str
    interface: str
    subnet: str
    server_host: str
    server_port: int


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[LabLayout]:
    """The module behind socket:// and a `miot server` in its network namespace; both ended by pid."""
    module = start_virtual_module(URL, tcp_ports=TcpPorts(socket_port=0))
    try:
        module.go()
        layout = module.control({"op": "status"})["data_interface"]
        assert isinstance(layout, dict)
        assert module.socket_url is not None
        token = os.urandom(12).hex()
        monkeypatch.setenv(TOKEN_ENV, token)
        server = _start_server(layout["network_namespace"], layout["server_address"], token)
        try:
            yield LabLayout(
                port_url=module.socket_url,
                interface=layout["host_interface"],
                subnet=str(
                    ipaddress.IPv4Interface(f"{layout['host_address']}/{layout['prefix_length']}").network
                ),
                server_host=layout["server_address"],
                server_port=listening_port(server),
            )
        finally:
            stop_server(server)
    finally:
        module.stop()  # its relay removes the namespaces, the server no longer running in them


def _start_server(namespace: str, host: str, token: str) -> subprocess.Popen[str]:
    command = ["ip", "netns", "exec", namespace, sys.executable, "-m", "harness"]
    command += ["server", "--listen", f"{host}:0", "--token-env", TOKEN_ENV]
    return subprocess.Popen(
        command,
        env={**child_environment(), TOKEN_ENV: token},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def rig(lab: LabLayout) -> str:
    return f"""
        [server]
        mode = "remote"
        host = "{lab.server_host}"
        port = {lab.server_port}
        token_env = "{TOKEN_ENV}"

        [[module]]
        id = "rc-a"
        port = "{lab.port_url}"
        rat = "redcap"
        [module.data]
        interface = "{lab.interface}"
        subnet = "{lab.subnet}"
        address_timeout_s = 5
    """


UL_KBPS = 1.2 * RC.ul_kbps  # above the link: the link, not the pacer, sets the rate
PLAN = f"""
    [[case]]
    id = "host-echo"
    test = "test_host_echo"
    params = {{ probes = 10, interval_s = 0.1, timeout_s = 5, warmup_probes = 1 }}
    sweep = {{ payload_bytes = [64, 1024] }}
    limits.loss_pct = {{ high = 0 }}

    [[case]]
    id = "ul-udp"
    test = "test_iperf3"
    params = {{ direction = "ul", transport = "udp", rate_kbps = {UL_KBPS}, duration_s = 2.0, omit_s = 1 }}

    [[case]]
    id = "dl-tcp"
    test = "test_iperf3"
    params = {{ direction = "dl", transport = "tcp", duration_s = 2.0, omit_s = 1 }}
"""


@pytest.mark.skipif(HOST_PATH_REASON is not None, reason=f"host data path: {HOST_PATH_REASON}")
def test_host_path_procedures_run_over_a_rigs_data_interface_and_its_remote_server(
    plan_tester: PlanTester, lab: LabLayout, rate_measurement_slot: None
) -> None:
    plan_tester.write_rig(rig(lab))
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("throughput")
    latency = plan_tester.pytester.path / "test_latency_procedures.py"
    latency.write_text((TESTPLANS / "test_latency.py").read_text(encoding="utf-8"), encoding="utf-8")

    result = plan_tester.pytester.runpytest(str(plan_tester.tests_path), str(latency), *plan_tester.options())

    result.assert_outcomes(passed=len(PAYLOADS) + 2)
    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    for payload_bytes in PAYLOADS:
        test_id = f"host-echo.payload_bytes-{payload_bytes}@rc-a"
        assert rows.loc[(test_id, "loss_pct"), "outcome"] == "pass"
        median_ms = rows.loc[(test_id, "rtt_p50_ms"), "value"]
        assert median_ms == pytest.approx(expected_rtt_median_ms(LINK, payload_bytes), abs=TOLERANCE_MS)
    ul_goodput = rows.loc[("ul-udp@rc-a", "ul_goodput_kbps"), "value"]
    assert ul_goodput == pytest.approx(udp_host_kbps(RC.ul_kbps), rel=UDP_TOLERANCE)
    dl_goodput = rows.loc[("dl-tcp@rc-a", "dl_goodput_kbps"), "value"]
    assert dl_goodput == pytest.approx(RC.dl_kbps * TCP_SHARE, rel=TCP_TOLERANCE)
