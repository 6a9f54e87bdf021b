"""traffic layer: the attach engine (issue 6 item 1, access): N attach attempts, one sample per attempt.

An attempt starts the module's registration and times it from the module's URCs as the harness reads them
(../shared/reference/indicators.md §5.1 `attach_time_*`: start command -> first +CEREG/+C5GREG <stat> 1 or 5):
  start="cfun"    AT+CFUN=0, `off_s` later AT+CFUN=1 (3GPP TS 27.007 §8.2); the clock starts as CFUN=1 is sent
  start="reboot"  AT+CFUN=1,1 (reset into full functionality, 27.007 §8.2 <rst>); the clock starts as it is
                  sent; `ready_time_s` is when the module's ready URC (`ready_urc`, e.g. RDY) came, or,
                  without one, when it next answered AT (an underestimate for a module that answers while
                  it boots)
Each attempt has a deadline (`attempt_timeout_s`; indicators.md §5.1: NB-IoT 180 s, others 60 s) and ends
with an outcome that keeps its reason: registered, rejected (<stat> 3, with the cause the module reports
with +CEREG n>=3, named from harness.emm_causes), no_sim (not searching and +CPIN says no card), timeout
(with the last <stat> seen), or error (the module refused a command). A reject the module retries by itself
(TS 24.301: every cause but #3/#6/#7/#8 and #11-#15) does not end the attempt: the module may still register
before the deadline, and the attempt ends rejected only if <stat> 3 is its final state. Every attempt
counts its rejects and the retries the module made sooner than the cause's back-off allows
(harness.traffic.attach_rejects; `timer_scale` is the virtual rig's, 1 on hardware; `t3346_s` the back-off
the network sends with #22, when the plan knows it). A URC that never comes is caught by a read every
`_POLL_S`; such a time is marked `is_read` (it is an upper bound).

`prepare` (issue 11 item 2): "cold" empties the SIM's forbidden PLMN list and deletes its stored location
before every attempt (harness.sim_card.prepare, radio off with CFUN=4 first), so each attempt is a full
attach; "warm" leaves the card as the last attach left it (with its GUTI); unset, the card is not touched
either and the samples say nothing about it. Cold needs the SimCard of a SIM the rig marks writable.

After a registration: the PDN address (pdn="default_bearer": registration -> first address in +CGPADDR,
the default EPS bearer the attach sets up, TS 23.401 §5.3.2.1; pdn="cgact": AT+CGACT=1,<cid>, 27.007
§10.1.10, -> address) and a radio snapshot, so every sample carries its radio conditions (issue 6 item 8).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from harness.at import ATCommandError
from harness.at.responses import Cgpaddr, parse_as
from harness.dialects.connection import READY_TIMEOUT_S, wait_until_responsive
from harness.dialects.modem import Modem, SimState
from harness.dialects.ts27007 import COMMAND_TIMEOUTS_S
from harness.errors import ModemError, ParseError, SimError
from harness.metrics import MetricValue
from harness.sim_card import Preparation, SimCard, prepare
from harness.traffic.attach_attempt import (
    Attempt,
    AttemptOutcome,
    attempt_samples,
    denial,
    describe_attempt,
    note_reject,
    rejection,
)
from harness.traffic.attach_rejects import Rejection, is_retried, tally_rejects
from harness.traffic.attach_summary import summarize_attach
from harness.traffic.registration_watch import (
    STAT_DENIED,
    STAT_NOT_SEARCHING,
    RegistrationWatch,
    ReportingModem,
    StatReport,
    read_report,
    report_mode,
    reporting_modem,
)
from harness.traffic.session_clock import with_session_clock

_POLL_S = 2.0  # how often a read backs the URCs up, as harness.dialects.ts27007's attach does
_ADDRESS_POLL_S = 0.2


class AttachStart(StrEnum):
    CFUN = "cfun"
    REBOOT = "reboot"


class PdnMode(StrEnum):
    OFF = "off"
    DEFAULT_BEARER = "default_bearer"
    CGACT = "cgact"


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachSpec:
    """Plan parameters of the attach procedures."""

    cycles: int = field(default=5, metadata={"min": 1})
    start: AttachStart = AttachStart.CFUN
    attempt_timeout_s: float = field(default=180.0, metadata={"above": 0})
    off_s: float = field(default=1.0, metadata={"min": 0})
    pdn: PdnMode = PdnMode.DEFAULT_BEARER
    pdn_cid: int = field(default=1, metadata={"min": 0})
    pdn_timeout_s: float = field(default=30.0, metadata={"above": 0})
    ready_urc: str | None = None
    timer_scale: float = field(default=1.0, metadata={"above": 0})  # a UE timer runs this times its length
    t3346_s: float | None = field(default=None, metadata={"min": 0})
    prepare: Preparation | None = None  # the SIM before every attempt: cold or warm (see above)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]
    rejections: tuple[Rejection, ...] = ()  # the attempts the network rejected at least once


def run_attach(modem: Modem, spec: AttachSpec, *, sim_card: SimCard | None = None) -> AttachResult:
    """Run `spec.cycles` attempts; one sample per attempt and the summary KPIs. The module is left
    registered when the last attempt registered. `sim_card` is the module's SIM, which a cold `prepare`
    writes before each attempt."""
    reporting = reporting_modem(modem)
    if spec.prepare is Preparation.COLD and sim_card is None:
        raise ModemError('prepare = "cold" writes the SIM before every attempt, but no SIM card was given')
    attempts: list[Attempt] = []
    with report_mode(reporting):
        origin_s = reporting.session.now_s()
        for index in range(1, spec.cycles + 1):
            attempt = Attempt(attempt=index, t_s=reporting.session.now_s() - origin_s)
            try:
                if spec.prepare is not None and sim_card is not None:
                    prepare(sim_card, spec.prepare, is_radio_restored=False)
                _run_attempt(reporting, spec, attempt)
            except (ATCommandError, ModemError, SimError) as error:
                attempt.outcome = AttemptOutcome.ERROR
                attempt.detail = str(error)
            attempts.append(attempt)
    samples = attempt_samples(attempts, start=str(spec.start), prepare=spec.prepare)
    samples = with_session_clock(samples, samples["t_s"].to_numpy(dtype=float) + origin_s)  # attempt starts
    return AttachResult(
        samples=samples,
        summary=summarize_attach(samples, start=spec.start, has_pdn=spec.pdn is not PdnMode.OFF),
        rejections=tuple(rejection(a) for a in attempts if a.reject_count),
    )


def register_once(modem: Modem, spec: AttachSpec) -> float:
    """One attempt (as run_attach makes them) that must succeed; its attach time, or ModemError saying why
    it did not succeed."""
    reporting = reporting_modem(modem)
    attempt = Attempt(attempt=1, t_s=0.0)
    with report_mode(reporting):
        _run_attempt(reporting, spec, attempt)
    if attempt.outcome is not AttemptOutcome.REGISTERED:
        raise ModemError(f"registration failed: {describe_attempt(attempt)}")
    return attempt.attach_time_s


def _run_attempt(modem: ReportingModem, spec: AttachSpec, attempt: Attempt) -> None:
    session = modem.session
    with RegistrationWatch(modem) as watch:
        if spec.start is AttachStart.CFUN:
            modem.set_radio(False)
            time.sleep(spec.off_s)
            start_s = session.now_s()
            modem.set_radio(True)
        else:
            start_s = _reboot(modem, spec, attempt)
        _await_registration(modem, watch, spec, attempt, start_s=start_s)
    if attempt.outcome is AttemptOutcome.REGISTERED:
        _measure_pdn(modem, spec, attempt, registered_s=start_s + attempt.attach_time_s)
        _snapshot(modem, attempt)


def _reboot(modem: ReportingModem, spec: AttachSpec, attempt: Attempt) -> float:
    session = modem.session
    if spec.ready_urc is not None:
        session.add_urc_prefix(spec.ready_urc)
    response = session.send("AT+CFUN=1,1", timeout_s=COMMAND_TIMEOUTS_S["+CFUN="])
    start_s = response.started_s
    if spec.ready_urc is not None:
        ready = session.wait_for_urc(spec.ready_urc, timeout_s=spec.attempt_timeout_s, since_s=start_s)
        ready_s = ready.t_s
        wait_until_responsive(session, READY_TIMEOUT_S)
    else:
        wait_until_responsive(session, min(spec.attempt_timeout_s, READY_TIMEOUT_S))
        ready_s = session.now_s()
    attempt.ready_time_s = ready_s - start_s
    return start_s


def _await_registration(
    modem: ReportingModem, watch: RegistrationWatch, spec: AttachSpec, attempt: Attempt, *, start_s: float
) -> None:
    # a state that changes nothing sends no URC (no SIM: <stat> 0 before and after), so read once at once
    watch.add(read_report(modem))
    try:
        _follow_reports(modem, watch, spec, attempt, start_s=start_s)
    finally:
        tally = tally_rejects(
            watch.reports_since(start_s), timer_scale=spec.timer_scale, t3346_s=spec.t3346_s
        )
        attempt.reject_count = tally.reject_count
        attempt.reject_backoff_violation_count = tally.violation_count
        attempt.detail = "; ".join(filter(None, [attempt.detail, *tally.violations]))


def _follow_reports(
    modem: ReportingModem, watch: RegistrationWatch, spec: AttachSpec, attempt: Attempt, *, start_s: float
) -> None:
    deadline_s = start_s + spec.attempt_timeout_s
    is_sim_checked = False
    while True:
        for report in watch.reports_since(start_s):
            attempt.stat = report.stat
            if report.stat == STAT_DENIED:
                note_reject(attempt, report)
            if report.is_registered or (report.stat == STAT_DENIED and not is_retried(report)):
                _conclude(attempt, report, start_s=start_s)
                return
            if report.stat == STAT_NOT_SEARCHING and not is_sim_checked:
                is_sim_checked = True
                if _has_no_sim(modem):
                    attempt.outcome = AttemptOutcome.NO_SIM
                    attempt.detail = "not searching, and AT+CPIN? says no SIM is inserted"
                    return
        left_s = deadline_s - modem.session.now_s()
        if left_s <= 0:
            is_denied = attempt.stat == STAT_DENIED
            attempt.outcome = AttemptOutcome.REJECTED if is_denied else AttemptOutcome.TIMEOUT
            attempt.detail = f"not registered within {spec.attempt_timeout_s:g} s" + (
                f" ({denial(attempt)})" if is_denied else ""
            )
            return
        watch.wait(min(left_s, _POLL_S))
        if not watch.reports_since(modem.session.now_s() - _POLL_S / 2):
            watch.add(read_report(modem))


def _conclude(attempt: Attempt, report: StatReport, *, start_s: float) -> None:
    if report.is_registered:
        attempt.outcome = AttemptOutcome.REGISTERED
        attempt.attach_time_s = report.t_s - start_s
        attempt.is_read = report.is_read
    else:
        attempt.outcome = AttemptOutcome.REJECTED
        attempt.detail = denial(attempt)


def _has_no_sim(modem: Modem) -> bool:
    try:
        return modem.sim() is SimState.NOT_INSERTED
    except (ATCommandError, ModemError):
        return False  # the SIM state is unknown: the wait goes on and its deadline speaks


def _measure_pdn(modem: ReportingModem, spec: AttachSpec, attempt: Attempt, *, registered_s: float) -> None:
    session = modem.session
    if spec.pdn is PdnMode.OFF:
        return
    start_s = registered_s
    if spec.pdn is PdnMode.CGACT:
        start_s = session.send(f"AT+CGACT=1,{spec.pdn_cid}", timeout_s=spec.pdn_timeout_s).started_s
    deadline_s = session.now_s() + spec.pdn_timeout_s
    while session.now_s() < deadline_s:
        response = session.send("AT+CGPADDR")
        address = _first_address(response.matching("+CGPADDR"))
        if address is not None:
            attempt.ip_address = address
            attempt.pdn_activation_time_s = response.ended_s - start_s
            return
        time.sleep(_ADDRESS_POLL_S)
    attempt.detail = f"registered, but no PDN address within {spec.pdn_timeout_s:g} s"


def _first_address(lines: tuple[str, ...]) -> str | None:
    for line in lines:
        try:
            cgpaddr = parse_as(line, Cgpaddr, solicited=True)
        except ParseError:
            continue
        if cgpaddr.ip_addrs:
            return str(cgpaddr.ip_addrs[0])
    return None


def _snapshot(modem: Modem, attempt: Attempt) -> None:
    try:
        snapshot = modem.radio_snapshot()
    except (ATCommandError, ModemError) as error:
        attempt.detail = f"no radio snapshot: {error}"
        return
    attempt.rsrp_dbm = snapshot.rsrp_dbm
    attempt.rsrq_db = snapshot.rsrq_db
    attempt.sinr_db = snapshot.sinr_db
    attempt.ce_level = snapshot.ce_level
    attempt.cell_id = snapshot.cell_id
