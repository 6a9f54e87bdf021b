"""Latency procedures (issue 6 item 2): round-trip time of UDP echo probes through the module (via="module";
one case per payload size sweeps it) or over its host data interface (via="host": RedCap, Cat-1), the first
packet from RRC idle, PSM or eDRX idle (wake-up latency),
the module's own ping, the module's TCP connect time through its AT socket commands, and latency under load
(RRUL-style: echo probes while the same module saturates its uplink, then its downlink; via="module" with
an AT-socket UDP stream as the load, via="host" with iperf3).

Each test is a thin pytest function; the plan's `[[case]]` entries parametrise it (harness.pytest_plugin)
and their `limits.<metric>` decide the outcome after the body has run. The engines are
harness.traffic.udp_echo, harness.traffic.first_packet, harness.traffic.ping and harness.traffic.tcp_connect
(against a TCP sink session of the `server`); metric names are those of indicators.md §5.2 and, for the
connect, tcp_connect_time_<statistic>_ms and connect_success_pct.
"""

from __future__ import annotations

import pytest

from harness.dialects import PING, TCP_SOCKET, UDP_SOCKET, Modem
from harness.kpi import KpiRecorder
from harness.metrics import MetricValue
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.data_path import HostDataPath
from harness.pytest_plugin.fixtures import CaptureFactory, Evidence
from harness.server import ServerControl, SessionInfo, SessionKind
from harness.traffic import Direction, UdpEchoSpec, run_iperf3, run_udp_echo, run_udp_stream
from harness.traffic.first_packet import FirstPacketSpec, StartState, run_first_packet
from harness.traffic.host_socket import HostUdpSocket
from harness.traffic.latency_under_load import LatencyUnderLoadSpec, run_latency_under_load
from harness.traffic.modem_state_watch import psm_report_of
from harness.traffic.ping import PingSpec, run_ping
from harness.traffic.tcp_connect import TcpConnectSpec, run_tcp_connect
from harness.traffic.udp_echo import run_udp_echo_on


@pytest.mark.procedure(spec=UdpEchoSpec)
def test_udp_echo(
    case: CaseRun,
    registered_modem: Modem,
    echo_server: SessionInfo,
    capture: CaptureFactory,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """Round-trip latency and loss of UDP echo probes through the module's own sockets."""
    with capture("server", echo_server.bpf):
        result = run_udp_echo(registered_modem, echo_server.address, case.spec)
    evidence.write_samples("udp_echo", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=UdpEchoSpec)
def test_host_echo(
    case: CaseRun, host_data_path: HostDataPath, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """Round-trip latency and loss of UDP echo probes from the host over the module's data interface."""
    server = host_data_path.server
    reflector = server.open_session(SessionKind.UDP_REFLECTOR)
    try:
        sock = HostUdpSocket(host_data_path.host, reflector.address, clock=host_data_path.session_clock)
        result = run_udp_echo_on(sock, case.spec)
    finally:
        server.close_session(reflector.session_id)
    evidence.write_samples("host_echo", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=FirstPacketSpec)
@pytest.mark.radio_sampling(
    every_s=0, reason="the UART must stay quiet while the module sleeps in PSM or eDRX"
)
def test_first_packet(
    case: CaseRun,
    registered_modem: Modem,
    echo_server: SessionInfo,
    capture: CaptureFactory,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """The first UDP echo probe from the start state the module reports (idle, PSM, eDRX), to its echo."""
    if UDP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT UDP socket")
    if case.spec.start is StartState.PSM and psm_report_of(registered_modem) is None:
        pytest.skip(f"module {case.module.id} does not report PSM entry: its PSM state cannot be verified")
    with capture("server", echo_server.bpf):
        result = run_first_packet(registered_modem, echo_server.address, case.spec)
    evidence.write_samples("first_packet", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=PingSpec)
def test_ping(
    case: CaseRun, registered_modem: Modem, echo_server: SessionInfo, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """ICMP echo to the server's host through the module's own ping command."""
    if PING not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no ping command")
    result = run_ping(registered_modem, echo_server.address[0], case.spec)
    evidence.write_samples("ping", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=TcpConnectSpec)
def test_tcp_connect(
    case: CaseRun, registered_modem: Modem, server: ServerControl, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """TCP connects through the module's own socket commands, each timed from the open command to the
    module's "connected" result."""
    if TCP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT TCP socket")
    result = run_tcp_connect(registered_modem, server, case.spec)
    evidence.write_samples("tcp_connect", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=LatencyUnderLoadSpec)
def test_latency_under_load(
    case: CaseRun,
    registered_modem: Modem,
    echo_server: SessionInfo,
    server: ServerControl,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """UDP echo RTT through the module's own sockets, unloaded and while a UDP stream through the same
    module saturates its uplink, then its downlink."""
    if UDP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT UDP socket")
    spec: LatencyUnderLoadSpec = case.spec

    def load(direction: Direction, duration_s: float) -> dict[str, MetricValue]:
        return run_udp_stream(registered_modem, server, spec.stream_spec(direction, duration_s)).summary

    result = run_latency_under_load(
        lambda echo: run_udp_echo(registered_modem, echo_server.address, echo), load, spec
    )
    evidence.write_samples("latency_under_load", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=LatencyUnderLoadSpec)
def test_host_latency_under_load(
    case: CaseRun, host_data_path: HostDataPath, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """UDP echo RTT over the module's host data interface, unloaded and while UDP iperf3 over the same
    interface saturates its uplink, then its downlink."""
    spec: LatencyUnderLoadSpec = case.spec
    server, host, clock = host_data_path.server, host_data_path.host, host_data_path.session_clock
    reflector = server.open_session(SessionKind.UDP_REFLECTOR)

    def load(direction: Direction, duration_s: float) -> dict[str, MetricValue]:
        iperf3 = spec.iperf3_spec(direction, duration_s)
        return run_iperf3(server, iperf3, host, session_clock=clock).summary

    try:
        result = run_latency_under_load(
            lambda echo: run_udp_echo_on(HostUdpSocket(host, reflector.address, clock=clock), echo),
            load,
            spec,
        )
    finally:
        server.close_session(reflector.session_id)
    evidence.write_samples("host_latency_under_load", result.samples)
    kpis.record_all(result.summary)
