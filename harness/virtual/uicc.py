"""virtual layer: the virtual module's UICC: the USIM files harness.sim_card reads and writes, answering
commands as a card does (ETSI TS 102 221 §10.2 status words, §11.1 commands; 3GPP TS 31.102 files).

Issued consistent with the module's SIM identity and network (harness.virtual.options Identity, the test PLMN
of harness.virtual.profiles): EF_ICCID (2FE2, under the MF) and, in the USIM (ADF, path 7FFF), EF_IMSI,
EF_AD (MNC length 2: the test PLMN 001/01), EF_FPLMN (4 empty entries), EF_LOCI / EF_PSLOCI / EF_EPSLOCI
holding a registration on the serving network's area (status updated: the card of a module that attached
there before), EF_PLMNwAcT (empty), EF_OPLMNwAcT (the visited test PLMN), EF_HPLMNwAcT (the home PLMN), and
EF_PLMNsel in DF_GSM (7F20). All transparent. EF_ICCID, EF_IMSI and EF_AD need ADM to be updated, which the
harness never has: 69 82. The others need the PIN, which the module's SIM lock has checked before any SIM
access reaches the card (harness.virtual.sim_lock).

The card answers 6A 82 for a file it does not hold (or one not under the path given), 6B 00 for an offset
past the end, 67 00 for a length that runs past it (or, in UPDATE BINARY, differs from the data), 69 81 for
a record command on these transparent files, and 6D 00 / 6E 00 for an instruction / class it does not know.

The registration reads EF_EPSLOCI (`is_warm_for`): with a GUTI, the serving TAI and status updated the
module attaches with its GUTI (warm); otherwise a full attach (cold). After every attach the card stores the
new GUTI and TAI with status updated (`store_registration`, TS 24.301 §5.5.1.2.4), as a module does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from harness.sim_codes import EMPTY_PLMN, encode_imsi_file, encode_plmn, encode_swapped

SW_OK = (0x90, 0x00)
SW_WRONG_LENGTH = (0x67, 0x00)
SW_INCOMPATIBLE = (0x69, 0x81)
SW_SECURITY = (0x69, 0x82)
SW_NOT_FOUND = (0x6A, 0x82)
SW_WRONG_P1P2 = (0x6B, 0x00)

MF = "3F00"
USIM = "7FFF"
DF_GSM = "7F20"
# TS 31.102 §4.2.91 layout: GUTI (12), TAI (5), status (1); GUTI: 0B F6, PLMN, MMEGI (2), MMEC (1), M-TMSI
_GUTI_HEAD = b"\x0b\xf6"
_TAI_AT = 12
_STATUS_AT = 17
_UPDATED = 0
MME_GROUP_ID = b"\x80\x01"  # judgement: made-up MME of the virtual network
MME_CODE = b"\x01"
LAC = b"\x00\x01"  # judgement: the CS/PS area of the virtual network
RAC = b"\x01"
E_UTRAN_ACT = b"\x60\x00"  # TS 31.102 §4.2.5: E-UTRAN in WB-S1 and NB-S1 mode
HOME_ACT = b"\x70\x00"  # and NG-RAN
EMPTY_PLMN_ACT = EMPTY_PLMN + b"\x00\x00"


class Protection(StrEnum):
    PIN = "pin"  # UPDATE allowed once the PIN is verified (the SIM lock sees to that)
    ADM = "adm"  # the issuer's key: never granted here


@dataclass(slots=True, kw_only=True)
class CardFile:
    fid: str
    df: str  # the DF that holds it: MF, USIM or DF_GSM
    data: bytearray
    protection: Protection = Protection.PIN


@dataclass(frozen=True, slots=True, kw_only=True)
class CardAnswer:
    data: bytes = b""
    sw: tuple[int, int] = SW_OK


@dataclass(slots=True, kw_only=True)
class Uicc:
    files: dict[str, CardFile] = field(default_factory=dict)
    m_tmsi: int = 1  # the next GUTI's M-TMSI

    @classmethod
    def issued(cls, *, imsi: str, iccid: str, home_plmn: str, visited_plmn: str, tac: str) -> Uicc:
        """A card as its issuer wrote it, after a registration on `home_plmn` in tracking area `tac`."""
        plmn = encode_plmn(home_plmn)
        card = cls()
        card.add("2FE2", MF, encode_swapped(iccid, 10), Protection.ADM)
        card.add("6F07", USIM, encode_imsi_file(imsi), Protection.ADM)
        card.add("6FAD", USIM, bytes.fromhex("00000002"), Protection.ADM)
        card.add("6F7B", USIM, EMPTY_PLMN * 4)
        card.add("6F7E", USIM, bytes.fromhex("00000001") + plmn + LAC + bytes([0, _UPDATED]))
        card.add("6F73", USIM, bytes.fromhex("00000001C0FFEE") + plmn + LAC + RAC + bytes([_UPDATED]))
        card.add("6FE3", USIM, bytes(18))
        card.add("6F60", USIM, EMPTY_PLMN_ACT * 5)
        card.add("6F61", USIM, encode_plmn(visited_plmn) + E_UTRAN_ACT + EMPTY_PLMN_ACT * 4)
        card.add("6F62", USIM, plmn + HOME_ACT + EMPTY_PLMN_ACT)
        card.add("6F30", DF_GSM, plmn + EMPTY_PLMN * 3)
        card.store_registration(plmn=home_plmn, tac=tac)
        return card

    def add(self, fid: str, df: str, data: bytes, protection: Protection = Protection.PIN) -> None:
        self.files[fid] = CardFile(fid=fid, df=df, data=bytearray(data), protection=protection)

    def find(self, fid: str, path: str) -> CardFile | None:
        """The file `fid` when `path` (DF ids from the MF, with or without 3F00; empty: any) leads to it."""
        card_file = self.files.get(fid.upper())
        path = path.upper().removeprefix(MF)
        if card_file is None or (path and path != (card_file.df if card_file.df != MF else "")):
            return None
        return card_file

    def read_binary(self, card_file: CardFile, offset: int, length: int) -> CardAnswer:
        problem = _range_problem(card_file, offset, length)
        if problem is not None:
            return CardAnswer(sw=problem)
        return CardAnswer(data=bytes(card_file.data[offset : offset + length]))

    def update_binary(self, card_file: CardFile, offset: int, data: bytes, *, length: int) -> CardAnswer:
        """Write `data` at `offset`; `length` is what the command said it carries (P3)."""
        if card_file.protection is Protection.ADM:
            return CardAnswer(sw=SW_SECURITY)
        if len(data) != length:
            return CardAnswer(sw=SW_WRONG_LENGTH)
        problem = _range_problem(card_file, offset, length)
        if problem is not None:
            return CardAnswer(sw=problem)
        card_file.data[offset : offset + len(data)] = data
        return CardAnswer()

    def fcp(self, card_file: CardFile) -> bytes:
        """The FCP template of a transparent working EF (TS 102 221 §11.1.1.3): descriptor 41 21, file id,
        file size (tag 80), life cycle operational/activated (05)."""
        body = (
            b"\x82\x02\x41\x21\x83\x02"
            + bytes.fromhex(card_file.fid)
            + b"\x80\x02"
            + len(card_file.data).to_bytes(2, "big")
            + b"\x8a\x01\x05"
        )
        return b"\x62" + bytes([len(body)]) + body

    def is_warm_for(self, *, plmn: str, tac: str) -> bool:
        """EF_EPSLOCI holds a GUTI, the serving TAI and status updated: the attach can use the GUTI."""
        data = bytes(self.files["6FE3"].data)
        tai = encode_plmn(plmn) + bytes.fromhex(tac)[-2:]
        return (
            data.startswith(_GUTI_HEAD)
            and data[_TAI_AT:_STATUS_AT] == tai
            and data[_STATUS_AT] & 7 == _UPDATED
        )

    def store_registration(self, *, plmn: str, tac: str) -> None:
        """A new GUTI (the next M-TMSI) on `plmn`, TAI (`plmn`, last 2 bytes of `tac`), status updated."""
        guti = _GUTI_HEAD + encode_plmn(plmn) + MME_GROUP_ID + MME_CODE + self.m_tmsi.to_bytes(4, "big")
        self.m_tmsi += 1
        self.files["6FE3"].data[:] = guti + encode_plmn(plmn) + bytes.fromhex(tac)[-2:] + bytes([_UPDATED])

    def is_forbidden(self, plmn: str) -> bool:
        data = bytes(self.files["6F7B"].data)
        return encode_plmn(plmn) in (data[i : i + 3] for i in range(0, len(data) - 2, 3))


def _range_problem(card_file: CardFile, offset: int, length: int) -> tuple[int, int] | None:
    if offset >= len(card_file.data):
        return SW_WRONG_P1P2
    if length == 0 or offset + length > len(card_file.data):
        return SW_WRONG_LENGTH
    return None
