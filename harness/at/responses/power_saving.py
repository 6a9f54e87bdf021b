"""at layer: power saving lines +CPSMS, +CEDRXS, +CEDRXRDP and the +CEDRXP URC (TS 27.007 §7.38, §7.40,
§7.41; ../shared/reference/cellular-iot.md §1.5, §2; BC660K manual §9.1, §9.2, §9.4 [S5]; Nordic [S2][S3]).

- +CPSMS? `<mode>[,<Requested_Periodic-RAU>,<Requested_GPRS-READY-timer>,<Requested_Periodic-TAU>,
  <Requested_Active-Time>]`: the *requested* timers (the granted ones come in +CEREG n=4/5). Periodic-TAU and
  Periodic-RAU are GPRS Timer 3, Active-Time GPRS Timer 2, GPRS-READY GPRS Timer; LTE-only parts leave the
  RAU and READY fields empty.
- +CEDRXS? one `<AcT-type>,<Requested_eDRX_value>` line per RAT.
- +CEDRXRDP and +CEDRXP `<AcT-type>[,<Requested_eDRX_value>[,<NW-provided_eDRX_value>[,<PTW>]]]`;
  AcT-type 0 means the cell does not use eDRX. +CEDRXP is only ever a URC and +CEDRXRDP only an answer, so a
  `solicited` that says otherwise is a ParseError.
eDRX values are decoded per RAT from the AcT-type: 4 E-UTRAN WB-S1 (LTE-M), 5 E-UTRAN NB-S1 (NB-IoT). For
any other AcT-type (0, and 1-3, the GERAN/UTRAN types whose tables the harness does not use) the bits are kept
and the seconds are None.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at.fields import Field, read_bits, read_nibble, require_int
from harness.at.responses.registry import count_between, padded, parses
from harness.at.timers import (
    decode_edrx,
    decode_gprs_timer,
    decode_gprs_timer2,
    decode_gprs_timer3,
    decode_ptw,
)

# 27.007 AcT-type -> harness.at.timers rat.
_EDRX_RATS = {4: "ltem", 5: "nbiot"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Cpsms:
    """+CPSMS? : mode (0 off, 1 on) and the requested timers, raw and in seconds (None: absent or
    deactivated)."""

    mode: int
    requested_periodic_rau_bits: str | None
    requested_gprs_ready_timer_bits: str | None
    requested_periodic_tau_bits: str | None
    requested_active_time_bits: str | None
    requested_periodic_rau_s: int | None
    requested_gprs_ready_timer_s: int | None
    requested_periodic_tau_s: int | None
    requested_active_time_s: int | None


@parses("+CPSMS")
def _read_cpsms(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cpsms:
    count_between(fields, "+CPSMS", low=1, high=5)
    rest = padded(fields, 5)
    rau = read_bits(rest[1], "Requested_Periodic-RAU")
    ready = read_bits(rest[2], "Requested_GPRS-READY-timer")
    tau = read_bits(rest[3], "Requested_Periodic-TAU")
    active = read_bits(rest[4], "Requested_Active-Time")
    return Cpsms(
        mode=require_int(rest[0], "mode", low=0, high=2),
        requested_periodic_rau_bits=rau,
        requested_gprs_ready_timer_bits=ready,
        requested_periodic_tau_bits=tau,
        requested_active_time_bits=active,
        requested_periodic_rau_s=None if rau is None else decode_gprs_timer3(rau),
        requested_gprs_ready_timer_s=None if ready is None else decode_gprs_timer(ready),
        requested_periodic_tau_s=None if tau is None else decode_gprs_timer3(tau),
        requested_active_time_s=None if active is None else decode_gprs_timer2(active),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Cedrxs:
    """One +CEDRXS? line: the requested eDRX value for one AcT-type."""

    act_type: int
    requested_edrx_bits: str | None
    requested_edrx_s: float | None


def _act_type(field: Field) -> int:
    return require_int(field, "AcT-type", low=0, high=255)


def _edrx_s(bits: str | None, act_type: int) -> float | None:
    rat = _EDRX_RATS.get(act_type)
    return None if bits is None or rat is None else decode_edrx(bits, rat)


@parses("+CEDRXS")
def _read_cedrxs(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cedrxs:
    count_between(fields, "+CEDRXS", low=1, high=2)
    act_type = _act_type(fields[0])
    requested = read_nibble(padded(fields, 2)[1], "Requested_eDRX_value")
    return Cedrxs(
        act_type=act_type, requested_edrx_bits=requested, requested_edrx_s=_edrx_s(requested, act_type)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxParameters:
    """Requested, network-provided eDRX and PTW, raw and in seconds on the AcT-type's RAT."""

    act_type: int
    requested_edrx_bits: str | None
    nw_edrx_bits: str | None
    ptw_bits: str | None
    requested_edrx_s: float | None
    nw_edrx_s: float | None
    ptw_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cedrxrdp(EdrxParameters):
    """+CEDRXRDP, eDRX dynamic parameters (the network value does not prove the cell uses eDRX [S2])."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cedrxp(EdrxParameters):
    """+CEDRXP URC: the network's eDRX parameters changed (after AT+CEDRXS=2)."""


@parses("+CEDRXRDP", "+CEDRXP")
def _read_edrx_parameters(line: str, fields: tuple[Field, ...], solicited: bool | None) -> EdrxParameters:
    prefix = line.strip(" \t").partition(":")[0].strip(" \t")
    kind = Cedrxp if prefix == "+CEDRXP" else Cedrxrdp
    if solicited is (kind is Cedrxp):
        raise ValueError(f"{prefix} is {'only a URC' if kind is Cedrxp else 'never a URC'}")
    count_between(fields, prefix, low=1, high=4)
    rest = padded(fields, 4)
    act_type = _act_type(rest[0])
    requested = read_nibble(rest[1], "Requested_eDRX_value")
    nw = read_nibble(rest[2], "NW-provided_eDRX_value")
    ptw = read_nibble(rest[3], "Paging_time_window")
    rat = _EDRX_RATS.get(act_type)
    return kind(
        act_type=act_type,
        requested_edrx_bits=requested,
        nw_edrx_bits=nw,
        ptw_bits=ptw,
        requested_edrx_s=_edrx_s(requested, act_type),
        nw_edrx_s=_edrx_s(nw, act_type),
        ptw_s=None if ptw is None or rat is None else decode_ptw(ptw, rat),
    )
