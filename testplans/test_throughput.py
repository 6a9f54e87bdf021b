"""Throughput procedures (issue 6 item 3): UDP and TCP goodput through the module's own AT socket
(via="module"; NB-IoT, Cat-1), uplink into a server sink or downlink from a server source; and iperf3, UDP
or TCP, either way, over the module's host data interface (via="host"; RedCap, Cat-1).

Each test is a thin pytest function; the plan's `[[case]]` entries parametrise it (harness.pytest_plugin)
and their `limits.<metric>` decide the outcome after the body has run. The engines are
harness.traffic.udp_stream, harness.traffic.tcp_stream and harness.traffic.iperf3_client; metric names are
those of indicators.md §5.3: `<d>_goodput_kbps` over the whole run, `<d>_goodput_mean_kbps`, `_max_kbps`
and `_p10_kbps` of the receiver's per-second series (written as samples), `<d>_loss_pct`, and the capture
cross-check's `<d>_capture_difference_pct`. The radio is sampled beside every case by the plugin, not here.
"""

from __future__ import annotations

import dataclasses

import pytest

from harness.dialects import TCP_SOCKET, UDP_SOCKET, Modem
from harness.kpi import KpiRecorder
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.data_path import HostDataPath
from harness.pytest_plugin.fixtures import Evidence
from harness.server import ServerControl
from harness.traffic import Iperf3Spec, UdpStreamSpec, run_iperf3, run_udp_stream
from harness.traffic.tcp_stream import TcpStreamSpec, run_tcp_stream


@pytest.mark.procedure(spec=UdpStreamSpec)
def test_udp_stream(
    case: CaseRun,
    registered_modem: Modem,
    server: ServerControl,
    is_capture_on: bool,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """A paced UDP stream through the module's AT socket; goodput, its per-second series and loss."""
    if UDP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT UDP socket")
    spec = dataclasses.replace(case.spec, is_captured=case.spec.is_captured and is_capture_on)
    result = run_udp_stream(registered_modem, server, spec, capture_dir=evidence.dir)
    evidence.write_samples("udp_stream", result.samples)
    evidence.write_samples("udp_stream_per_s", result.series)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=TcpStreamSpec)
def test_tcp_stream(
    case: CaseRun, registered_modem: Modem, server: ServerControl, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """A TCP stream through the module's AT socket; goodput and its per-interval series."""
    if TCP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT TCP socket")
    result = run_tcp_stream(registered_modem, server, case.spec)
    evidence.write_samples("tcp_stream", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=Iperf3Spec)
def test_iperf3(
    case: CaseRun, host_data_path: HostDataPath, is_capture_on: bool, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """iperf3 over the module's host data interface; the receiver's goodput, per-second series, loss."""
    spec = dataclasses.replace(case.spec, is_captured=case.spec.is_captured and is_capture_on)
    result = run_iperf3(
        host_data_path.server,
        spec,
        host_data_path.host,
        session_clock=host_data_path.session_clock,
        capture_dir=evidence.dir,
    )
    evidence.write_samples("iperf3", result.samples)
    kpis.record_all(result.summary)
