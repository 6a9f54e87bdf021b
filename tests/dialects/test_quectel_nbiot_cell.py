"""harness.dialects.quectel_nbiot_cell: AT+QENG=0 ([S5] §4.8) and AT+NUESTATS ([S12] §5.2) read into a
RadioSnapshot: the manual's examples, odd real-world shapes, and property tests (what is written is read
back; junk is a ParseError, never a wrong value)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects import RadioSnapshot
from harness.dialects.quectel_nbiot_cell import read_nuestats, read_qeng
from harness.errors import ParseError

MANUAL_QENG = '+QENG: 0,3688,11,121,"05C4EF33",-72,-8,-64,14,8,"4C10",0,-128,3'
MANUAL_SNAPSHOT = RadioSnapshot(
    rsrp_dbm=-72, rsrq_db=-8, sinr_db=14, ce_level=0, cell_id="05C4EF33", pci=121, earfcn=3688, band=8
)
# The first BC95 firmware prints bare <name>:<value> lines (shape of [S12] §5.2).
BARE_NUESTATS = (
    "Signal power:-1064",
    "Total power:-964",
    "TX power:-32768",
    "TX time:0",
    "RX time:39",
    "Cell ID:2411217",
    "ECL:255",
    "SNR:-32768",
    "EARFCN:3734",
    "PCI:203",
    "RSRQ:-120",
)


# --- AT+QENG=0 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        (MANUAL_QENG,),
        (MANUAL_QENG, "+QENG: 1,3688,122,-80,-11", "+QENG: 1,3690,7,-95,-15"),  # with neighbour cells
        ("+QENG: 1,3688,122,-80,-11", MANUAL_QENG),  # neighbours first
        ('+QENG:0,3688,11,121,"05c4ef33",-72,-8,-64,14,8,"4C10",0,-128,3',),  # no space, lower-case hex
        ('+QENG: 0, 3688, 11, 121, "05C4EF33", -72, -8, -64, 14, 8, "4C10", 0, -128, 3 ',),  # spaces
    ],
    ids=["manual", "neighbours", "neighbours-first", "compact", "spaced"],
)
def test_qeng_serving_cell(answer: tuple[str, ...]) -> None:
    assert read_qeng(answer) == MANUAL_SNAPSHOT


def test_qeng_idle_leaves_the_optional_values_unknown() -> None:
    # [<sc_RSRP>] ... [<sc_Tx_pwr>] are optional; ECL is "only available in RRC connected state"
    snapshot = read_qeng(('+QENG: 0,3688,11,121,"05C4EF33",,,,,8,"4C10",,,3',))
    assert snapshot == RadioSnapshot(cell_id="05C4EF33", pci=121, earfcn=3688, band=8)


def test_qeng_ecl_outside_0_to_2_is_unknown_not_a_number() -> None:
    snapshot = read_qeng(('+QENG: 0,3688,11,121,"05C4EF33",-72,-8,-64,14,8,"4C10",255,-128,3',))
    assert snapshot is not None
    assert snapshot.ce_level is None


def test_qeng_without_a_serving_cell_line_is_none() -> None:
    assert read_qeng(("+QENG: 1,3688,122,-80,-11",)) is None
    assert read_qeng(()) is None


@pytest.mark.parametrize(
    "line",
    [
        '+QENG: 0,3688,11,121,"05C4EF33",-72,-8,-64,14,8,"4C10",0,-128',  # a field short
        '+QENG: 0,3688,11,604,"05C4EF33",-72,-8,-64,14,8,"4C10",0,-128,3',  # PCI above 503
        '+QENG: 0,3688,11,121,"1FFFFFFF",-72,-8,-64,14,8,"4C10",0,-128,3',  # more than 28 bits
        '+QENG: 0,3688,11,121,"05C4EF33",-7x,-8,-64,14,8,"4C10",0,-128,3',  # not a number
        '+QENG: 0,-1,11,121,"05C4EF33",-72,-8,-64,14,8,"4C10",0,-128,3',  # negative EARFCN
    ],
    ids=["short", "pci", "cell-id", "rsrp", "earfcn"],
)
def test_qeng_that_cannot_be_read_is_a_parse_error_naming_the_line(line: str) -> None:
    with pytest.raises(ParseError) as raised:
        read_qeng((line,))
    assert raised.value.line == line


@given(
    earfcn=st.integers(0, 262_143),
    pci=st.integers(0, 503),
    cell_id=st.integers(0, (1 << 28) - 1),
    rsrp=st.integers(-156, -44),
    rsrq=st.integers(-34, 3),
    sinr=st.integers(-20, 40),
    band=st.sampled_from([1, 3, 5, 8, 20, 28, 66, 85]),
    ecl=st.integers(0, 2) | st.none(),
)
def test_qeng_reads_back_what_was_written(
    earfcn: int, pci: int, cell_id: int, rsrp: int, rsrq: int, sinr: int, band: int, ecl: int | None
) -> None:
    ecl_text = "" if ecl is None else str(ecl)
    line = (
        f'+QENG: 0,{earfcn},11,{pci},"{cell_id:08X}",{rsrp},{rsrq},-64,{sinr},{band},"4C10",{ecl_text},23,3'
    )
    assert read_qeng((line,)) == RadioSnapshot(
        rsrp_dbm=rsrp,
        rsrq_db=rsrq,
        sinr_db=sinr,
        ce_level=ecl,
        cell_id=f"{cell_id:08X}",
        pci=pci,
        earfcn=earfcn,
        band=band,
    )


@given(junk=st.text(max_size=60))
def test_qeng_junk_is_none_or_a_parse_error_never_a_snapshot_of_it(junk: str) -> None:
    line = f"+QENG: 0,{junk}"
    try:
        snapshot = read_qeng((line,))
    except ParseError:
        return
    # Only a line that really has the serving cell's 14 fields may read.
    assert snapshot is None or line.count(",") >= 13


# --- AT+NUESTATS --------------------------------------------------------------------------------------------


def test_nuestats_of_the_first_bc95_firmware() -> None:
    assert read_nuestats(BARE_NUESTATS) == RadioSnapshot(
        rsrp_dbm=-106.4,
        rsrq_db=-12.0,
        sinr_db=None,  # -32768: no value
        ce_level=None,  # 255: not known
        cell_id="0024CAD1",
        pci=203,
        earfcn=3734,
        band=None,
    )


def test_nuestats_skips_other_report_types() -> None:
    lines = (
        "NUESTATS:RADIO,Signal power:-842",
        "NUESTATS:CELL,3734,203,1,-842,-120,-764,85",
        "NUESTATS:BLER,RLC UL BLER,10",
        "NUESTATS:RADIO,SNR:226",
        "NUESTATS:RADIO,Cell ID:137262770",
    )
    assert read_nuestats(lines) == RadioSnapshot(rsrp_dbm=-84.2, sinr_db=22.6, cell_id="082E76B2")


def test_nuestats_without_radio_values_is_none() -> None:
    assert read_nuestats(("NUESTATS:THP,RLC UL,1000",)) is None
    assert read_nuestats(()) is None


def test_nuestats_value_that_is_not_a_number_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="Signal power is not a whole number"):
        read_nuestats(("NUESTATS:RADIO,Signal power:-84.2",))


@given(
    signal_cb=st.integers(-1560, -440),
    snr_cb=st.integers(-200, 400),
    rsrq_cb=st.integers(-340, 30),
    cell_id=st.integers(0, (1 << 28) - 1),
    pci=st.integers(0, 503),
    ecl=st.integers(0, 2),
    is_prefixed=st.booleans(),
)
def test_nuestats_reads_back_what_was_written(
    signal_cb: int, snr_cb: int, rsrq_cb: int, cell_id: int, pci: int, ecl: int, is_prefixed: bool
) -> None:
    prefix = "NUESTATS:RADIO," if is_prefixed else ""
    values = {
        "Signal power": signal_cb,
        "SNR": snr_cb,
        "RSRQ": rsrq_cb,
        "Cell ID": cell_id,
        "PCI": pci,
        "ECL": ecl,
    }
    snapshot = read_nuestats(tuple(f"{prefix}{name}:{value}" for name, value in values.items()))
    assert snapshot == RadioSnapshot(
        rsrp_dbm=signal_cb / 10,
        sinr_db=snr_cb / 10,
        rsrq_db=rsrq_cb / 10,
        cell_id=f"{cell_id:08X}",
        pci=pci,
        ce_level=ecl,
    )
