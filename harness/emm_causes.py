"""errors layer (bottom, no harness imports): the reject causes a network gives a registration, with their
names and how a UE must behave after each. The one cause table: the virtual modules (which reject), the
dialects (which read +CEREG <reject_cause>) and the access engines (which name and judge it) all use it.

EMM causes are TS 24.301 §9.9.3.9; 5GMM causes (TS 24.501 §9.11.3.2, +C5GREG) reuse these values and names
for the causes listed here, except #7, which 24.501 calls "5GS services not allowed". A <cause_type> of 1 in
+CEREG/+C5GREG means a manufacturer-specific cause (27.007 §10.1.22; ../shared/reference/cellular-iot.md
§1.1 [S5]): its number means nothing here.

Handling after a reject (TS 24.301 §5.5.1.2.5-6; indicators.md §1.5 [R18], clause numbers unverified):
  invalid_sim     #3, #6, #7, #8: the USIM counts as invalid for EPS until the UE is switched off or the UICC
                  removed: no attempt before a CFUN or SIM cycle
  forbidden_area  #15: the UE searches another tracking area and makes no re-attempt loop in this one
                  (indicators.md §3.3 TS.40 2.1.9 [R28]); #11, #12, #13 add the PLMN or TA to a forbidden
                  list, kept until switch-off (recalled from 24.301 §5.5.1.2.5, not in the references)
  congestion      #22: with a back-off value the network starts T3346, and no attempt is allowed before it
                  expires; without one it is handled as `retry`
  retry           any other cause: the attempt counter goes up; the next attempt after T3411 (10 s), and
                  after the 5th failed attempt after T3402 (12 min) (indicators.md §1.5 [R18])
Names of the causes other than #3, #6, #7, #8, #15 and #22 are recalled from 24.301 §9.9.3.9 (the reference
files do not list them); a value outside the table is named "unknown" and handled as `retry`, as 24.301 has a
UE treat an unknown cause as #111.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

# UE timers, 24.301 Table 10.2.1 defaults (indicators.md §1.5 [R18]).
T3411_S = 10.0
T3402_S = 720.0
MAX_ATTEMPTS = 5  # failed attempts before T3402 instead of T3411
CAUSE_TYPE_EMM = 0
CAUSE_TYPE_MANUFACTURER = 1


class RejectHandling(StrEnum):
    INVALID_SIM = "invalid_sim"
    FORBIDDEN_AREA = "forbidden_area"
    CONGESTION = "congestion"
    RETRY = "retry"


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectCause:
    number: int
    name: str
    handling: RejectHandling

    @property
    def is_retried(self) -> bool:
        """Whether the UE tries again by itself (after a back-off), without a CFUN or SIM cycle."""
        return self.handling in (RejectHandling.CONGESTION, RejectHandling.RETRY)


def _table(entries: dict[int, tuple[str, RejectHandling]]) -> Mapping[int, RejectCause]:
    return MappingProxyType(
        {
            number: RejectCause(number=number, name=name, handling=how)
            for number, (name, how) in entries.items()
        }
    )


_SIM = RejectHandling.INVALID_SIM
_AREA = RejectHandling.FORBIDDEN_AREA
_RETRY = RejectHandling.RETRY
EMM_CAUSES: Mapping[int, RejectCause] = _table(
    {
        2: ("IMSI unknown in HSS", _RETRY),
        3: ("illegal UE", _SIM),
        5: ("IMEI not accepted", _RETRY),
        6: ("illegal ME", _SIM),
        7: ("EPS services not allowed", _SIM),
        8: ("EPS services and non-EPS services not allowed", _SIM),
        9: ("UE identity cannot be derived by the network", _RETRY),
        10: ("implicitly detached", _RETRY),
        11: ("PLMN not allowed", _AREA),
        12: ("tracking area not allowed", _AREA),
        13: ("roaming not allowed in this tracking area", _AREA),
        14: ("EPS services not allowed in this PLMN", _RETRY),
        15: ("no suitable cells in tracking area", _AREA),
        16: ("MSC temporarily not reachable", _RETRY),
        17: ("network failure", _RETRY),
        18: ("CS domain not available", _RETRY),
        19: ("ESM failure", _RETRY),
        22: ("congestion", RejectHandling.CONGESTION),
        25: ("not authorized for this CSG", _RETRY),
        35: ("requested service option not authorized in this PLMN", _RETRY),
        42: ("severe network failure", _RETRY),
        95: ("semantically incorrect message", _RETRY),
        96: ("invalid mandatory information", _RETRY),
        97: ("message type non-existent or not implemented", _RETRY),
        99: ("information element non-existent or not implemented", _RETRY),
        111: ("protocol error, unspecified", _RETRY),
    }
)
_5GMM_NAMES: Mapping[int, str] = MappingProxyType({7: "5GS services not allowed"})


def reject_cause(number: int, *, cause_type: int | None = CAUSE_TYPE_EMM) -> RejectCause:
    """The cause of a reject as the table has it; an unknown or manufacturer-specific one is named so and
    handled as `retry`."""
    if cause_type == CAUSE_TYPE_MANUFACTURER:
        return RejectCause(number=number, name="manufacturer-specific", handling=RejectHandling.RETRY)
    known = EMM_CAUSES.get(number)
    return known or RejectCause(number=number, name="unknown", handling=RejectHandling.RETRY)


def cause_name(number: int, *, cause_type: int | None = CAUSE_TYPE_EMM, domain: str = "EMM") -> str:
    """The cause's name in its table: `domain` "5GMM" for a +C5GREG reject, "EMM" for +CEREG."""
    named_in_5gmm = _5GMM_NAMES.get(number) if domain == "5GMM" else None
    return named_in_5gmm or reject_cause(number, cause_type=cause_type).name


def describe_reject(number: int, *, cause_type: int | None = CAUSE_TYPE_EMM, domain: str = "EMM") -> str:
    """`EMM cause #15 (no suitable cells in tracking area)`; `domain` "5GMM" for a +C5GREG reject."""
    if cause_type == CAUSE_TYPE_MANUFACTURER:
        return f"manufacturer-specific cause #{number}"
    return f"{domain} cause #{number} ({cause_name(number, domain=domain)})"


def backoff_s(cause: RejectCause, *, failed_attempts: int, t3346_s: float | None) -> float | None:
    """How long a UE must wait after this reject before its next attempt; None: not before a CFUN or SIM
    cycle. `failed_attempts` counts this one (24.301 attempt counter); `t3346_s` is the back-off value the
    network sent with #22, None when it sent none."""
    match cause.handling:
        case RejectHandling.INVALID_SIM | RejectHandling.FORBIDDEN_AREA:
            return None
        case RejectHandling.CONGESTION if t3346_s is not None:
            return t3346_s
    return T3402_S if failed_attempts >= MAX_ATTEMPTS else T3411_S
