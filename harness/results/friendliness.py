"""results layer: network-friendliness indicators of one module in one case (GSMA TS.34 connection
efficiency, ../shared/reference/indicators.md §3.1, §5.1, §5.4, §5.5), computed from what its AT transcript
shows (harness.results.transcript_activity) and, for DNS, the server capture (harness.capture.pcap_table).
Pure functions: they work on any run directory. The fleet-wide ones (reports synchronised across modules,
first-retry delays alike across modules) are harness.results.fleet_friendliness.

Metric names (final; DESIGN unit-suffix rule) and the limit indicators.md gives:
  attach_attempts_per_hour_count       registration attempts in any sliding hour; ≤ 24 (D, §1.5, §5.1)
  pdn_activations_per_hour_count       PDN/data-call activations in any sliding hour; ≤ 24 (same RPM bound, J)
  retry_backoff_violation_count        retries sooner than T3411/T3402/T3346 allow, or after a permanent
                                       reject without a CFUN/SIM cycle; = 0 (P, §1.5). The judgement is
                                       harness.traffic.attach_rejects' tally_rejects, per CFUN/SIM cycle
  retry_wait_growth_min_pct            retry spacing grows: over every 6 consecutive waits (one 24.301 attempt
                                       counter cycle of 5 plus one) the largest later/earlier ratio, the
                                       smallest such window, in %; ≥ 150 (J, §3.1). Windows whose every wait
                                       is at the cap (T3402) are left out: TS.34 back-off is capped
  first_retry_delay_s                  first failure -> next attempt (the fleet's CV is judged, §3.1)
  rrc_connections_per_report_mean_count  +CSCON: 1 per report sent; ≤ 1.1 (J, §5.4)
  dns_lookups_per_report_mean_count    AT DNS commands plus UDP/53 queries in the server capture, per report
                                       sent; TS.34 "minimise signalling per report" (report only unless the
                                       plan sets a limit)
  release_assistance_pct               reports sent with release assistance; where the scenario allows
  report_release_delay_p50_s           report sent -> +CSCON: 0 (before the next report); §5.5
                                       `rrc_release_time` (≤ 5 with RAI)
  power_saving_requested_pct           100 when the module asked for PSM (AT+CPSMS=1) or eDRX (AT+CEDRXS=1/2)
  psm_active_time_granted_s            the last T3324 the network granted (+CEREG), requested vs granted

Virtual modules run the 24.301 timers `timer_scale` times their length, and so does "an hour" here (the
transcript's port URL says it): a module that keeps to T3411/T3402 keeps to ≤ 24 per scaled hour.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from harness.emm_causes import MAX_ATTEMPTS, T3402_S
from harness.metrics import MetricValue
from harness.results.transcript_activity import TranscriptActivity
from harness.traffic.attach_rejects import STAT_SEARCHING, tally_rejects
from harness.traffic.registration_watch import STAT_DENIED, StatReport

HOUR_S = 3600.0
T3410_S = 15.0  # attach supervision, 24.301 Table 10.2.1 (indicators.md §1.5): one attempt lasts this long
GROWTH_WINDOW = MAX_ATTEMPTS + 1  # waits: one full attempt-counter cycle and the T3402 that follows it
CASE_METRICS: tuple[str, ...] = (
    "attach_attempts_per_hour_count",
    "pdn_activations_per_hour_count",
    "retry_backoff_violation_count",
    "retry_wait_growth_min_pct",
    "first_retry_delay_s",
    "rrc_connections_per_report_mean_count",
    "dns_lookups_per_report_mean_count",
    "release_assistance_pct",
    "report_release_delay_p50_s",
    "power_saving_requested_pct",
    "psm_active_time_granted_s",
)
GROWTH_TOLERANCE = 0.95  # judgement: a virtual or real timer a few % short of the cap still counts as capped
# A report's connection is set up after its send command is written; a +CSCON: 1 up to this long before the
# first send still counts, as a dialect may wake the module just before it (judgement)
_SETUP_S = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Retries:
    """A module's registration attempts (session seconds) and its waits from a failure to the next one."""

    attempts: tuple[float, ...]
    waits_s: tuple[float, ...]


def friendliness_metrics(
    activity: TranscriptActivity, *, dns_queries: int = 0, t3346_s: float | None = None
) -> dict[str, MetricValue]:
    """Every per-module indicator (module docstring). `dns_queries`: UDP/53 queries the server capture holds
    (dns_query_count); `t3346_s`: the back-off the network sends with #22, as the plan knows it."""
    scale = activity.timer_scale
    retries = retries_of(activity)
    sends = len(activity.report_sends)
    per_report = (lambda n: MetricValue(value=n / sends, n_samples=sends)) if sends else _missing
    return {
        "attach_attempts_per_hour_count": _count(max_in_window(retries.attempts, HOUR_S * scale)),
        "pdn_activations_per_hour_count": _count(max_in_window(activity.pdn_activations, HOUR_S * scale)),
        "retry_backoff_violation_count": _count(backoff_violations(activity, t3346_s=t3346_s)),
        "retry_wait_growth_min_pct": _value(wait_growth_min_pct(retries.waits_s, cap_s=T3402_S * scale)),
        "first_retry_delay_s": _value(retries.waits_s[0] if retries.waits_s else None),
        "rrc_connections_per_report_mean_count": per_report(_connections_with_reports(activity)),
        "dns_lookups_per_report_mean_count": per_report(len(activity.dns_lookups) + dns_queries),
        "release_assistance_pct": per_report(100.0 * len(activity.release_assisted_sends)),
        "report_release_delay_p50_s": _median(release_delays_s(activity)),
        "power_saving_requested_pct": MetricValue(value=100.0 if activity.power_saving_requests else 0.0),
        "psm_active_time_granted_s": _value(
            float(activity.granted_active_time_s[-1]) if activity.granted_active_time_s else None
        ),
    }


def retries_of(activity: TranscriptActivity) -> Retries:
    """Attempts: each change to <stat> 2 (searching) and each attach command, one attempt when the search
    starts within T3410 of the command. Waits: from a failure (a change to <stat> 3, an attach/PDN command
    ending in an error) to the next attempt."""
    searches = [r.t_s for r in _changes(activity.registration) if r.stat == STAT_SEARCHING]
    supervision_s = T3410_S * activity.timer_scale
    attempts = list(activity.attach_commands)
    unmatched = sorted(activity.attach_commands)  # each command started at most one search
    for t_s in searches:
        started_by = next((c for c in unmatched if 0.0 <= t_s - c <= supervision_s), None)
        if started_by is None:
            attempts.append(t_s)
        else:
            unmatched.remove(started_by)
    attempts.sort()
    denied = [r.t_s for r in _changes(activity.registration) if r.stat == STAT_DENIED]
    failures = sorted({*denied, *activity.command_failures})
    waits: list[float] = []
    for index, failed_s in enumerate(failures):
        later = [a for a in attempts if a > failed_s]
        if later and (index + 1 == len(failures) or later[0] <= failures[index + 1]):
            waits.append(later[0] - failed_s)
    return Retries(attempts=tuple(attempts), waits_s=tuple(waits))


def max_in_window(instants: Sequence[float], window_s: float) -> int:
    """The most instants in any window of `window_s` (each window starting at one of them)."""
    ordered = sorted(instants)
    most, first = 0, 0
    for last, t_s in enumerate(ordered):
        while t_s - ordered[first] >= window_s:
            first += 1
        most = max(most, last - first + 1)
    return most


def backoff_violations(activity: TranscriptActivity, *, t3346_s: float | None = None) -> int:
    """tally_rejects over each stretch between attach commands: a CFUN or SIM cycle (or the harness's own
    attach) restarts the 24.301 attempt counter and lifts a permanent reject."""
    cuts = sorted(activity.attach_commands)
    stretches: list[list[StatReport]] = [[] for _ in range(len(cuts) + 1)]
    for report in activity.registration:
        stretches[sum(1 for c in cuts if c <= report.t_s)].append(report)
    scale = activity.timer_scale
    return sum(tally_rejects(s, timer_scale=scale, t3346_s=t3346_s).violation_count for s in stretches)


def wait_growth_min_pct(waits_s: Sequence[float], *, cap_s: float) -> float | None:
    """The smallest, over every GROWTH_WINDOW consecutive waits (all of them when fewer), of the largest
    ratio of a later wait to an earlier one, in %; None with fewer than 2 waits or only capped windows."""
    if len(waits_s) < 2:
        return None
    size = min(GROWTH_WINDOW, len(waits_s))
    found: list[float] = []
    for start in range(len(waits_s) - size + 1):
        window = waits_s[start : start + size]
        if min(window) >= cap_s * GROWTH_TOLERANCE:
            continue
        found.append(max(_growth(window[i], window[j]) for i in range(size) for j in range(i + 1, size)))
    return 100.0 * min(found) if found else None


def release_delays_s(activity: TranscriptActivity) -> list[float]:
    """Per report sent: the time to the next +CSCON: 0, when it comes before the next report."""
    sends = sorted(activity.report_sends)
    delays: list[float] = []
    for index, sent_s in enumerate(sends):
        until_s = sends[index + 1] if index + 1 < len(sends) else float("inf")
        released = [t for t in activity.rrc_released if sent_s <= t < until_s]
        if released:
            delays.append(released[0] - sent_s)
    return delays


def _connections_with_reports(activity: TranscriptActivity) -> int:
    """+CSCON: 1 from the first report on: the connections the reporting caused (the bring-up's are not)."""
    if not activity.report_sends:
        return 0
    first_s = min(activity.report_sends) - _SETUP_S
    return sum(1 for t in activity.rrc_connected if t >= first_s)


def _changes(reports: Sequence[StatReport]) -> list[StatReport]:
    changes: list[StatReport] = []
    for report in sorted(reports, key=lambda r: r.t_s):
        if not changes or changes[-1].stat != report.stat:
            changes.append(report)
    return changes


def _growth(earlier_s: float, later_s: float) -> float:
    return later_s / earlier_s if earlier_s > 0 else (1.0 if later_s <= 0 else float("inf"))


def _count(n: int) -> MetricValue:
    return MetricValue(value=float(n))


def _value(value: float | None) -> MetricValue:
    return MetricValue(value=value)


def _missing(_: float) -> MetricValue:
    return MetricValue(value=None, n_samples=0)


def _median(values: Sequence[float]) -> MetricValue:
    return MetricValue(value=statistics.median(values) if values else None, n_samples=len(values))
