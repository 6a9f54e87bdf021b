"""traffic layer: one attempt of the attach engine (harness.traffic.attach) as it is recorded: its outcome
with the reason, the registration state it ended in and the reject cause it was refused with (named from
harness.emm_causes), its counts of rejects and back-off violations (harness.traffic.attach_rejects), its
times and radio; one row per attempt in samples-attach.parquet, and the rejected ones as report notes and
events.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from harness.emm_causes import cause_name
from harness.traffic.attach_rejects import Rejection, describe_denial
from harness.traffic.registration_watch import StatReport


class AttemptOutcome(StrEnum):
    REGISTERED = "registered"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    NO_SIM = "no_sim"
    ERROR = "error"


@dataclass(slots=True, kw_only=True)
class Attempt:
    """What one attempt found, filled in as it goes; every field is a column of its sample."""

    attempt: int
    t_s: float
    outcome: AttemptOutcome = AttemptOutcome.TIMEOUT
    stat: int | None = None
    cause_type: int | None = None
    reject_cause: int | None = None
    reject_cause_name: str | None = None
    reject_domain: str | None = None  # EMM (+CEREG) or 5GMM (+C5GREG)
    reject_count: int = 0
    reject_backoff_violation_count: int = 0
    attach_time_s: float = math.nan
    ready_time_s: float = math.nan
    is_read: bool = False
    pdn_activation_time_s: float = math.nan
    ip_address: str | None = None
    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
    sinr_db: float | None = None
    ce_level: int | None = None
    cell_id: str | None = None
    detail: str = ""


def describe_attempt(attempt: Attempt) -> str:
    text = f"{attempt.outcome} (last stat {attempt.stat})"
    return f"{text}: {attempt.detail}" if attempt.detail else text


def note_reject(attempt: Attempt, report: StatReport) -> None:
    """The cause of the latest reject (a report without one keeps the cause seen before)."""
    if report.reject_cause is not None:
        attempt.cause_type = report.cause_type
        attempt.reject_cause = report.reject_cause
        attempt.reject_cause_name = cause_name(
            report.reject_cause, cause_type=report.cause_type, domain=report.domain
        )
        attempt.reject_domain = report.domain


def rejection(attempt: Attempt) -> Rejection:
    """A rejected attempt as the case's report note and its registration_rejected event tell it."""
    return Rejection(
        note=f"attempt {attempt.attempt}: {describe_attempt(attempt)}",
        fields={
            "attempt": attempt.attempt,
            "outcome": str(attempt.outcome),
            "cause_type": attempt.cause_type,
            "reject_cause": attempt.reject_cause,
            "reject_cause_name": attempt.reject_cause_name,
            "reject_count": attempt.reject_count,
            "reject_backoff_violation_count": attempt.reject_backoff_violation_count,
        },
    )


def denial(attempt: Attempt) -> str:
    """`registration denied: EMM cause #15 (no suitable cells in tracking area)`."""
    return describe_denial(attempt.reject_cause, cause_type=attempt.cause_type, domain=attempt.reject_domain)


def attempt_samples(attempts: list[Attempt], *, start: str, prepare: str | None = None) -> pd.DataFrame:
    """One row per attempt, t_s first (DESIGN samples-<engine>.parquet); a `prepare` column (cold or
    warm) when the SIM was prepared."""
    names = [f.name for f in dataclasses.fields(Attempt)]
    columns = {name: [getattr(a, name) for a in attempts] for name in names}
    frame = pd.DataFrame(columns)
    frame.insert(2, "start", start)
    if prepare is not None:
        frame.insert(3, "prepare", str(prepare))
    frame["outcome"] = frame["outcome"].astype(str)
    for name in ("stat", "cause_type", "reject_cause", "ce_level"):
        frame[name] = frame[name].astype("Int64")
    for name in ("rsrp_dbm", "rsrq_db", "sinr_db"):
        frame[name] = frame[name].astype("Float64")
    return frame[["t_s", *[c for c in frame.columns if c != "t_s"]]]
