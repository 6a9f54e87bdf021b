"""sim_card layer: cold and warm preparation of a test SIM before an access measurement (issue 11 item 2).

- warm: the card is left as the last registration left it: a module with a valid EF_EPSLOCI (GUTI, last
  visited TAI, status updated) attaches with its GUTI (TS 24.301 §5.5.1.2.2).
- cold: with the radio off and the card powered, the forbidden PLMN list is emptied (EF_FPLMN all FF,
  TS 31.102 §4.2.16) and the stored location of every domain deleted: TMSI / P-TMSI / GUTI FF, LAI / RAI /
  TAI deleted, update status "not updated" (EF_LOCI, EF_PSLOCI, EF_EPSLOCI; harness.sim_card.location_files),
  as a UE does itself when it must forget them (TS 24.008 §4.1.2.2, TS 24.301 §5.5.1.2.6). The next
  registration is then a full attach, with IMSI, identification and authentication.
Radio off is AT+CFUN=4 (RF off, SIM on; 27.007 §8.2) and not the Modem's set_radio (CFUN=0): at CFUN=0 the
SIM is powered down on modules such as BC660K (cellular-iot.md §1.6 [S5 §9.3]) and +CRSM cannot reach it.

Writes need a card the rig marks writable (SimCard.is_writable); on any other SimNotWritable is raised before
the radio is touched. A dry run reads the files and returns what would change, writing nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness.errors import SimNotWritable
from harness.sim_card.card import SimCard, SimWrite
from harness.sim_card.elementary_files import EF_EPSLOCI, EF_FPLMN, EF_LOCI, EF_PSLOCI, ElementaryFile
from harness.sim_card.location_files import deleted_epsloci, deleted_loci, deleted_psloci
from harness.sim_card.plmn_files import EfPlmnList

RF_OFF_COMMAND = "AT+CFUN=4"
RF_ON_COMMAND = "AT+CFUN=1"
CFUN_TIMEOUT_S = 30.0  # cellular-iot.md §1.6: +CFUN answers within 25 s at most [S5 §9.3]


class Preparation(StrEnum):
    COLD = "cold"
    WARM = "warm"


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparationResult:
    preparation: Preparation
    writes: tuple[SimWrite, ...]  # done, or in a dry run what would be done
    is_dry_run: bool

    def describe(self) -> str:
        verb = "would write" if self.is_dry_run else "wrote"
        if not self.writes:
            return f"{self.preparation} preparation: nothing to write"
        return f"{self.preparation} preparation {verb}: " + "; ".join(w.describe() for w in self.writes)


def cold_contents() -> tuple[tuple[ElementaryFile[Any], object], ...]:
    """Each file cold preparation writes, with its content."""
    return (
        (EF_FPLMN, EfPlmnList(plmns=())),
        (EF_LOCI, deleted_loci()),
        (EF_PSLOCI, deleted_psloci()),
        (EF_EPSLOCI, deleted_epsloci()),
    )


def prepare(
    card: SimCard, preparation: Preparation, *, is_dry_run: bool = False, is_radio_restored: bool = True
) -> PreparationResult:
    """Prepare the card; for cold, radio off (CFUN=4) around the writes, and on again (CFUN=1) unless not
    `is_radio_restored` (an attach engine that times its own radio on)."""
    if preparation is Preparation.WARM:
        return PreparationResult(preparation=preparation, writes=(), is_dry_run=is_dry_run)
    if is_dry_run:
        planned = (card.planned_write(ef, value) for ef, value in cold_contents())
        return PreparationResult(preparation=preparation, writes=_done(planned), is_dry_run=True)
    if not card.is_writable:
        raise SimNotWritable(
            "cold preparation writes EF_FPLMN, EF_LOCI, EF_PSLOCI and EF_EPSLOCI, but the rig does not mark "
            "this SIM as a test SIM: nothing was written (set writable = true in [module.sim] only for a "
            'SIM the lab may change, or use prepare = "warm")'
        )
    card.session.send(RF_OFF_COMMAND, timeout_s=CFUN_TIMEOUT_S)
    try:
        writes = _done(card.write(ef, value) for ef, value in cold_contents())
    finally:  # a card that refused a write must not leave the module in flight mode
        if is_radio_restored:
            card.session.send(RF_ON_COMMAND, timeout_s=CFUN_TIMEOUT_S)
    return PreparationResult(preparation=preparation, writes=writes, is_dry_run=False)


def _done(changes: Iterable[SimWrite | None]) -> tuple[SimWrite, ...]:
    """The changes, without the files that already held their content."""
    return tuple(c for c in changes if c is not None)
