"""virtual layer: the radio conditions of a virtual module, and the 3GPP TS 27.007 signal indices that
report them.

CE level from RSRP: a commercial NB-IoT cell broadcast rsrp-ThresholdsPrachInfoList {33, 23}, i.e. CE0 for
RSRP >= -108 dBm, CE1 for -118 to -108 dBm, CE2 below -118 dBm (../shared/reference/indicators.md §2.1 [R19]).
Index codings (cellular-iot.md §1.3, BC660K AT manual [S5] §4.2 and §4.7): +CESQ <rsrp> n covers
-141+n <= RSRP < -140+n dBm (0 below -140, 97 from -44); <rsrq> n covers -20+n/2 <= RSRQ < -19.5+n/2 dB
(0 below -19.5, 34 from -3); +CSQ <rssi> is -113 + 2n dBm (0 at or below -113, 31 from -51).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

CE1_BELOW_RSRP_DBM = -108.0
CE2_BELOW_RSRP_DBM = -118.0

# Judgement: a typical value inside each CE band of [R19] (CE0 well above its edge, like an indoor meter).
DEFAULT_RSRP_DBM: Mapping[int, float] = MappingProxyType({0: -95.0, 1: -112.0, 2: -124.0})
# Judgement: RSRQ and SINR that go with those RSRP values (Quectel's guide [CI §3.1]: strong is SNR >= 3 dB,
# weak is SNR < -3 dB).
DEFAULT_RSRQ_DB: Mapping[int, float] = MappingProxyType({0: -8.0, 1: -12.0, 2: -16.0})
DEFAULT_SINR_DB: Mapping[int, float] = MappingProxyType({0: 12.0, 1: 0.0, 2: -6.0})
# One NB-IoT carrier is 12 subcarriers: RSSI ≈ RSRP + 10 log10(12) before noise (judgement: noise ignored).
RSSI_ABOVE_RSRP_DB = 10.0 * math.log10(12)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingCell:
    """The one cell every virtual module camps on: test PLMN 001/01, NB-IoT (AcT 9); the EARFCN, PCI and band
    follow the example in the BC660K AT manual's AT+QENG (cellular-iot.md §3.1); TAC and cell id are ours."""

    plmn: str = "00101"
    tac: str = "1A2B"
    cell_id: str = "0123ABCD"
    act: int = 9
    earfcn: int = 3688
    earfcn_offset: int = 12  # 12 = offset 0 in the AT+QENG coding
    pci: int = 121
    band: int = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class RadioConditions:
    ce_level: int
    rsrp_dbm: float
    rsrq_db: float
    sinr_db: float

    @property
    def rssi_dbm(self) -> float:
        return self.rsrp_dbm + RSSI_ABOVE_RSRP_DB


def ce_level_for(rsrp_dbm: float) -> int:
    """CE level a module picks from RSRP against the thresholds of [R19]."""
    if rsrp_dbm >= CE1_BELOW_RSRP_DBM:
        return 0
    if rsrp_dbm >= CE2_BELOW_RSRP_DBM:
        return 1
    return 2


def conditions_for(ce_level: int, rsrp_dbm: float | None = None) -> RadioConditions:
    """Radio conditions of a CE level; the RSRP is the level's default unless given."""
    return RadioConditions(
        ce_level=ce_level,
        rsrp_dbm=DEFAULT_RSRP_DBM[ce_level] if rsrp_dbm is None else rsrp_dbm,
        rsrq_db=DEFAULT_RSRQ_DB[ce_level],
        sinr_db=DEFAULT_SINR_DB[ce_level],
    )


def rsrp_index(rsrp_dbm: float) -> int:
    return _clamp(math.floor(rsrp_dbm) + 141, 0, 97)


def rsrq_index(rsrq_db: float) -> int:
    return _clamp(math.floor(2 * (rsrq_db + 20)), 0, 34)


def rssi_index(rssi_dbm: float) -> int:
    return _clamp(math.floor((rssi_dbm + 113) / 2), 0, 31)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
