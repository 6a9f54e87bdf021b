"""dialects layer: typed reader of Quectel's AT+QENG="servingcell" answer (RM5xx / RG255 5G modules).

Forms (RG50xQ&RM5xxQ Series Network Application Note v1.0.0 §3.2.2 [N]; cellular-iot.md §3.3 [S14]):

    SA     +QENG: "servingcell",<state>,"NR5G-SA",<duplex>,<MCC>,<MNC>,<cellID>,<PCID>,<TAC>,<ARFCN>,<band>,
                  <NR_DL_bandwidth>,<RSRP>,<RSRQ>,<SINR>,<tail...>
    LTE    +QENG: "servingcell",<state>,"LTE",<is_tdd>,<MCC>,<MNC>,<cellID>,<PCID>,<earfcn>,<band>,<UL_bw>,
                  <DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>,<tail...>
    EN-DC  +QENG: "servingcell",<state>
           +QENG: "LTE",<is_tdd>,... as above from <is_tdd> on
           +QENG: "NR5G-NSA",<MCC>,<MNC>,<PCID>,<RSRP>,<SINR>,<RSRQ>[,<ARFCN>,<band>,<NR_DL_bandwidth>,<scs>]
    no cell +QENG: "servingcell","SEARCH"

Note the NSA leg's order (RSRP, SINR, RSRQ) differs from SA's (RSRP, RSRQ, SINR); the manual's own NSA
example has no space after the colon; older firmware stops the NSA leg after <RSRQ> (a public RM520N
parser). What follows <SINR> and the units are per firmware (quectel_redcap_layouts). Field widths: NR cell
ID 36 bits and TAC 3 bytes, LTE cell ID 28 bits and TAC 2 bytes (cellular-iot.md §6 item 9; [N] <cellID>); PCI
0-1007 (NR) / 0-503 (LTE) and NR-ARFCN 0-3279165 (TS 38.211 §7.4.2.1, TS 38.104 §5.4.2.1; recalled).
Measurement bounds are wide sanity bounds, not the manual's typical ranges: a value outside them means the
line is not laid out as read, and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from harness.at.fields import Field, split_line
from harness.at.framing import has_prefix
from harness.dialects.modem import RadioSnapshot
from harness.dialects.quectel_redcap_layouts import (
    FirmwareLayout,
    named_tail,
    read_digits,
    read_hex_id,
    read_lte_bandwidth,
    read_nr_bandwidth,
    read_number,
    read_rsrp,
    read_rsrq,
    read_scs,
    read_sinr,
    read_word,
    scale_sinr,
)
from harness.errors import ParseError

T = TypeVar("T")
PREFIX = "+QENG"
_DUPLEX = frozenset({"TDD", "FDD"})
_SA_CORE = 12  # fields from <duplex> to <SINR>
_LTE_CORE = 14  # fields from <is_tdd> to <SINR>
_NSA_CORE = 6
_NSA_FULL = 10


class CellState(StrEnum):
    SEARCH = "SEARCH"
    LIMSRV = "LIMSRV"
    NOCONN = "NOCONN"
    CONNECT = "CONNECT"


class ServingRat(StrEnum):
    NR5G_SA = "NR5G-SA"
    LTE = "LTE"
    EN_DC = "EN-DC"
    WCDMA = "WCDMA"  # named, not read: RedCap measurements never run on it


@dataclass(frozen=True, slots=True, kw_only=True)
class Radio:
    """What every serving-cell form reports about the signal, in dBm / dB."""

    rsrp_dbm: int | None
    rsrq_db: int | None
    sinr_db: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NrCell:
    """The SA serving cell; `tail` holds the fields after <SINR> as sent, named ones read per the layout."""

    duplex: str | None
    mcc: str | None
    mnc: str | None
    cell_id: str | None
    pci: int | None
    tac: str | None
    arfcn: int | None
    band: int | None
    dl_bandwidth_raw: int | None
    dl_bandwidth_mhz: int | None
    radio: Radio
    scs_khz: int | None
    srxlev: int | None
    tx_power_dbm: float | None
    tail: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LteCell:
    """The LTE serving cell (or EN-DC anchor); `sinr_raw` as sent, `radio.sinr_db` by the firmware's scale."""

    duplex: str | None
    mcc: str | None
    mnc: str | None
    cell_id: str | None
    pci: int | None
    earfcn: int | None
    band: int | None
    ul_bandwidth_mhz: float | None
    dl_bandwidth_mhz: float | None
    tac: str | None
    radio: Radio
    rssi_dbm: int | None
    sinr_raw: int | None
    cqi: int | None
    tx_power_dbm: float | None
    srxlev: int | None
    tail: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NsaNrLeg:
    """The NR leg of EN-DC. The four fields after <RSRQ> are read only when all four are there; `tail`
    keeps whatever follows <RSRQ> as sent."""

    mcc: str | None
    mnc: str | None
    pci: int | None
    radio: Radio
    arfcn: int | None
    band: int | None
    dl_bandwidth_raw: int | None
    scs_khz: int | None
    tail: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingCell:
    """What AT+QENG="servingcell" says: `rat` None while searching (or EN-DC without its anchor line)."""

    state: CellState
    rat: ServingRat | None
    nr: NrCell | None = None
    lte: LteCell | None = None
    nsa_nr: NsaNrLeg | None = None

    def snapshot(self) -> RadioSnapshot:
        """The cell the module is registered on: the NR cell in SA, the LTE anchor in LTE and EN-DC (the NR
        leg of EN-DC names no cell; it stays in `nsa_nr`). `earfcn` holds the NR-ARFCN on NR."""
        if self.nr is not None:
            nr = self.nr
            return _snapshot(nr.radio, cell_id=nr.cell_id, pci=nr.pci, channel=nr.arfcn, band=nr.band)
        if self.lte is not None:
            lte = self.lte
            return _snapshot(lte.radio, cell_id=lte.cell_id, pci=lte.pci, channel=lte.earfcn, band=lte.band)
        return RadioSnapshot()


def _snapshot(
    radio: Radio, *, cell_id: str | None, pci: int | None, channel: int | None, band: int | None
) -> RadioSnapshot:
    return RadioSnapshot(
        rsrp_dbm=radio.rsrp_dbm,
        rsrq_db=radio.rsrq_db,
        sinr_db=radio.sinr_db,
        cell_id=cell_id,
        pci=pci,
        earfcn=channel,
        band=band,
    )


def read_serving_cell(lines: Sequence[str], layout: FirmwareLayout) -> ServingCell:
    """The serving cell from the information lines of AT+QENG="servingcell" (other lines are ignored)."""
    rows = [(line, _fields(line)) for line in lines if has_prefix(line, PREFIX)]
    heads = [(line, fields) for line, fields in rows if _kind(fields) == "servingcell"]
    if len(heads) != 1:
        raise ParseError(" | ".join(lines), f'expected one +QENG: "servingcell" line, found {len(heads)}')
    line, fields = heads[0]
    state = _read(line, lambda: CellState(_text(fields, 1, "state")))
    if len(fields) > 2:
        return _read(line, lambda: _read_single(state, fields[2:], layout))
    legs = {_kind(f): (text, f) for text, f in rows if _kind(f) in ("LTE", "NR5G-NSA")}
    if "LTE" not in legs:
        return ServingCell(state=state, rat=None)
    lte_line, lte_fields = legs["LTE"]
    lte = _read(lte_line, lambda: _read_lte(lte_fields[1:], layout))
    nsa = None
    if "NR5G-NSA" in legs:
        nsa_line, nsa_fields = legs["NR5G-NSA"]
        nsa = _read(nsa_line, lambda: _read_nsa(nsa_fields[1:]))
    return ServingCell(state=state, rat=ServingRat.EN_DC, lte=lte, nsa_nr=nsa)


def _read_single(state: CellState, fields: tuple[Field, ...], layout: FirmwareLayout) -> ServingCell:
    rat = ServingRat(fields[0].text.strip(" \t"))
    if rat is ServingRat.NR5G_SA:
        return ServingCell(state=state, rat=rat, nr=_read_nr(fields[1:], layout))
    if rat is ServingRat.LTE:
        return ServingCell(state=state, rat=rat, lte=_read_lte(fields[1:], layout))
    if rat is ServingRat.WCDMA:
        return ServingCell(state=state, rat=rat)
    raise ValueError(f"{rat} is not a serving-cell form")


def _read_nr(fields: tuple[Field, ...], layout: FirmwareLayout) -> NrCell:
    _require(fields, _SA_CORE, "NR5G-SA")
    tail = named_tail(fields[_SA_CORE:], layout.sa_tail)
    bandwidth = read_nr_bandwidth(fields[8], layout)
    return NrCell(
        duplex=read_word(fields[0], "duplex_mode", _DUPLEX),
        mcc=read_digits(fields[1], "MCC", max_digits=3),
        mnc=read_digits(fields[2], "MNC", max_digits=3),
        cell_id=read_hex_id(fields[3], "cellID", bits=36),
        pci=read_number(fields[4], "PCID", low=0, high=1007),
        tac=read_hex_id(fields[5], "TAC", bits=24),
        arfcn=read_number(fields[6], "ARFCN", low=0, high=3_279_165),
        band=read_number(fields[7], "band", low=1, high=1024),
        dl_bandwidth_raw=read_number(fields[8], "NR_DL_bandwidth", low=0, high=400),
        dl_bandwidth_mhz=bandwidth,
        radio=_radio(fields[9], fields[10], fields[11]),
        scs_khz=read_scs(tail.get("scs")),
        srxlev=_optional(tail.get("srxlev"), "srxlev", -200, 200),
        tx_power_dbm=_tx_power(tail.get("tx_power")),
        tail=_texts(fields[_SA_CORE:]),
    )


def _read_lte(fields: tuple[Field, ...], layout: FirmwareLayout) -> LteCell:
    _require(fields, _LTE_CORE, "LTE")
    tail = named_tail(fields[_LTE_CORE:], layout.lte_tail)
    sinr_raw = read_number(fields[13], "SINR", low=-100, high=300)
    return LteCell(
        duplex=read_word(fields[0], "is_tdd", _DUPLEX),
        mcc=read_digits(fields[1], "MCC", max_digits=3),
        mnc=read_digits(fields[2], "MNC", max_digits=3),
        cell_id=read_hex_id(fields[3], "cellID", bits=28),
        pci=read_number(fields[4], "PCID", low=0, high=503),
        earfcn=read_number(fields[5], "earfcn", low=0, high=262_143),
        band=read_number(fields[6], "freq_band_ind", low=1, high=255),
        ul_bandwidth_mhz=read_lte_bandwidth(fields[7], "UL_bandwidth"),
        dl_bandwidth_mhz=read_lte_bandwidth(fields[8], "DL_bandwidth"),
        tac=read_hex_id(fields[9], "TAC", bits=16),
        radio=Radio(
            rsrp_dbm=read_rsrp(fields[10]),
            rsrq_db=read_rsrq(fields[11]),
            sinr_db=scale_sinr(sinr_raw, layout.lte_qeng_sinr),
        ),
        rssi_dbm=read_number(fields[12], "RSSI", low=-130, high=0),
        sinr_raw=sinr_raw,
        cqi=_optional(tail.get("cqi"), "CQI", 0, 30),
        tx_power_dbm=_tx_power(tail.get("tx_power")),
        srxlev=_optional(tail.get("srxlev"), "srxlev", -200, 200),
        tail=_texts(fields[_LTE_CORE:]),
    )


def _read_nsa(fields: tuple[Field, ...]) -> NsaNrLeg:
    _require(fields, _NSA_CORE, "NR5G-NSA")
    full = fields if len(fields) == _NSA_FULL else (*fields[:_NSA_CORE], *(Field(""),) * 4)
    return NsaNrLeg(
        mcc=read_digits(full[0], "MCC", max_digits=3),
        mnc=read_digits(full[1], "MNC", max_digits=3),
        pci=read_number(full[2], "PCID", low=0, high=1007),
        radio=Radio(rsrp_dbm=read_rsrp(full[3]), rsrq_db=read_rsrq(full[5]), sinr_db=read_sinr(full[4])),
        arfcn=read_number(full[6], "ARFCN", low=0, high=3_279_165),
        band=read_number(full[7], "band", low=1, high=1024),
        dl_bandwidth_raw=read_number(full[8], "NR_DL_bandwidth", low=0, high=400),
        scs_khz=read_scs(full[9]),
        tail=_texts(fields[_NSA_CORE:]),
    )


def _radio(rsrp: Field, rsrq: Field, sinr: Field) -> Radio:
    return Radio(rsrp_dbm=read_rsrp(rsrp), rsrq_db=read_rsrq(rsrq), sinr_db=read_sinr(sinr))


def _tx_power(field: Field | None) -> float | None:
    """<tx_power> is in 1/10 dBm ([N]), -32768 when not in traffic."""
    tenths = _optional(field, "tx_power", -600, 400)
    return None if tenths is None else tenths / 10


def _optional(field: Field | None, name: str, low: int, high: int) -> int | None:
    return None if field is None else read_number(field, name, low=low, high=high)


def _require(fields: tuple[Field, ...], count: int, form: str) -> None:
    if len(fields) < count:
        raise ValueError(f"the {form} form has {count} fields or more after its RAT, this line {len(fields)}")


def _texts(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(field.text.strip(" \t") for field in fields)


def _fields(line: str) -> tuple[Field, ...]:
    try:
        return split_line(line)[1]
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc


def _kind(fields: tuple[Field, ...]) -> str:
    return fields[0].text.strip(" \t") if fields else ""


def _text(fields: tuple[Field, ...], index: int, name: str) -> str:
    if index >= len(fields):
        raise ValueError(f"no {name}")
    return fields[index].text.strip(" \t")


def _read(line: str, read: Callable[[], T]) -> T:
    try:
        return read()
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc
