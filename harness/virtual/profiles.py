"""virtual layer: radio profiles: per RAT, the link figures and default radio conditions of each coverage
level, the serving cell, the idle-mode paging cycle and the eDRX AcT-type.

NB-IoT ("nbiot"): three CE levels, link figures link.CE_PROFILES (cellular-iot.md §4.1), radio defaults as
below, a band 8 cell with the EARFCN and PCI of the BC660K manual's AT+QENG example [S5 §4.8].

LTE Cat-1 ("cat1", cellular-iot.md §4.2, indicators.md §4.3): peak 10 296 kbit/s DL / 5 160 kbit/s UL
(TS 36.306 Cat 1 bits per 1 ms TTI, as recalled in [CI §4.2]); a connected ping RTT of 30-70 ms (an
engineering estimate there): delay 20 ms and jitter 10 ms give a 40-60 ms RTT with median 50 ms; an
idle->connected transition adds 50-100 ms (same source): 75 ms. Band 3 FDD, 20 MHz.

5G RedCap ("redcap_1rx", "redcap_2rx", cellular-iot.md §4.4, indicators.md §1.4): one n41 TDD cell of 20 MHz
(the RedCap FR1 maximum) at 30 kHz SCS (51 PRB). Peak rates from the TS 38.306 formula table of [CI §4.4],
256QAM (the configuration behind Quectel's RG255C-class figures there): DL 109.1 Mbit/s with 1 Rx (1 layer)
and 218.3 Mbit/s with 2 Rx (2 layers), UL 116.8 Mbit/s (1 layer); scaled by a DDDSU slot split, 74 % DL as
[CI §4.4] uses and 20 % UL (one U slot in five; the S slot's uplink symbols ignored: judgement inside the
20-26 % given there). Live SA ping RTT 10-30 ms (engineering estimate [CI §4.4]): delay 7.5 ms and jitter
5 ms give 15-25 ms, median 20 ms.

Judgement, marked (J) below: radio defaults inside a "good" class of indicators.md §2 for each RAT; RRC
inactivity 10 s on LTE and NR (the usual network timer is 10-20 s, cellular-iot.md §5.1); RedCap RRC set-up
40 ms (the IMT-2020 C-plane requirement is 20 ms [S24]; a live network is slower); paging cycles: NB-IoT
2.56 s (the default of the cell in [R19]), LTE and NR 1.28 s (NR allows 0.32-2.56 s [CI §4.4]).
Every profile shares the test PLMN 001/01 (3GPP TS 23.003) and cell identities of our own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from harness.rat import Rat
from harness.virtual.link import CE_PROFILES, LinkProfile
from harness.virtual.radio import (
    ACT_E_UTRAN,
    ACT_NB_S1,
    ACT_NR_5GCN,
    RadioConditions,
    ServingCell,
    ce_level_for,
)

TEST_PLMN = "00101"
# The network a roaming module is registered on: another test PLMN (MCC 001, TS 23.003), never the SIM's.
VISITED_PLMN = "00102"
EDRX_NB_S1 = 5  # +CEDRXS AcT-type of NB-IoT (27.007 §7.40, cellular-iot.md §1.5)
EDRX_WB_S1 = 4  # +CEDRXS AcT-type of LTE-M and LTE

_MS_PER_S = 1000.0
_REDCAP_DL_SHARE = 0.74
_REDCAP_UL_SHARE = 0.20
_REDCAP_DL_1RX_MBPS = 109.1
_REDCAP_DL_2RX_MBPS = 218.3
_REDCAP_UL_MBPS = 116.8


@dataclass(frozen=True, slots=True, kw_only=True)
class RadioProfile:
    name: str
    rat: Rat
    links: Mapping[int, LinkProfile]  # by coverage level (the CE level on NB-IoT; 0 only elsewhere)
    radio: Mapping[int, RadioConditions]
    cell: ServingCell
    paging_cycle_s: float
    edrx_act_type: int | None  # None: this profile offers no eDRX through +CEDRXS

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted(self.links))

    def level_for(self, rsrp_dbm: float) -> int:
        """The coverage level a module picks at this RSRP: the CE level on NB-IoT, 0 elsewhere."""
        return ce_level_for(rsrp_dbm) if len(self.links) > 1 else 0

    def conditions(self, level: int, rsrp_dbm: float | None = None) -> RadioConditions:
        """Default radio conditions of `level`, with `rsrp_dbm` instead of the default when given."""
        radio = self.radio[level]
        return radio if rsrp_dbm is None else dataclasses.replace(radio, rsrp_dbm=rsrp_dbm)


def _radio(level: int, rsrp_dbm: float, rsrq_db: float, sinr_db: float) -> RadioConditions:
    return RadioConditions(ce_level=level, rsrp_dbm=rsrp_dbm, rsrq_db=rsrq_db, sinr_db=sinr_db)


# (J) NB-IoT: a typical RSRP inside each CE band of [R19]; RSRQ and SINR to go with it (Quectel's guide
# [CI §3.1]: strong is SNR >= 3 dB, weak is SNR < -3 dB).
NBIOT = RadioProfile(
    name="nbiot",
    rat=Rat.NB_IOT,
    links=CE_PROFILES,
    radio=MappingProxyType(
        {0: _radio(0, -95.0, -8.0, 12.0), 1: _radio(1, -112.0, -12.0, 0.0), 2: _radio(2, -124.0, -16.0, -6.0)}
    ),
    cell=ServingCell(
        plmn=TEST_PLMN, tac="1A2B", cell_id="0123ABCD", act=ACT_NB_S1, earfcn=3688, pci=121, band=8,
        duplex="FDD", bandwidth_mhz=0.18, subcarriers=12,
    ),
    paging_cycle_s=2.56,
    edrx_act_type=EDRX_NB_S1,
)  # fmt: skip

CAT1 = RadioProfile(
    name="cat1",
    rat=Rat.CAT1,
    links=MappingProxyType(
        {
            0: LinkProfile(
                delay_ms=20.0, jitter_ms=10.0, ul_kbps=5_160.0, dl_kbps=10_296.0, loss_pct=0.0,
                rrc_setup_ms=75.0, inactivity_s=10.0, is_half_duplex=False,
            )
        }
    ),
    # (J) China Mobile's "good" class: RSRP -85..-95 dBm, SINR 16..25 dB (indicators.md §2.2)
    radio=MappingProxyType({0: _radio(0, -90.0, -9.0, 18.0)}),
    cell=ServingCell(
        plmn=TEST_PLMN, tac="2C3D", cell_id="01A2B3C4", act=ACT_E_UTRAN, earfcn=1650, pci=57, band=3,
        duplex="FDD", bandwidth_mhz=20.0, subcarriers=1200,
    ),
    paging_cycle_s=1.28,
    edrx_act_type=EDRX_WB_S1,
)  # fmt: skip


def _redcap(name: str, dl_mbps: float) -> RadioProfile:
    link = LinkProfile(
        delay_ms=7.5,
        jitter_ms=5.0,
        ul_kbps=round(_REDCAP_UL_MBPS * _REDCAP_UL_SHARE * _MS_PER_S),
        dl_kbps=round(dl_mbps * _REDCAP_DL_SHARE * _MS_PER_S),
        loss_pct=0.0,
        rrc_setup_ms=40.0,
        inactivity_s=10.0,
        is_half_duplex=False,
    )
    return RadioProfile(
        name=name,
        rat=Rat.REDCAP,
        links=MappingProxyType({0: link}),
        # (J) AOSP's NR "good" band: SS-RSRP -90..-80 dBm, SS-SINR 15..30 dB (indicators.md §2.3 [R23])
        radio=MappingProxyType({0: _radio(0, -85.0, -11.0, 15.0)}),
        cell=ServingCell(
            plmn=TEST_PLMN, tac="00A1B2", cell_id="01A2B3C05", act=ACT_NR_5GCN, earfcn=504990, pci=310,
            band=41, duplex="TDD", bandwidth_mhz=20.0, subcarriers=51 * 12, scs_khz=30,
        ),
        paging_cycle_s=1.28,
        edrx_act_type=None,  # 5GS eDRX exposure over AT was not found (cellular-iot.md §7)
    )  # fmt: skip


REDCAP_1RX = _redcap("redcap_1rx", _REDCAP_DL_1RX_MBPS)
REDCAP_2RX = _redcap("redcap_2rx", _REDCAP_DL_2RX_MBPS)

PROFILES: Mapping[str, RadioProfile] = MappingProxyType(
    {profile.name: profile for profile in (NBIOT, CAT1, REDCAP_1RX, REDCAP_2RX)}
)
