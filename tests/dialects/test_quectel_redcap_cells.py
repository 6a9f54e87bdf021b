"""harness.dialects.quectel_redcap_cells: the AT+QENG="servingcell" reader, by the example lines of the
RG50xQ&RM5xxQ network note §3.2.2 and by property: any line built from the manual's layout reads back to the
values it was built from, in any of the spellings firmware uses; any other line is a ParseError, never a
wrong value or another exception."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects.quectel_redcap_cells import CellState, ServingCell, ServingRat, read_serving_cell
from harness.dialects.quectel_redcap_layouts import (
    NR_BANDWIDTH_MHZ,
    RG255_LAYOUT,
    RM5XX_LAYOUT,
    SCS_KHZ,
    UNKNOWN_LAYOUT,
    FirmwareLayout,
)
from harness.errors import ParseError

SA_EXAMPLE = (
    '+QENG: "servingcell","NOCONN","NR5G-SA","TDD",460,01,19013B004,299,690E0F,633984,78,12,-107,-13,2,1,-'
)


def test_the_manual_sa_example() -> None:
    cell = read_serving_cell([SA_EXAMPLE], RM5XX_LAYOUT)
    assert (cell.state, cell.rat, cell.lte, cell.nsa_nr) == (CellState.NOCONN, ServingRat.NR5G_SA, None, None)
    nr = cell.nr
    assert nr is not None
    assert (nr.duplex, nr.mcc, nr.mnc, nr.cell_id, nr.pci, nr.tac, nr.arfcn, nr.band) == (
        "TDD",
        "460",
        "01",
        "19013B004",
        299,
        "690E0F",
        633984,
        78,
    )
    assert (nr.dl_bandwidth_raw, nr.dl_bandwidth_mhz, nr.scs_khz, nr.srxlev, nr.tail) == (
        12,
        100,
        30,
        None,
        ("1", "-"),
    )
    assert (nr.radio.rsrp_dbm, nr.radio.rsrq_db, nr.radio.sinr_db) == (-107, -13, 2)


def test_lines_of_other_commands_and_urcs_are_ignored() -> None:
    cell = read_serving_cell(
        ["+CEREG: 1", SA_EXAMPLE, '+QENG: "neighbourcell intra","LTE",38950'], RM5XX_LAYOUT
    )
    assert cell.rat is ServingRat.NR5G_SA


def test_limited_service_still_carries_the_cell() -> None:
    cell = read_serving_cell([SA_EXAMPLE.replace("NOCONN", "LIMSRV")], RM5XX_LAYOUT)
    assert cell.state is CellState.LIMSRV
    assert cell.snapshot().pci == 299


def test_wcdma_is_named_but_not_read() -> None:
    line = '+QENG: "servingcell","NOCONN","WCDMA",460,01,1816,3FE4F9D,10663,323,10,-81,-3,0,-,-,-,-'
    cell = read_serving_cell([line], RM5XX_LAYOUT)
    assert (cell.rat, cell.snapshot().rsrp_dbm) == (ServingRat.WCDMA, None)


def test_endc_without_an_anchor_line_has_no_cell() -> None:
    cell = read_serving_cell(['+QENG: "servingcell","CONNECT"'], RM5XX_LAYOUT)
    assert (cell.state, cell.rat, cell.snapshot().cell_id) == (CellState.CONNECT, None, None)


@pytest.mark.parametrize(
    ("replace", "reason"),
    [
        ("19013B004", "1019013B004"),  # 40 bits: not an NR cell identity
        (",299,", ",1008,"),  # PCI 0-1007
        (",690E0F,", ",1690E0F,"),  # TAC 3 bytes
        (",12,-107", ",17,-107"),  # bandwidth code 0-16
        (",2,1,-", ",2,5,-"),  # scs 0-4
        ("-107", "-7"),  # RSRP outside any sane bound: not laid out as read
        ('"TDD"', '"TDX"'),
        (",460,", ",4600,"),
        ("-13", "-1x"),
        ('"NR5G-SA"', '"NR5G-SA'),  # unbalanced quote
    ],
)
def test_a_value_outside_the_layout_is_refused(replace: str, reason: str) -> None:
    with pytest.raises(ParseError):
        read_serving_cell([SA_EXAMPLE.replace(replace, reason, 1)], RM5XX_LAYOUT)


def test_lte_sinr_on_the_wrong_scale_is_refused() -> None:
    # An LTE SINR of 195 is 1/5 dB (19 dB); read with RM5xx's QENG formula it would be 370 dB.
    line = (
        '+QENG: "servingcell","NOCONN","LTE","FDD",460,01,5F1EA15,12,1650,3,5,5,DE10,'
        "-100,-12,-68,195,0,-32768,27"
    )
    with pytest.raises(ParseError, match="not a plausible SINR"):
        read_serving_cell([line], RM5XX_LAYOUT)


def test_rg255_bandwidth_must_be_an_nr_channel_bandwidth() -> None:
    line = SA_EXAMPLE.replace(",78,12,", ",78,21,")
    with pytest.raises(ParseError, match="not an NR channel bandwidth"):
        read_serving_cell([line], RG255_LAYOUT)


def test_unknown_firmware_keeps_the_bandwidth_raw() -> None:
    nr = read_serving_cell([SA_EXAMPLE], UNKNOWN_LAYOUT).nr
    assert nr is not None
    assert (nr.dl_bandwidth_raw, nr.dl_bandwidth_mhz, nr.scs_khz) == (12, None, None)


def test_a_tail_of_another_length_is_kept_but_not_named() -> None:
    nr = read_serving_cell([SA_EXAMPLE + ",5"], RM5XX_LAYOUT).nr
    assert nr is not None
    assert (nr.scs_khz, nr.srxlev, nr.tail) == (None, None, ("1", "-", "5"))


# --- properties ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaCell:
    mcc: str
    mnc: str
    cell_id: int
    pci: int
    tac: int
    arfcn: int
    band: int
    bandwidth_code: int
    rsrp_dbm: int | None
    rsrq_db: int | None
    sinr_db: int | None
    scs_code: int
    srxlev: int | None


def maybe(strategy: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), strategy)


sa_cells = st.builds(
    SaCell,
    mcc=st.from_regex(r"[0-9]{3}", fullmatch=True),
    mnc=st.from_regex(r"[0-9]{2,3}", fullmatch=True),
    cell_id=st.integers(0, (1 << 36) - 1),
    pci=st.integers(0, 1007),
    tac=st.integers(0, (1 << 24) - 1),
    arfcn=st.integers(0, 3_279_165),
    band=st.integers(1, 1024),
    bandwidth_code=st.sampled_from(sorted(NR_BANDWIDTH_MHZ)),
    rsrp_dbm=maybe(st.integers(-156, -31)),
    rsrq_db=maybe(st.integers(-43, 20)),
    sinr_db=maybe(st.integers(-23, 40)),
    scs_code=st.sampled_from(sorted(SCS_KHZ)),
    srxlev=maybe(st.integers(-100, 100)),
)


@st.composite
def spelled(draw: st.DrawFn, cell: SaCell) -> str:
    """The cell as some firmware would print it: optional quotes, spaces after commas, lowercase hex,
    no space after the colon, "-" or "" for an invalid value."""
    invalid = draw(st.sampled_from(["-", '"-"', ""]))

    def text(value: str) -> str:
        return f'"{value}"' if draw(st.booleans()) else value

    def hex_id(value: int) -> str:
        digits = f"{value:X}"
        return text(digits.lower() if draw(st.booleans()) else digits)

    def number(value: int | None) -> str:
        return invalid if value is None else str(value)

    fields = [
        '"servingcell"',
        text("NOCONN"),
        '"NR5G-SA"',
        text("TDD"),
        cell.mcc,
        cell.mnc,
        hex_id(cell.cell_id),
        str(cell.pci),
        hex_id(cell.tac),
        str(cell.arfcn),
        str(cell.band),
        str(cell.bandwidth_code),
        number(cell.rsrp_dbm),
        number(cell.rsrq_db),
        number(cell.sinr_db),
        str(cell.scs_code),
        number(cell.srxlev),
    ]
    separators = [draw(st.sampled_from([",", ", "])) for _ in fields[1:]]
    body = fields[0] + "".join(sep + field for sep, field in zip(separators, fields[1:], strict=True))
    return f"+QENG:{draw(st.sampled_from(['', ' ']))}{body}"


@given(data=st.data(), cell=sa_cells)
def test_any_sa_line_reads_back_to_its_values(data: st.DataObject, cell: SaCell) -> None:
    line = data.draw(spelled(cell))
    nr = read_serving_cell([line], RM5XX_LAYOUT).nr
    assert nr is not None
    assert (nr.mcc, nr.mnc, nr.pci, nr.arfcn, nr.band) == (
        cell.mcc,
        cell.mnc,
        cell.pci,
        cell.arfcn,
        cell.band,
    )
    assert nr.cell_id is not None
    assert nr.tac is not None
    assert (int(nr.cell_id, 16), int(nr.tac, 16)) == (cell.cell_id, cell.tac)
    assert (nr.dl_bandwidth_mhz, nr.scs_khz, nr.srxlev) == (
        NR_BANDWIDTH_MHZ[cell.bandwidth_code],
        SCS_KHZ[cell.scs_code],
        cell.srxlev,
    )
    assert (nr.radio.rsrp_dbm, nr.radio.rsrq_db, nr.radio.sinr_db) == (
        cell.rsrp_dbm,
        cell.rsrq_db,
        cell.sinr_db,
    )


@given(
    rsrp=st.integers(-140, -44),
    rsrq=st.integers(-20, -3),
    sinr_raw=st.integers(0, 25),
    tx_power=st.one_of(st.just(-32768), st.integers(-500, 230)),
)
def test_any_lte_line_reads_back_with_the_rm5xx_units(
    rsrp: int, rsrq: int, sinr_raw: int, tx_power: int
) -> None:
    line = (
        f'+QENG: "servingcell","CONNECT","LTE","FDD",460,01,5F1EA15,12,1650,3,5,5,DE10,{rsrp},{rsrq},-68,'
        f"{sinr_raw},9,{tx_power},-"
    )
    lte = read_serving_cell([line], RM5XX_LAYOUT).lte
    assert lte is not None
    assert (lte.radio.rsrp_dbm, lte.radio.rsrq_db, lte.sinr_raw) == (rsrp, rsrq, sinr_raw)
    assert lte.radio.sinr_db == pytest.approx(sinr_raw * 2 - 20)  # [N]: Y = 1/5 * X * 10 - 20
    assert lte.tx_power_dbm == (None if tx_power == -32768 else pytest.approx(tx_power / 10))


@given(
    rsrp=st.integers(-156, -31),
    sinr=st.integers(-23, 40),
    rsrq=st.integers(-43, 20),
    full=st.booleans(),
)
def test_any_nsa_leg_reads_rsrp_sinr_rsrq_in_that_order(rsrp: int, sinr: int, rsrq: int, full: bool) -> None:
    extra = ",627264,78,12,1" if full else ""
    lines = [
        '+QENG: "servingcell","NOCONN"',
        '+QENG: "LTE","FDD",460,01,5F1EA15,12,1650,3,5,5,DE10,-99,-12,-67,11,9,230,-',
        f'+QENG: "NR5G-NSA",460,01,747,{rsrp},{sinr},{rsrq}{extra}',
    ]
    leg = read_serving_cell(lines, RM5XX_LAYOUT).nsa_nr
    assert leg is not None
    assert (leg.radio.rsrp_dbm, leg.radio.sinr_db, leg.radio.rsrq_db) == (rsrp, sinr, rsrq)
    assert leg.arfcn == (627264 if full else None)


QENG_TOKENS = st.sampled_from(
    ['"servingcell"', '"NOCONN"', '"NR5G-SA"', '"LTE"', '"NR5G-NSA"', '"TDD"', "460", "01", "-", '"-"', "",
     "19013B004", "-107", "12", "1", "99999999999", "x", '"', "(", "-32768", " "]
)  # fmt: skip


@given(
    tokens=st.lists(st.lists(QENG_TOKENS, max_size=20), min_size=1, max_size=3),
    layout=st.sampled_from([RM5XX_LAYOUT, RG255_LAYOUT, UNKNOWN_LAYOUT]),
)
def test_any_other_line_is_read_or_refused_never_anything_else(
    tokens: list[list[str]], layout: FirmwareLayout
) -> None:
    lines = ["+QENG: " + ",".join(fields) for fields in tokens]
    try:
        cell = read_serving_cell(lines, layout)
    except ParseError:
        return
    snapshot = cell.snapshot()
    assert snapshot.rsrp_dbm is None or -160 <= snapshot.rsrp_dbm <= -20
    assert snapshot.sinr_db is None or -30 <= snapshot.sinr_db <= 50
    assert snapshot.cell_id is None or int(snapshot.cell_id, 16) < 1 << 36


@given(text=st.text(max_size=200))
def test_arbitrary_text_after_the_prefix_never_escapes_as_another_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        assert isinstance(read_serving_cell([f'+QENG: "servingcell",{text}'], RM5XX_LAYOUT), ServingCell)
