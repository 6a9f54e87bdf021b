"""sim_card layer: the elementary files harness.sim_card reads and writes, where they are and how they are
coded: file id, the path from the MF that +CRSM's <pathid> takes (3GPP TS 27.007 §8.18, ETSI TS 102 221
§8.4.2: `7FFF` the current ADF, the USIM, TS 31.102 §4.2; `7F20` DF_GSM, TS 51.011 §10.3; EF_ICCID sits
under the MF itself, so it has no path), its size when the specification fixes it, and its codec.

All of them are transparent EFs (READ BINARY / UPDATE BINARY). A file whose size the card decides (the PLMN
lists, EF_AD) has `size_bytes` None: SimCard asks the card (GET RESPONSE) before reading it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from harness.sim_card import identity_files as ids
from harness.sim_card import location_files as loc
from harness.sim_card import plmn_files as plmns

T = TypeVar("T")

MF_PATH = ""
USIM_PATH = "7FFF"
GSM_PATH = "7F20"


@dataclass(frozen=True, slots=True, kw_only=True)
class ElementaryFile(Generic[T]):
    name: str  # as the specification spells it: EF_FPLMN
    fid: int
    path: str  # the DFs from the MF down, as +CRSM <pathid> takes it ("" under the MF)
    size_bytes: int | None  # None: the card decides (read with GET RESPONSE)
    decode: Callable[[bytes], T]
    encode: Callable[[T, int], bytes]  # the value, and the file's size

    @property
    def label(self) -> str:
        """`EF_FPLMN 6F7B`, as messages and the write log name a file."""
        return f"{self.name} {self.fid:04X}"


EF_ICCID = ElementaryFile(
    name="EF_ICCID", fid=0x2FE2, path=MF_PATH, size_bytes=ids.ICCID_BYTES,
    decode=ids.decode_iccid, encode=ids.encode_iccid,
)  # fmt: skip
EF_IMSI = ElementaryFile(
    name="EF_IMSI", fid=0x6F07, path=USIM_PATH, size_bytes=ids.IMSI_BYTES,
    decode=ids.decode_imsi, encode=ids.encode_imsi,
)  # fmt: skip
EF_AD = ElementaryFile(
    name="EF_AD", fid=0x6FAD, path=USIM_PATH, size_bytes=None, decode=ids.decode_ad, encode=ids.encode_ad
)
EF_FPLMN = ElementaryFile(
    name="EF_FPLMN", fid=0x6F7B, path=USIM_PATH, size_bytes=None,
    decode=plmns.decode_plmn_list, encode=plmns.encode_plmn_list,
)  # fmt: skip
EF_LOCI = ElementaryFile(
    name="EF_LOCI", fid=0x6F7E, path=USIM_PATH, size_bytes=loc.LOCI_BYTES,
    decode=loc.decode_loci, encode=loc.encode_loci,
)  # fmt: skip
EF_PSLOCI = ElementaryFile(
    name="EF_PSLOCI", fid=0x6F73, path=USIM_PATH, size_bytes=loc.PSLOCI_BYTES,
    decode=loc.decode_psloci, encode=loc.encode_psloci,
)  # fmt: skip
EF_EPSLOCI = ElementaryFile(
    name="EF_EPSLOCI", fid=0x6FE3, path=USIM_PATH, size_bytes=loc.EPSLOCI_BYTES,
    decode=loc.decode_epsloci, encode=loc.encode_epsloci,
)  # fmt: skip
EF_PLMNSEL = ElementaryFile(
    name="EF_PLMNsel", fid=0x6F30, path=GSM_PATH, size_bytes=None,
    decode=plmns.decode_plmn_list, encode=plmns.encode_plmn_list,
)  # fmt: skip
EF_PLMNWACT = ElementaryFile(
    name="EF_PLMNwAcT", fid=0x6F60, path=USIM_PATH, size_bytes=None,
    decode=plmns.decode_plmn_act_list, encode=plmns.encode_plmn_act_list,
)  # fmt: skip
EF_OPLMNWACT = ElementaryFile(
    name="EF_OPLMNwAcT", fid=0x6F61, path=USIM_PATH, size_bytes=None,
    decode=plmns.decode_plmn_act_list, encode=plmns.encode_plmn_act_list,
)  # fmt: skip
EF_HPLMNWACT = ElementaryFile(
    name="EF_HPLMNwAcT", fid=0x6F62, path=USIM_PATH, size_bytes=None,
    decode=plmns.decode_plmn_act_list, encode=plmns.encode_plmn_act_list,
)  # fmt: skip

ELEMENTARY_FILES: tuple[ElementaryFile[Any], ...] = (
    EF_ICCID, EF_IMSI, EF_AD, EF_FPLMN, EF_LOCI, EF_PSLOCI, EF_EPSLOCI,
    EF_PLMNSEL, EF_PLMNWACT, EF_OPLMNWACT, EF_HPLMNWACT,
)  # fmt: skip
