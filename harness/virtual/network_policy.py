"""virtual layer: the test network's policy: what it grants of a module's PSM and eDRX requests, whether the
module roams, and how much downlink it holds for a module it cannot reach.

Set from URL options (`virtual://bc660k?psm=clamp&min_tau_s=11400`) and changed during a run by the control op
"network" with the same names. Policies (cellular-iot.md §5.1 step 2, §5.3 "grant policy knobs"):
  psm=accept     the requested T3324 and T3412-ext are granted as requested (default)
  psm=clamp      T3412-ext no shorter than min_tau_s (an operator minimum, e.g. 190 min [S28]), rounded up to
                 a value GPRS Timer 3 can carry; T3324 as requested
  psm=reject     T3324 and T3412-ext "11100000" (deactivated: PSM refused, as in the log of [S26])
  psm=network    the network's own values, active_time and periodic_tau, whatever was requested
  edrx=accept    the requested cycle (or edrx_nw when given), the requested PTW (or ptw; else "0011" =
                 10.24 s on NB-S1, the BC660K example [S5 §9.2] and the least Nordic advises [S2])
  edrx=reject    no eDRX: +CEDRXRDP reports AcT-type 0
A module that requests nothing is granted nothing: 24.301 includes T3324 only when the UE asked for it.
reject=<cause>: the network rejects registration attempts with that EMM cause (1-255), `reject.attempts` of
them (default: every one) after accepting `reject.after` (default 0); with #22 it sends T3346 =
`reject.t3346_s` (default: none, so the module waits T3411). harness.virtual.registration_reject says how.
dl_buffer_count: downlink datagrams held for a module in PSM or outside its paging time window; more are
dropped (judgement: 8; 3GPP leaves extended buffering to the operator).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from harness.timer_codes import DEACTIVATED_BITS, decode_gprs_timer3, encode_gprs_timer3
from harness.virtual.option_reader import OptionReader, bits, flag, integer, number, one_of

T = TypeVar("T")


class PsmPolicy(StrEnum):
    ACCEPT = "accept"
    CLAMP = "clamp"
    REJECT = "reject"
    NETWORK = "network"


class EdrxPolicy(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


DEFAULT_PTW_BITS = "0011"
# An operator minimum T3412 of 190 min (Nordic nRF93M1 datasheet example [S28], cellular-iot.md §5.1).
DEFAULT_MIN_PERIODIC_TAU_S = 190 * 60
# The examples of 27.007 and the BC660K manual: T3324 "00100100" = 4 min, T3412-ext "01000111" = 70 h.
DEFAULT_ACTIVE_TIME_BITS = "00100100"
DEFAULT_PERIODIC_TAU_BITS = "01000111"
DEFAULT_DL_BUFFER_COUNT = 8
MAX_PERIODIC_TAU_S = 35_712_000  # 31 x 320 h, the largest T3412-ext (cellular-iot.md §2.2)
# T3346 is coded as GPRS Timer 2 (24.301 §9.9.3.16A, recalled): 31 decihours at most
MAX_T3346_S = 11_160.0
REJECT_OPTION = "reject"


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPolicy:
    psm: PsmPolicy = PsmPolicy.ACCEPT
    min_periodic_tau_s: int = DEFAULT_MIN_PERIODIC_TAU_S
    active_time_bits: str = DEFAULT_ACTIVE_TIME_BITS
    periodic_tau_bits: str = DEFAULT_PERIODIC_TAU_BITS
    edrx: EdrxPolicy = EdrxPolicy.ACCEPT
    edrx_nw_bits: str | None = None
    ptw_bits: str | None = None
    is_roaming: bool = False
    dl_buffer_count: int = DEFAULT_DL_BUFFER_COUNT
    reject_cause: int | None = None
    reject_attempts: int | None = None
    reject_after: int = 0
    reject_t3346_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PsmGrant:
    """The timers the network granted, as coded on the air (GPRS Timer 2 and 3)."""

    active_time_bits: str
    periodic_tau_bits: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxGrant:
    """What the network provides for an eDRX request: nw_bits None means no eDRX in this cell."""

    requested_bits: str
    nw_bits: str | None
    ptw_bits: str | None


def _nibble_or_none(text: str) -> str | None:
    return None if text == "" else bits(4)(text)


def _or_none(parse: Callable[[str], T]) -> Callable[[str], T | None]:
    """`parse`, with an empty value meaning none (a control request's null)."""

    def parse_or_none(text: str) -> T | None:
        return None if text == "" else parse(text)

    return parse_or_none


# option name -> (NetworkPolicy field, parser of the option's text); the URL and the control op share it
_OPTIONS: Mapping[str, tuple[str, Callable[[str], Any]]] = MappingProxyType(
    {
        "psm": ("psm", lambda text: PsmPolicy(one_of(tuple(PsmPolicy))(text))),
        "min_tau_s": ("min_periodic_tau_s", integer(0, MAX_PERIODIC_TAU_S)),
        "active_time": ("active_time_bits", bits(8)),
        "periodic_tau": ("periodic_tau_bits", bits(8)),
        "edrx": ("edrx", lambda text: EdrxPolicy(one_of(tuple(EdrxPolicy))(text))),
        "edrx_nw": ("edrx_nw_bits", _nibble_or_none),
        "ptw": ("ptw_bits", _nibble_or_none),
        "roaming": ("is_roaming", flag),
        "dl_buffer_count": ("dl_buffer_count", integer(0, 1000)),
        REJECT_OPTION: ("reject_cause", _or_none(integer(1, 255))),  # one octet (24.301 §9.9.3.9)
        f"{REJECT_OPTION}.attempts": ("reject_attempts", _or_none(integer(1, 1_000_000))),
        f"{REJECT_OPTION}.after": ("reject_after", integer(0, 1_000_000)),
        f"{REJECT_OPTION}.t3346_s": ("reject_t3346_s", _or_none(number(0.0, MAX_T3346_S))),
    }
)


def read_network_policy(reader: OptionReader) -> NetworkPolicy:
    default = NetworkPolicy()
    values = {
        field: reader.get(name, parse, getattr(default, field)) for name, (field, parse) in _OPTIONS.items()
    }
    return NetworkPolicy(**values)


def changed_policy(policy: NetworkPolicy, request: Mapping[str, object]) -> NetworkPolicy:
    """The policy with the options a control request names (values as JSON gives them: text, numbers,
    booleans, null for "none"); ValueError for an unknown name or a bad value."""
    changes: dict[str, Any] = {}
    for name, value in request.items():
        if name not in _OPTIONS:
            raise ValueError(f"unknown network option {name!r} (known: {', '.join(sorted(_OPTIONS))})")
        field, parse = _OPTIONS[name]
        text = "" if value is None else str(int(value)) if isinstance(value, bool) else str(value)
        try:
            changes[field] = parse(text)
        except ValueError as exc:
            raise ValueError(f"network option {name} {exc}, got {value!r}") from None
    return dataclasses.replace(policy, **changes)


def grant_psm(
    policy: NetworkPolicy, *, periodic_tau_bits: str | None, active_time_bits: str | None
) -> PsmGrant:
    """What the network grants for a PSM request (None for a timer the module left to the network)."""
    network = PsmGrant(active_time_bits=policy.active_time_bits, periodic_tau_bits=policy.periodic_tau_bits)
    match policy.psm:
        case PsmPolicy.REJECT:
            return PsmGrant(active_time_bits=DEACTIVATED_BITS, periodic_tau_bits=DEACTIVATED_BITS)
        case PsmPolicy.NETWORK:
            return network
    requested = PsmGrant(
        active_time_bits=active_time_bits or network.active_time_bits,
        periodic_tau_bits=periodic_tau_bits or network.periodic_tau_bits,
    )
    if policy.psm is PsmPolicy.CLAMP:
        tau_s = decode_gprs_timer3(requested.periodic_tau_bits)
        if tau_s is not None and tau_s < policy.min_periodic_tau_s:
            clamped = encode_gprs_timer3(policy.min_periodic_tau_s).bits
            return dataclasses.replace(requested, periodic_tau_bits=clamped)
    return requested


def grant_edrx(
    policy: NetworkPolicy, *, requested_bits: str, usable_bits: str, requested_ptw_bits: str | None
) -> EdrxGrant:
    """What the network provides for an eDRX request; `usable_bits` is the code the request is read as on
    the module's RAT (a network provides only valid codes)."""
    if policy.edrx is EdrxPolicy.REJECT:
        return EdrxGrant(requested_bits=requested_bits, nw_bits=None, ptw_bits=None)
    return EdrxGrant(
        requested_bits=requested_bits,
        nw_bits=policy.edrx_nw_bits or usable_bits,
        ptw_bits=policy.ptw_bits or requested_ptw_bits or DEFAULT_PTW_BITS,
    )
