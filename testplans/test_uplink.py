"""Uplink procedures (issue 6 item 4): a meter's periodic small reports (N reports of B bytes every T s, the
module idle or in PSM in between, released by the network's inactivity timer or by release assistance,
optionally a burst right after a wake-up), with delivery and latency measured at the server; and uplink
saturation, whose goodput per module is uplink by coverage level (the rig's modules at CE0, CE1, ...).

Thin pytest functions; the plan's `[[case]]` entries parametrise them (harness.pytest_plugin) and their
`limits.<metric>` decide the outcome after the body has run. The engines are harness.traffic.uplink_reports
and harness.traffic.uplink_saturation; metric names are those of ../shared/reference/indicators.md §5.4,
§5.2 (`ul_report_latency_*`) and §5.3 (`ul_goodput_*`).
"""

from __future__ import annotations

import dataclasses

import pytest

from harness.dialects import UDP_SOCKET, Modem
from harness.dialects.release_assistance import RAI
from harness.kpi import KpiRecorder
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.fixtures import Evidence
from harness.server import ServerControl
from harness.traffic.modem_state_watch import psm_report_of
from harness.traffic.uplink_reports import Release, Sleep, UplinkReportsSpec, run_uplink_reports
from harness.traffic.uplink_saturation import UplinkSaturationSpec, run_uplink_saturation


@pytest.mark.procedure(spec=UplinkReportsSpec)
def test_periodic_reports(
    request: pytest.FixtureRequest,
    case: CaseRun,
    registered_modem: Modem,
    server: ServerControl,
    is_capture_on: bool,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """Reports through the module's UDP socket into a server sink, the state before each one as reported."""
    spec: UplinkReportsSpec = dataclasses.replace(
        case.spec, is_captured=case.spec.is_captured and is_capture_on
    )
    if UDP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT UDP socket")
    if spec.sleep is Sleep.PSM and psm_report_of(registered_modem) is None:
        pytest.skip(f"module {case.module.id} does not report PSM entry: its PSM state cannot be verified")
    if spec.release is Release.RAI and RAI not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} offers no release assistance on its UDP sockets")
    radio = request.getfixturevalue("radio") if spec.inactivity_s is not None else None
    result = run_uplink_reports(registered_modem, server, spec, capture_dir=evidence.dir, radio=radio)
    evidence.write_samples("uplink_reports", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=UplinkSaturationSpec)
def test_uplink_saturation(
    case: CaseRun,
    registered_modem: Modem,
    server: ServerControl,
    is_capture_on: bool,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """A UDP stream offered above the link's uplink rate; the goodput at the server sink, by CE level."""
    if UDP_SOCKET not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} has no AT UDP socket")
    spec = dataclasses.replace(case.spec, is_captured=case.spec.is_captured and is_capture_on)
    result = run_uplink_saturation(registered_modem, server, spec, capture_dir=evidence.dir)
    evidence.write_samples("uplink_saturation", result.samples)
    kpis.record_all(result.summary)
