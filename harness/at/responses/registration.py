"""at layer: registration status lines +CEREG, +CGREG, +CREG and +C5GREG (TS 27.007 §10.1.22, §10.1.20, §7.2
and the Rel-15 5GS command), read and URC forms, every <n> mode.

Each read form is its URC form with <n> put first (../shared/reference/cellular-iot.md §1.1, §1.2; BC660K
manual §4.1, §4.5 [S5]; RG50xQ/RM5xxQ network application note §3.1 [S14]). Field counts per form:
- +CEREG: <stat>[,[<tac>],[<ci>],[<AcT>][,[<cause_type>],[<reject_cause>][,[<Active-Time>],[<Periodic-TAU>]]]]
  URC 1, 4, 6 or 8 fields (n=4 leaves the two cause fields empty). Active-Time is GPRS Timer 2 (T3324),
  Periodic-TAU GPRS Timer 3 (T3412 extended).
- +CGREG: <stat>[,[<lac>],[<ci>],[<AcT>],[<rac>][,[<cause_type>],[<reject_cause>][,[<Active-Time>],
  [<Periodic-RAU>],[<GPRS-READY-timer>]]]]: URC 1, 5, 7 or 10 fields. Periodic-RAU is GPRS Timer 3 (T3312
  extended), GPRS-READY-timer GPRS Timer (T3314).
- +CREG: <stat>[,[<lac>],[<ci>],[<AcT>][,<cause_type>,<reject_cause>]]: URC 1, 4 or 6 fields.
- +C5GREG: <stat>[,[<tac>],[<ci>],[<AcT>],[<Allowed_NSSAI_length>],[<Allowed_NSSAI>][,<cause_type>,
  <reject_cause>]]: URC 1, 6 or 8 fields. The 5GS TAC is 3 bytes and the NR cell identity 36 bits (§6.9). The
  Rel-16 CAG fields (<cag_stat>, <caginfo>) are not read: such a line is a ParseError, not a guess. +C5GREG
  carries no PSM timers (§1.2).
The read and URC counts never overlap, so a line's shape tells its form. LAC and TAC are 2 bytes, an
E-UTRAN/UTRAN cell identity 28 bits, a routing area code 1 byte; hex is returned upper-cased.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.at.fields import Field, read_bits, read_hex, read_int, read_text, require_int
from harness.at.responses.registry import form_of, padded, parses
from harness.at.timers import decode_gprs_timer, decode_gprs_timer2, decode_gprs_timer3


@dataclass(frozen=True, slots=True, kw_only=True)
class Cereg:
    """+CEREG, EPS registration status (TS 27.007 §10.1.22). n is None in a URC."""

    n: int | None
    stat: int
    tac: str | None
    ci: str | None
    act: int | None
    cause_type: int | None
    reject_cause: int | None
    active_time_bits: str | None
    periodic_tau_bits: str | None
    active_time_s: int | None
    periodic_tau_s: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cgreg:
    """+CGREG, GPRS registration status (TS 27.007 §10.1.20). n is None in a URC."""

    n: int | None
    stat: int
    lac: str | None
    ci: str | None
    act: int | None
    rac: str | None
    cause_type: int | None
    reject_cause: int | None
    active_time_bits: str | None
    periodic_rau_bits: str | None
    gprs_ready_timer_bits: str | None
    active_time_s: int | None
    periodic_rau_s: int | None
    gprs_ready_timer_s: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Creg:
    """+CREG, circuit-switched registration status (TS 27.007 §7.2). n is None in a URC."""

    n: int | None
    stat: int
    lac: str | None
    ci: str | None
    act: int | None
    cause_type: int | None
    reject_cause: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class C5greg:
    """+C5GREG, 5GS registration status (TS 27.007 Rel-15+; cellular-iot.md §1.2). n is None in a URC.
    `allowed_nssai` is the raw list; `allowed_s_nssais` splits it at its colons (27.007 §10.1.1 <S-NSSAI>)."""

    n: int | None
    stat: int
    tac: str | None
    ci: str | None
    act: int | None
    allowed_nssai_length: int | None
    allowed_nssai: str | None
    allowed_s_nssais: tuple[str, ...]
    cause_type: int | None
    reject_cause: int | None


def _split_form(
    fields: tuple[Field, ...], solicited: bool | None, *, urc_counts: frozenset[int], n_high: int
) -> tuple[int | None, tuple[Field, ...]]:
    """<n> (None in a URC) and the URC-form fields, from the shape of the line."""
    read_counts = frozenset(count + 1 for count in urc_counts)
    is_read = form_of(len(fields), read=read_counts, urc=urc_counts, solicited=solicited)
    if not is_read:
        return None, fields
    return require_int(fields[0], "n", low=0, high=n_high), fields[1:]


def _stat(field: Field) -> int:
    # 0-5 in every table, 6-10 in +CREG/+CGREG, 8 in +C5GREG, 90 on Nordic (cellular-iot.md §1.1).
    return require_int(field, "stat", low=0, high=255)


def _act(field: Field) -> int | None:
    return read_int(field, "AcT", low=0, high=255)


def _cell_id(field: Field, *, bits: int) -> str | None:
    """A cell identity of at most `bits` bits, in hex, zero-padded to whole octets or not."""
    ci = read_hex(field, "ci", max_digits=2 * ((bits + 7) // 8))
    if ci is not None and int(ci, 16) >= 1 << bits:
        raise ValueError(f"ci {ci!r} does not fit the {bits} bits of this cell identity")
    return ci


def _cause(fields: tuple[Field, Field]) -> tuple[int | None, int | None]:
    return (
        read_int(fields[0], "cause_type", low=0, high=1),
        read_int(fields[1], "reject_cause", low=0, high=65_535),
    )


def _timer(field: Field, name: str, decode: Callable[[str], int | None]) -> tuple[str | None, int | None]:
    """A timer octet's bits and its seconds (None when absent or deactivated)."""
    bits = read_bits(field, name)
    return bits, None if bits is None else decode(bits)


@parses("+CEREG")
def _read_cereg(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cereg:
    n, rest = _split_form(fields, solicited, urc_counts=frozenset({1, 4, 6, 8}), n_high=5)
    rest = padded(rest, 8)
    cause_type, reject_cause = _cause((rest[4], rest[5]))
    active_time_bits, active_time_s = _timer(rest[6], "Active-Time", decode_gprs_timer2)
    periodic_tau_bits, periodic_tau_s = _timer(rest[7], "Periodic-TAU", decode_gprs_timer3)
    return Cereg(
        n=n,
        stat=_stat(rest[0]),
        tac=read_hex(rest[1], "tac", max_digits=4),
        ci=_cell_id(rest[2], bits=28),
        act=_act(rest[3]),
        cause_type=cause_type,
        reject_cause=reject_cause,
        active_time_bits=active_time_bits,
        periodic_tau_bits=periodic_tau_bits,
        active_time_s=active_time_s,
        periodic_tau_s=periodic_tau_s,
    )


@parses("+CGREG")
def _read_cgreg(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cgreg:
    n, rest = _split_form(fields, solicited, urc_counts=frozenset({1, 5, 7, 10}), n_high=5)
    rest = padded(rest, 10)
    cause_type, reject_cause = _cause((rest[5], rest[6]))
    active_time_bits, active_time_s = _timer(rest[7], "Active-Time", decode_gprs_timer2)
    periodic_rau_bits, periodic_rau_s = _timer(rest[8], "Periodic-RAU", decode_gprs_timer3)
    ready_bits, ready_s = _timer(rest[9], "GPRS-READY-timer", decode_gprs_timer)
    return Cgreg(
        n=n,
        stat=_stat(rest[0]),
        lac=read_hex(rest[1], "lac", max_digits=4),
        ci=_cell_id(rest[2], bits=28),
        act=_act(rest[3]),
        rac=read_hex(rest[4], "rac", max_digits=2),
        cause_type=cause_type,
        reject_cause=reject_cause,
        active_time_bits=active_time_bits,
        periodic_rau_bits=periodic_rau_bits,
        gprs_ready_timer_bits=ready_bits,
        active_time_s=active_time_s,
        periodic_rau_s=periodic_rau_s,
        gprs_ready_timer_s=ready_s,
    )


@parses("+CREG")
def _read_creg(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Creg:
    n, rest = _split_form(fields, solicited, urc_counts=frozenset({1, 4, 6}), n_high=3)
    rest = padded(rest, 6)
    cause_type, reject_cause = _cause((rest[4], rest[5]))
    return Creg(
        n=n,
        stat=_stat(rest[0]),
        lac=read_hex(rest[1], "lac", max_digits=4),
        ci=_cell_id(rest[2], bits=28),
        act=_act(rest[3]),
        cause_type=cause_type,
        reject_cause=reject_cause,
    )


@parses("+C5GREG")
def _read_c5greg(line: str, fields: tuple[Field, ...], solicited: bool | None) -> C5greg:
    n, rest = _split_form(fields, solicited, urc_counts=frozenset({1, 6, 8}), n_high=3)
    rest = padded(rest, 8)
    cause_type, reject_cause = _cause((rest[6], rest[7]))
    nssai = _read_nssai(rest[5])
    return C5greg(
        n=n,
        stat=_stat(rest[0]),
        tac=read_hex(rest[1], "tac", max_digits=6),
        ci=_cell_id(rest[2], bits=36),
        act=_act(rest[3]),
        allowed_nssai_length=read_int(rest[4], "Allowed_NSSAI_length", low=0, high=255),
        allowed_nssai=nssai,
        allowed_s_nssais=() if nssai is None else tuple(nssai.split(":")),
        cause_type=cause_type,
        reject_cause=reject_cause,
    )


_NSSAI_CHARACTERS = frozenset("0123456789abcdefABCDEF.;:")


def _read_nssai(field: Field) -> str | None:
    """S-NSSAIs in hex (sst[.sd][;mapped sst[.sd]]), separated by colons (27.007 §10.1.1)."""
    nssai = read_text(field)
    if nssai is not None and (set(nssai) - _NSSAI_CHARACTERS or "" in nssai.split(":")):
        raise ValueError(f"Allowed_NSSAI {nssai!r} is not a colon-separated list of hex S-NSSAIs")
    return nssai
