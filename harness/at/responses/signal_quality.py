"""at layer: signal quality lines +CESQ and +CSQ (TS 27.007 §8.69, §8.5; ../shared/reference/cellular-iot.md
§1.3; BC660K manual §4.2, §4.7 [S5]).

Raw indices are kept and converted values added; 27.007's "not known or not detectable" codes (99, 255)
become None. rsrp_dbm = rsrp - 141 and rsrq_db = rsrq / 2 - 20 are the lower edges of the reported ranges
(DESIGN; the 1 dB ambiguity of §1.3 is settled that way), rssi_dbm = -113 + 2 * rssi.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at.fields import Field, read_measurement
from harness.at.responses.registry import count_between, parses


@dataclass(frozen=True, slots=True, kw_only=True)
class Cesq:
    """+CESQ, extended signal quality. rsrp_dbm = rsrp - 141, rsrq_db = rsrq / 2 - 20."""

    rxlev: int | None
    ber: int | None
    rscp: int | None
    ecno: int | None
    rsrq: int | None
    rsrp: int | None
    rsrq_db: float | None
    rsrp_dbm: int | None


@parses("+CESQ")
def _read_cesq(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cesq:
    count_between(fields, "+CESQ", low=6, high=6)
    rsrq = read_measurement(fields[4], "rsrq", high=34, unknown=255)
    rsrp = read_measurement(fields[5], "rsrp", high=97, unknown=255)
    return Cesq(
        rxlev=read_measurement(fields[0], "rxlev", high=63, unknown=99),
        ber=read_measurement(fields[1], "ber", high=7, unknown=99),
        rscp=read_measurement(fields[2], "rscp", high=96, unknown=255),
        ecno=read_measurement(fields[3], "ecno", high=49, unknown=255),
        rsrq=rsrq,
        rsrp=rsrp,
        rsrq_db=None if rsrq is None else rsrq / 2 - 20,
        rsrp_dbm=None if rsrp is None else rsrp - 141,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Csq:
    """+CSQ, signal quality: rssi_dbm = -113 + 2 * rssi (0 means -113 dBm or less, 31 -51 dBm or more)."""

    rssi: int | None
    ber: int | None
    rssi_dbm: int | None


@parses("+CSQ")
def _read_csq(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Csq:
    count_between(fields, "+CSQ", low=2, high=2)
    rssi = read_measurement(fields[0], "rssi", high=31, unknown=99)
    return Csq(
        rssi=rssi,
        ber=read_measurement(fields[1], "ber", high=7, unknown=99),
        rssi_dbm=None if rssi is None else -113 + 2 * rssi,
    )
