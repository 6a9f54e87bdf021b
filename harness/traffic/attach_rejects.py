"""traffic layer: the registration rejects of one attach attempt (harness.traffic.attach): how each is named,
whether the module retries it by itself, and whether it kept to the back-off each one demands, judged from
its registration reports (harness.traffic.registration_watch).

../shared/reference/indicators.md §5.1 `reject_backoff_violation_count`: attempts made earlier than
T3411/T3402/T3346 allow, or after a permanent reject without a CFUN/SIM cycle (TS 24.301 §5.5.1.2.5-6 [R18];
GSMA TS.34 "obey network rejects" [R25], indicators.md §3.1). The evidence is the module's own reports: a
reject is a change to <stat> 3 (with its cause where the module reports one, n=3/5), an attempt a change to
<stat> 2 after a reject. How long each cause demands is harness.emm_causes' `backoff_s`; the attach engine
cycles CFUN (or resets) before every attempt, so the module's attempt counter starts at 0 with each one.

Reports can only come late (a URC read a little after it was sent, a read that backs a missed URC up), which
makes a retry look later, never earlier, than it was; `SLACK_S` allows for a URC of the reject read later
than the search that followed it. A reject without a cause is counted but not judged: which back-off it
demands is unknown. The timers run `timer_scale` times their length on a virtual rig (1 on hardware).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.emm_causes import MAX_ATTEMPTS, backoff_s, describe_reject, reject_cause
from harness.traffic.registration_watch import STAT_DENIED, StatReport

STAT_SEARCHING = 2
# Judgement: two URCs of one module are read in order, a few ms apart at most on a loaded machine.
SLACK_S = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectTally:
    reject_count: int
    violation_count: int
    violations: tuple[str, ...]  # one line each, for the attempt's detail


def tally_rejects(
    reports: Sequence[StatReport], *, timer_scale: float = 1.0, t3346_s: float | None = None
) -> RejectTally:
    """Rejects and back-off violations in the reports of one attempt (any order; sorted by time here).
    `t3346_s` is the back-off the network sends with #22, as the plan knows it (None: handled as T3411)."""
    previous_stat: int | None = None
    last_reject: StatReport | None = None
    rejects = 0
    violations: list[str] = []
    for report in sorted(reports, key=lambda each: each.t_s):
        is_change = report.stat != previous_stat
        previous_stat = report.stat
        if report.stat == STAT_DENIED and is_change:
            rejects += 1
            last_reject = report
        elif report.stat == STAT_SEARCHING and is_change and last_reject is not None:
            # the module's attempt counter starts again after the T3402 that its 5th failure starts
            failed_attempts = (rejects - 1) % MAX_ATTEMPTS + 1
            problem = _violation(last_reject, report.t_s, failed_attempts, timer_scale, t3346_s)
            if problem is not None:
                violations.append(problem)
            last_reject = None
    return RejectTally(reject_count=rejects, violation_count=len(violations), violations=tuple(violations))


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """An attempt the network rejected, as a run's events.jsonl and the case's report tell it: `note` one
    line, `fields` JSON values (attempt, outcome, cause, its name, counts)."""

    note: str
    fields: Mapping[str, object]


def is_retried(report: StatReport) -> bool:
    """Whether the module tries again by itself after this reject (unknown without a cause: it may)."""
    cause = report.reject_cause
    return cause is None or reject_cause(cause, cause_type=report.cause_type).is_retried


def describe_denial(cause: int | None, *, cause_type: int | None, domain: str | None) -> str:
    """`registration denied: EMM cause #15 (no suitable cells in tracking area)`."""
    if cause is None:
        return "registration denied (stat 3, no cause reported)"
    return f"registration denied: {describe_reject(cause, cause_type=cause_type, domain=domain or 'EMM')}"


def _violation(
    reject: StatReport, retry_s: float, failed_attempts: int, timer_scale: float, t3346_s: float | None
) -> str | None:
    if reject.reject_cause is None:
        return None
    cause = reject_cause(reject.reject_cause, cause_type=reject.cause_type)
    named = describe_reject(reject.reject_cause, cause_type=reject.cause_type, domain=reject.domain)
    wait_s = backoff_s(cause, failed_attempts=failed_attempts, t3346_s=t3346_s)
    waited_s = retry_s - reject.t_s
    if wait_s is None:
        return f"attempted again {waited_s:.2f} s after {named} without a CFUN or SIM cycle"
    if waited_s < wait_s * timer_scale - SLACK_S:
        return (
            f"attempted again {waited_s:.2f} s after {named}, before its {wait_s * timer_scale:g} s back-off"
        )
    return None
