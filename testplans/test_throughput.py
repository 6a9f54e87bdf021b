"""Throughput procedures (issue 6 item 3): TCP goodput through the module's own AT socket (via="module";
NB-IoT, Cat-1), uplink into a server TCP sink or downlink from a server TCP source
(harness.traffic.tcp_stream: `<d>_goodput_kbps`, `<d>_goodput_p10_kbps` of the per-interval series written
as samples, bytes sent and received).
"""

from __future__ import annotations

import pytest

from harness.dialects import TCP_SOCKET, Modem
from harness.kpi import KpiRecorder
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.fixtures import Evidence
from harness.server import ServerControl
from harness.traffic.tcp_stream import TcpStreamSpec, run_tcp_stream


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
