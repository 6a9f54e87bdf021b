"""power layer: the currents a virtual rail draws in each state of a module. One table, a row per RAT and a
row per model where a datasheet gives the model's own figure. Sources: ../shared/reference/cellular-iot.md
[S#] (§4.4, §4.5) and indicators.md [R#] (§4.2); (J) marks our judgement, (P) a placeholder the references
call one (RedCap module currents were not found: cellular-iot.md §4.4, §7).

NB-IoT (`nbiot`; model `bc660k` differs only in its PSM floor and eDRX sleep, 0.8 µA [S19]):
  supply 3.6 V (J, the nominal voltage of indicators.md §5.5); PSM floor 2.7 µA (nRF9160 [S17]); eDRX
  sleep = PSM floor (J: the nRF9160 eDRX averages [S17] sit just above its floor); idle sleep between
  paging occasions and deregistered 20 µA (J: a floor of "tens of µA" means T3324 is still running [S26]);
  receive 54 mA (M5311 RX [R39]); paging charge from the M5311's idle DRX 1.28 s average of 0.4 mA [R39];
  eDRX wake charge from the nRF9160 NB1 average of 37 µA at eDRX 81.92 s, PTW 2.56 s [S17]; transmit by
  power: the nRF9160 M1 shape 45 / 52.5 / 107.5 mA at 0 / 10 / 23 dBm [S17] scaled to the M5311's
  167 mA at 23 dBm [R39]; boot 20 mA (J).
Cat-1 (`cat1`, also model `ml307r`: no figures of its own were found):
  supply 3.8 V and PSM floor 3 µA (Air780EQ PSM+ [S20]); idle sleep 50 µA (J); receive 40 mA (J); paging
  charge from the Air780EQ "low-power" average of 0.5 mA [S20] taken as idle DRX at 1.28 s (J); eDRX wake
  = one paging charge (J); transmit: nRF9160 M1 [S17] as it is (J: the nearest LTE figure); boot 30 mA (J).
RedCap (`redcap`, model `rg255c`), all (P) after cellular-iot.md §4.4: supply 3.8 V; PSM floor 30 µA
  ("tens of µA"); idle sleep 300 µA, receive 100 mA, paging charge from a 2 mA idle DRX average at 1.28 s
  ("mA-level idle DRX"); eDRX wake = one paging charge; transmit: the M1 shape scaled to 500 mA at 23 dBm
  ("300-700 mA at max TX"); boot 50 mA.

Derived, not typed in: a paging charge is what a quoted idle-DRX average leaves above the idle sleep current
over one cycle, `(average - idle_sleep) x cycle`; the eDRX wake charge is what a quoted eDRX average leaves
over one cycle after sleep, the PTW's idle sleep and its paging occasions (`calibrated_wake_uc`).

Transmit current is looked up by the TX power the module reports (a virtual module's own figure,
harness.virtual.radio.tx_power_dbm): the table holds currents, never the power a module picks.

DC/DC refresh spikes (J, after [S18]: a hysteretic DC/DC makes mA-level pulses in deep sleep): in PSM and in
eDRX sleep, 20 pulses per second at random times (Poisson, seeded), 10 µs each, together a quarter of the
sleep current, so the mean over a long window is the table's figure with the spikes included, as
indicators.md §5.5 measures sleep_current_ua.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from harness.errors import HarnessError
from harness.rat import Rat

DCDC_SPIKE_HZ = 20.0
DCDC_SPIKE_S = 10e-6
DCDC_SPIKE_SHARE = 0.25

# nRF9160 M1 connected current at 0 / 10 / 23 dBm: 45, 50-55, 100-115 mA [S17] (mid-points).
_M1_SHAPE = ((0.0, 45.0), (10.0, 52.5), (23.0, 107.5))
_UA_PER_MA = 1000.0
# Two times closer than this are the same instant: sums of scaled timers differ in their last bits.
TIME_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleCurrents:
    """One row of the table: currents in µA or mA as named, charges in µC."""

    name: str
    supply_v: float
    psm_floor_ua: float
    edrx_sleep_ua: float
    idle_sleep_ua: float
    deregistered_ua: float
    boot_ma: float
    rx_ma: float
    paging_charge_uc: float
    edrx_wake_charge_uc: float
    tx_ma_by_dbm: tuple[tuple[float, float], ...]

    def tx_ua(self, tx_power_dbm: float) -> float:
        """Current while transmitting at `tx_power_dbm`, interpolated between the row's points."""
        powers, currents = zip(*self.tx_ma_by_dbm, strict=True)
        return float(np.interp(tx_power_dbm, powers, currents)) * _UA_PER_MA

    @property
    def rx_ua(self) -> float:
        return self.rx_ma * _UA_PER_MA

    @property
    def boot_ua(self) -> float:
        return self.boot_ma * _UA_PER_MA


# The fields a rig may override (the virtual analyzer's options): every figure, not the name or TX points.
OVERRIDABLE: frozenset[str] = frozenset(
    field.name
    for field in dataclasses.fields(ModuleCurrents)
    if field.name not in ("name", "tx_ma_by_dbm", "supply_v")
)


def paging_charge_uc(*, idle_average_ua: float, idle_sleep_ua: float, paging_cycle_s: float) -> float:
    """The charge of one paging occasion that a quoted idle-DRX average implies."""
    return (idle_average_ua - idle_sleep_ua) * paging_cycle_s


@dataclass(frozen=True, slots=True, kw_only=True)
class EdrxFigure:
    """A quoted eDRX average and the timing it was measured with."""

    average_ua: float
    cycle_s: float
    ptw_s: float
    paging_cycle_s: float

    @property
    def occasions_per_window(self) -> int:
        return _occasions(self.ptw_s, self.paging_cycle_s)


def calibrated_wake_uc(figure: EdrxFigure, row: ModuleCurrents) -> float:
    """The charge of the wake-up before each PTW that makes `row` average `figure.average_ua`."""
    rest_uc = (
        row.edrx_sleep_ua * (figure.cycle_s - figure.ptw_s)
        + row.idle_sleep_ua * figure.ptw_s
        + row.paging_charge_uc * figure.occasions_per_window
    )
    return figure.average_ua * figure.cycle_s - rest_uc


def edrx_average_ua(figure: EdrxFigure, row: ModuleCurrents) -> float:
    """What `row` averages over one eDRX cycle with the figure's timing (calibrated_wake_uc's inverse)."""
    charge_uc = (
        row.edrx_sleep_ua * (figure.cycle_s - figure.ptw_s)
        + row.idle_sleep_ua * figure.ptw_s
        + row.paging_charge_uc * figure.occasions_per_window
        + row.edrx_wake_charge_uc
    )
    return charge_uc / figure.cycle_s


def _occasions(ptw_s: float, paging_cycle_s: float) -> int:
    """Paging occasions at 0, T, 2T ... strictly inside a window (harness.virtual.idle_mode's rule)."""
    return max(math.ceil(ptw_s / paging_cycle_s - TIME_TOLERANCE), 1)


def _tx_shape(at_23_dbm_ma: float) -> tuple[tuple[float, float], ...]:
    scale = at_23_dbm_ma / _M1_SHAPE[-1][1]
    return tuple((dbm, ma * scale) for dbm, ma in _M1_SHAPE)


NRF9160_NB1_EDRX = EdrxFigure(average_ua=37.0, cycle_s=81.92, ptw_s=2.56, paging_cycle_s=2.56)  # [S17]


def _with_paging(row: ModuleCurrents, *, idle_average_ua: float, paging_cycle_s: float) -> ModuleCurrents:
    """The row with the paging charge its idle average implies, and one more such charge per eDRX wake."""
    charge_uc = paging_charge_uc(
        idle_average_ua=idle_average_ua, idle_sleep_ua=row.idle_sleep_ua, paging_cycle_s=paging_cycle_s
    )
    return dataclasses.replace(row, paging_charge_uc=charge_uc, edrx_wake_charge_uc=charge_uc)


_NBIOT_PAGED = _with_paging(
    ModuleCurrents(
        name="nbiot", supply_v=3.6, psm_floor_ua=2.7, edrx_sleep_ua=2.7, idle_sleep_ua=20.0,
        deregistered_ua=20.0, boot_ma=20.0, rx_ma=54.0, paging_charge_uc=0.0, edrx_wake_charge_uc=0.0,
        tx_ma_by_dbm=_tx_shape(167.0),
    ),
    idle_average_ua=400.0,
    paging_cycle_s=1.28,
)  # fmt: skip
NBIOT = dataclasses.replace(
    _NBIOT_PAGED, edrx_wake_charge_uc=calibrated_wake_uc(NRF9160_NB1_EDRX, _NBIOT_PAGED)
)
BC660K = dataclasses.replace(NBIOT, name="bc660k", psm_floor_ua=0.8, edrx_sleep_ua=0.8)
CAT1 = _with_paging(
    ModuleCurrents(
        name="cat1", supply_v=3.8, psm_floor_ua=3.0, edrx_sleep_ua=3.0, idle_sleep_ua=50.0,
        deregistered_ua=50.0, boot_ma=30.0, rx_ma=40.0, paging_charge_uc=0.0, edrx_wake_charge_uc=0.0,
        tx_ma_by_dbm=_M1_SHAPE,
    ),
    idle_average_ua=500.0,
    paging_cycle_s=1.28,
)  # fmt: skip
REDCAP = _with_paging(
    ModuleCurrents(
        name="redcap", supply_v=3.8, psm_floor_ua=30.0, edrx_sleep_ua=30.0, idle_sleep_ua=300.0,
        deregistered_ua=300.0, boot_ma=50.0, rx_ma=100.0, paging_charge_uc=0.0, edrx_wake_charge_uc=0.0,
        tx_ma_by_dbm=_tx_shape(500.0),
    ),
    idle_average_ua=2000.0,
    paging_cycle_s=1.28,
)  # fmt: skip

BY_RAT: Mapping[Rat, ModuleCurrents] = MappingProxyType(
    {Rat.NB_IOT: NBIOT, Rat.CAT1: CAT1, Rat.REDCAP: REDCAP}
)
BY_MODEL: Mapping[str, ModuleCurrents] = MappingProxyType({"bc660k": BC660K})


def currents_for(model: str, rat: Rat) -> ModuleCurrents:
    """The model's own row, else its RAT's; HarnessError for a RAT the table has no figures for."""
    row = BY_MODEL.get(model) or BY_RAT.get(rat)
    if row is None:
        known = ", ".join(str(known_rat) for known_rat in BY_RAT)
        raise HarnessError(f"the power table has no currents for {rat} (model {model}); it has {known}")
    return row
