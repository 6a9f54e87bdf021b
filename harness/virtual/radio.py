"""virtual layer: what a virtual module's radio sees: its serving cell and the radio conditions there, the CE
level they imply, and the 3GPP TS 27.007 signal indices that report them.

CE level from RSRP: a commercial NB-IoT cell broadcast rsrp-ThresholdsPrachInfoList {33, 23}, i.e. CE0 for
RSRP >= -108 dBm, CE1 for -118 to -108 dBm, CE2 below -118 dBm (../shared/reference/indicators.md §2.1 [R19]).
Index codings (cellular-iot.md §1.3, BC660K AT manual [S5] §4.2 and §4.7): +CESQ <rsrp> n covers
-141+n <= RSRP < -140+n dBm (0 below -140, 97 from -44); <rsrq> n covers -20+n/2 <= RSRQ < -19.5+n/2 dB
(0 below -19.5, 34 from -3); +CSQ <rssi> is -113 + 2n dBm (0 at or below -113, 31 from -51).
Cell identity widths (cellular-iot.md §1.1, §1.2, §6 item 9): E-UTRAN TAC 2 bytes and cell identity 28 bits;
NR TAC 3 bytes and cell identity 36 bits.

Transmit power (judgement), the one figure AT+QENG shows, the control op "status" reports and every uplink
air use of the state timeline carries (so a power rail draws the current of the power the module used):
NB-IoT above CE0 sends with repetitions at full power (NPUSCH with more than two repetitions goes at P_CMAX,
TS 36.213 §16.2.1.1, recalled); otherwise open-loop power control, P = -85 - RSRP dBm within [-40, 23] (the
form of TS 36.213 §5.1.1.1 with alpha 1, recalled), the offset chosen so the NB-IoT CE0 default (-95 dBm)
gives 10 dBm. 23 dBm is power class 3 (TS 36.101 / 38.101, recalled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_TX_POWER_DBM = 23.0
MIN_TX_POWER_DBM = -40.0
OPEN_LOOP_OFFSET_DBM = -85.0
CE1_BELOW_RSRP_DBM = -108.0
CE2_BELOW_RSRP_DBM = -118.0

# 27.007 <AcT> of +CEREG/+C5GREG/+COPS (cellular-iot.md §1.1)
ACT_E_UTRAN = 7
ACT_NB_S1 = 9
ACT_NR_5GCN = 11


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingCell:
    """The cell a virtual module camps on. `earfcn` is the EARFCN on E-UTRAN and the NR-ARFCN on NR;
    `earfcn_offset` is the NB-IoT carrier offset as AT+QENG codes it (12 = offset 0); `subcarriers` is what
    the cell's RSSI is measured over (RSSI ≈ RSRP + 10 log10(subcarriers), noise ignored: judgement)."""

    plmn: str
    tac: str
    cell_id: str
    act: int
    earfcn: int
    pci: int
    band: int
    duplex: str
    bandwidth_mhz: float
    subcarriers: int
    scs_khz: int = 15
    earfcn_offset: int = 12

    @property
    def mcc(self) -> str:
        return self.plmn[:3]

    @property
    def mnc(self) -> str:
        return self.plmn[3:]

    @property
    def rssi_above_rsrp_db(self) -> float:
        return 10.0 * math.log10(self.subcarriers)


@dataclass(frozen=True, slots=True, kw_only=True)
class RadioConditions:
    ce_level: int
    rsrp_dbm: float
    rsrq_db: float
    sinr_db: float


def rssi_dbm(radio: RadioConditions, cell: ServingCell) -> float:
    return radio.rsrp_dbm + cell.rssi_above_rsrp_db


def ce_level_for(rsrp_dbm: float) -> int:
    """CE level a module picks from RSRP against the thresholds of [R19]."""
    if rsrp_dbm >= CE1_BELOW_RSRP_DBM:
        return 0
    if rsrp_dbm >= CE2_BELOW_RSRP_DBM:
        return 1
    return 2


def tx_power_dbm(radio: RadioConditions) -> float:
    """The power the module transmits at in these conditions (module docstring)."""
    if radio.ce_level > 0:
        return MAX_TX_POWER_DBM
    return min(max(OPEN_LOOP_OFFSET_DBM - radio.rsrp_dbm, MIN_TX_POWER_DBM), MAX_TX_POWER_DBM)


def rsrp_index(rsrp_dbm: float) -> int:
    return _clamp(math.floor(rsrp_dbm) + 141, 0, 97)


def rsrq_index(rsrq_db: float) -> int:
    return _clamp(math.floor(2 * (rsrq_db + 20)), 0, 34)


def rssi_index(rssi_dbm: float) -> int:
    return _clamp(math.floor((rssi_dbm + 113) / 2), 0, 31)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
