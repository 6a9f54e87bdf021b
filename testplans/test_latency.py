"""Latency procedures: round-trip time of UDP echo probes through the module (via="module").

Each test is a thin pytest function; the plan's `[[case]]` entries parametrise it (harness.pytest_plugin)
and their `limits.<metric>` decide the outcome after the body has run.
"""

from __future__ import annotations

import pytest

from harness.dialects import Modem
from harness.kpi import KpiRecorder
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.fixtures import CaptureFactory, Evidence
from harness.server import SessionInfo
from harness.traffic import UdpEchoSpec, run_udp_echo


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
