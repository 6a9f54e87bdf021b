"""Power-save procedures (issue 6 item 5): requested vs granted PSM timers, time to enter PSM after the last
data (URC and current trace), sleep current floor, wake-up latency, downlink reachability in T3324 and in
PSM, charge per report and projected battery life, and the wake schedule the granted timers predict checked
against what was seen; with eDRX, downlink reachability inside and outside the paging time window.

Thin pytest functions; the plan's `[[case]]` entries parametrise them (harness.pytest_plugin) and their
`limits.<metric>` decide the outcome after the body has run. The engines are harness.traffic.power_save and
harness.traffic.edrx_reachability; metric names are those of ../shared/reference/indicators.md §5.5 and §5.7.
"""

from __future__ import annotations

import pytest

from harness.dialects import EDRX, PSM, Modem
from harness.kpi import KpiRecorder
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.fixtures import Evidence, PowerMeter
from harness.pytest_plugin.plan_run import PlanRun
from harness.traffic.edrx_reachability import EdrxReachabilitySpec, run_edrx_reachability
from harness.traffic.power_save import PowerSaveSpec, run_power_save


@pytest.mark.procedure(spec=PowerSaveSpec)
@pytest.mark.radio_sampling(
    every_s=0, reason="the UART must stay quiet in PSM, and a read would show in the current"
)
def test_power_save(
    request: pytest.FixtureRequest,
    case: CaseRun,
    plan_run: PlanRun,
    registered_modem: Modem,
    power: PowerMeter,
    kpis: KpiRecorder,
    evidence: Evidence,
) -> None:
    """One report cycle through PSM, recorded on the module's power channel."""
    if PSM not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} cannot request PSM")
    radio = request.getfixturevalue("radio") if case.spec.inactivity_s is not None else None
    host = plan_run.rig.server.host
    result = run_power_save(registered_modem, case.spec, meter=power, server_host=host, radio=radio)
    evidence.write_samples("power_save", result.samples)
    kpis.record_all(result.summary)


@pytest.mark.procedure(spec=EdrxReachabilitySpec)
@pytest.mark.radio_sampling(
    every_s=0, reason="outside its paging windows the module may sleep; reads would wake it"
)
def test_edrx_reachability(
    case: CaseRun, plan_run: PlanRun, registered_modem: Modem, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """Downlink datagrams timed inside and outside the eDRX paging time window: delivered at once inside,
    held until the next window outside."""
    if EDRX not in registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} cannot request eDRX")
    result = run_edrx_reachability(registered_modem, case.spec, server_host=plan_run.rig.server.host)
    evidence.write_samples("edrx_reachability", result.samples)
    kpis.record_all(result.summary)
