"""dialects layer: serving-cell radio values of Quectel NB-IoT firmware, read into a RadioSnapshot.

BC660K-GL / BC950K-GL, AT+QENG=0 ([S5] §4.8; cellular-iot.md §3.1):

    +QENG: 0,<sc_EARFCN>,<sc_EARFCN_offset>,<sc_pci>,"<sc_cellID>",[<sc_RSRP>],[<sc_RSRQ>],[<sc_RSSI>],
           [<sc_SINR>],<sc_band>,"<sc_TAC>",[<sc_ECL>],[<sc_Tx_pwr>],<operation_mode>
    [+QENG: 1,<nc_EARFCN>,<nc_pci>,<nc_RSRP>,<nc_RSRQ>]  (neighbour cells: not read)

RSRP/RSRQ/RSSI in dBm/dB, SINR in dB; ECL 0-2, "only available in RRC connected state"; the manual calls a
value outside its range invalid, so such a value reads as "not known" rather than as a number.

BC95 / BC28 firmware, AT+NUESTATS ([S12] §5.2; cellular-iot.md §3.2): one `<name>:<value>` line per value,
behind `NUESTATS:RADIO,` on BC95-G/BC28 firmware (`NUESTATS:RADIO,Signal power:-737`), bare on the first
BC95 firmware (`Signal power:-1064`). Powers, SNR and RSRQ are in centibels (tenths of dB/dBm), -32768 means
"no value", ECL 255 "not known"; the cell ID is decimal (it equals +CEREG's hex <ci>). "Signal power" is the
serving cell's reference signal power and is read as RSRP (recalled from the HiSilicon firmware's use, not
stated in [S12]). Other report types of AT+NUESTATS (CELL, BLER, THP, APPSMEM) are not read.
"""

from __future__ import annotations

from harness.at.fields import Field, split_line
from harness.dialects.modem import RadioSnapshot
from harness.errors import ParseError

QENG_SERVING_FIELDS = 14
ECL_LEVELS = range(3)
PCI_RANGE = range(504)
EARFCN_RANGE = range(262_144)
BANDS = range(1, 256)
NUESTATS_NO_VALUE = -32768
NUESTATS_ECL_UNKNOWN = 255
NUESTATS_RADIO = "NUESTATS:RADIO,"
CELL_ID_BITS = 28  # an E-UTRAN cell identity (cellular-iot.md §6.9)


def read_qeng(lines: tuple[str, ...]) -> RadioSnapshot | None:
    """The serving-cell line (`+QENG: 0,...`) read; None when the answer has none."""
    for line in lines:
        try:
            _, fields = split_line(line)
        except ValueError as error:
            raise ParseError(line, str(error)) from None
        if fields and fields[0].text.strip() == "0":
            return _serving_cell(line, fields)
    return None


def _serving_cell(line: str, fields: tuple[Field, ...]) -> RadioSnapshot:
    if len(fields) != QENG_SERVING_FIELDS:
        raise ParseError(line, f"the serving-cell line of AT+QENG=0 has {QENG_SERVING_FIELDS} fields")
    try:
        cell_id = fields[4].text.strip().upper()
        if not _is_cell_id(cell_id):
            raise ValueError(f"cell ID {cell_id!r} is not a 28-bit hex number")
        return RadioSnapshot(
            earfcn=_in_range(_integer(fields[1], "EARFCN"), EARFCN_RANGE, "EARFCN"),
            pci=_in_range(_integer(fields[3], "PCI"), PCI_RANGE, "PCI"),
            cell_id=cell_id,
            rsrp_dbm=_optional(fields[5], "RSRP"),
            rsrq_db=_optional(fields[6], "RSRQ"),
            sinr_db=_optional(fields[8], "SINR"),
            band=_integer(fields[9], "band"),
            ce_level=_level(fields[11]),
        )
    except ValueError as error:
        raise ParseError(line, str(error)) from None


def read_nuestats(lines: tuple[str, ...]) -> RadioSnapshot | None:
    """The RADIO values of an AT+NUESTATS answer; None when it has none."""
    values: dict[str, int] = {}
    for line in lines:
        body = line.strip().removeprefix(NUESTATS_RADIO)
        name, colon, value = body.partition(":")
        if not colon or body.startswith("NUESTATS:"):
            continue  # another report type, or not a value line
        try:
            values[name.strip().upper()] = int(value.strip())
        except ValueError:
            raise ParseError(line, f"{name.strip()} is not a whole number") from None
    if not values:
        return None
    cell_id = values.get("CELL ID")
    return RadioSnapshot(
        rsrp_dbm=_centibels(values.get("SIGNAL POWER")),
        rsrq_db=_centibels(values.get("RSRQ")),
        sinr_db=_centibels(values.get("SNR")),
        ce_level=_known(values.get("ECL"), ECL_LEVELS),
        cell_id=None if cell_id is None or not 0 <= cell_id < 1 << CELL_ID_BITS else f"{cell_id:08X}",
        pci=_known(values.get("PCI"), PCI_RANGE),
        earfcn=_known(values.get("EARFCN"), EARFCN_RANGE),
        band=_known(values.get("CURRENT BAND"), BANDS),
    )


def _integer(field: Field, name: str) -> int:
    text = field.text.strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{name} {text!r} is not a whole number")
    return int(text)


def _optional(field: Field, name: str) -> float | None:
    return None if not field.text.strip() else float(_integer(field, name))


def _in_range(value: int, allowed: range, name: str) -> int:
    if value not in allowed:
        raise ValueError(f"{name} {value} is outside {allowed.start}-{allowed.stop - 1}")
    return value


def _level(field: Field) -> int | None:
    """ECL: empty when idle; a value outside 0-2 is invalid per the manual, so not known."""
    return None if not field.text.strip() else _known(_integer(field, "ECL"), ECL_LEVELS)


def _known(value: int | None, allowed: range) -> int | None:
    return value if value is not None and value in allowed else None


def _centibels(value: int | None) -> float | None:
    return None if value is None or value == NUESTATS_NO_VALUE else value / 10


def _is_cell_id(text: str) -> bool:
    return (
        0 < len(text) <= 8
        and all(c in "0123456789ABCDEF" for c in text)
        and int(text, 16) < 1 << CELL_ID_BITS
    )
