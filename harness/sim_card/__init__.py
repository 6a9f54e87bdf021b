"""sim_card layer (DESIGN): SIM files over AT+CRSM / AT+CSIM (3GPP TS 27.007 §8.17-8.18; files of TS 31.102
and TS 51.011, status words of ETSI TS 102 221 §10.2), cold/warm preparation of a test SIM, and SIM
rotation for per-operator runs (`harness.sim_card.rotation`, which also imports `inputs`: the rig's SIMs).
Above `dialects`; imports only `at`, `dialects`, `inputs` and `errors`."""

from harness.sim_card.card import SimCard, SimWrite, sim_card_of
from harness.sim_card.elementary_files import (
    EF_AD,
    EF_EPSLOCI,
    EF_FPLMN,
    EF_HPLMNWACT,
    EF_ICCID,
    EF_IMSI,
    EF_LOCI,
    EF_OPLMNWACT,
    EF_PLMNSEL,
    EF_PLMNWACT,
    EF_PSLOCI,
    ELEMENTARY_FILES,
    ElementaryFile,
)
from harness.sim_card.identity_files import EfAd, EfIccid, EfImsi
from harness.sim_card.location_files import (
    AreaId,
    EfEpsloci,
    EfLoci,
    EfPsloci,
    EpsUpdateStatus,
    Guti,
    UpdateStatus,
)
from harness.sim_card.plmn_files import AccessTechnology, EfPlmnActList, EfPlmnList, PlmnAct
from harness.sim_card.preparation import Preparation, PreparationResult, prepare
from harness.sim_card.status_words import StatusWord, check_status
from harness.sim_codes import decode_bcd, decode_plmn, encode_bcd, encode_plmn

__all__ = [
    "EF_AD",
    "EF_EPSLOCI",
    "EF_FPLMN",
    "EF_HPLMNWACT",
    "EF_ICCID",
    "EF_IMSI",
    "EF_LOCI",
    "EF_OPLMNWACT",
    "EF_PLMNSEL",
    "EF_PLMNWACT",
    "EF_PSLOCI",
    "ELEMENTARY_FILES",
    "AccessTechnology",
    "AreaId",
    "EfAd",
    "EfEpsloci",
    "EfIccid",
    "EfImsi",
    "EfLoci",
    "EfPlmnActList",
    "EfPlmnList",
    "EfPsloci",
    "ElementaryFile",
    "EpsUpdateStatus",
    "Guti",
    "PlmnAct",
    "Preparation",
    "PreparationResult",
    "SimCard",
    "SimWrite",
    "StatusWord",
    "UpdateStatus",
    "check_status",
    "decode_bcd",
    "decode_plmn",
    "encode_bcd",
    "encode_plmn",
    "prepare",
    "sim_card_of",
]
