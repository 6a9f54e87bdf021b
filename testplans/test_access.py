"""Access procedures (issue 6 item 1): registration time from CFUN=1 and from a reboot, PDN activation time,
attach success over N power cycles with the reason of every failure, and the PSM / eDRX timers the network
granted against those requested.

Each test is a thin pytest function; the plan's `[[case]]` entries parametrise it (harness.pytest_plugin)
and their `limits.<metric>` decide the outcome after the body has run. The engines are
harness.traffic.attach and harness.traffic.grants; metric names are those of indicators.md §5.1 and §5.5.
"""

from __future__ import annotations

import pytest

from harness.dialects import EDRX, PSM, Modem
from harness.kpi import KpiRecorder
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.fixtures import CaseEvents, Evidence
from harness.sim_card import Preparation, SimCard, SimWrite, sim_card_of
from harness.traffic.attach import AttachSpec, run_attach
from harness.traffic.grants import GrantSpec, run_grants


@pytest.mark.procedure(spec=AttachSpec)
@pytest.mark.radio_sampling(
    every_s=0,
    reason="reads during radio-off or a reboot time out holding the AT session and shift the timed attach",
)
def test_attach(
    case: CaseRun, registered_modem: Modem, kpis: KpiRecorder, evidence: Evidence, case_events: CaseEvents
) -> None:
    """Attach attempts (radio off and on, or a reboot, as the case says), each timed to its registration;
    every rejected one named in the report and in events.jsonl with its cause. With `prepare` the SIM is
    prepared cold or warm before every attempt: every file written is an event (`sim_write`, with its old
    content), and the report notes which preparation it was."""
    card = _sim_card(case, registered_modem, case_events) if case.spec.prepare is not None else None
    result = run_attach(registered_modem, case.spec, sim_card=card)
    if case.spec.prepare is not None:
        case_events.record(
            "sim_prepared", note=_PREPARED_NOTES[case.spec.prepare], prepare=str(case.spec.prepare)
        )
    evidence.write_samples("attach", result.samples)
    for rejection in result.rejections:
        case_events.record("registration_rejected", note=rejection.note, **rejection.fields)
    kpis.record_all(result.summary)


_PREPARED_NOTES = {
    Preparation.COLD: "SIM prepared cold before every attempt: forbidden PLMNs cleared, stored location "
    "(EF_LOCI, EF_PSLOCI, EF_EPSLOCI) deleted, so each attempt is a full attach",
    Preparation.WARM: "SIM prepared warm: its stored location was left as the last attach left it",
}


def _sim_card(case: CaseRun, modem: Modem, case_events: CaseEvents) -> SimCard:
    """The module's SIM, writable where the rig says so; each write an event with the old content."""

    def record(write: SimWrite) -> None:
        case_events.record(
            "sim_write", file=write.file, path=write.path, old_hex=write.old_hex, new_hex=write.new_hex
        )

    sim = case.sim  # the SIM in use: of a module with several, the case's operator's
    return sim_card_of(modem, is_writable=sim is not None and sim.writable, on_write=record)


@pytest.mark.procedure(spec=GrantSpec)
@pytest.mark.radio_sampling(every_s=0, reason="the re-attach is timed, and reads during it would shift it")
def test_granted_timers(
    case: CaseRun, registered_modem: Modem, kpis: KpiRecorder, evidence: Evidence
) -> None:
    """PSM and eDRX requested, a re-attach, and what the network granted read back."""
    if not {PSM, EDRX} & registered_modem.capabilities:
        pytest.skip(f"module {case.module.id} can request neither PSM nor eDRX")
    result = run_grants(registered_modem, case.spec)
    evidence.write_samples("grants", result.samples)
    kpis.record_all(result.summary)
