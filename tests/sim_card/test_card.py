"""SimCard over a virtual module's UICC (harness.virtual.uicc), through the public API as a lab uses it:
every file read and written with AT+CRSM, the card's refusals as SimErrors naming file and status word,
writes refused on a SIM the rig does not mark writable with nothing written, +CSIM as a generic APDU path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.dialects import ModemLink, connect
from harness.errors import SimFileNotFound, SimNotWritable, SimSecurityNotSatisfied, SimWrongParameters
from harness.sim_card import (
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
    AccessTechnology,
    AreaId,
    EfAd,
    EfEpsloci,
    EfIccid,
    EfImsi,
    EfLoci,
    EfPlmnActList,
    EfPlmnList,
    EfPsloci,
    ElementaryFile,
    EpsUpdateStatus,
    Guti,
    PlmnAct,
    SimCard,
    SimWrite,
    UpdateStatus,
    sim_card_of,
)
from harness.sim_card.elementary_files import USIM_PATH
from harness.sim_card.restricted_access import CrsmCommand, CrsmRequest, send_apdu, send_crsm

IMSI = "001010123456789"
ICCID = "8900101000000000017"
URL = f"virtual://bc660k?attach_s=0&imsi={IMSI}&iccid={ICCID}"
WRITABLE_FILES: list[tuple[ElementaryFile[Any], object]] = [
    (EF_FPLMN, EfPlmnList(plmns=("46000", None, "310410", None))),
    (EF_LOCI, EfLoci(tmsi="12345678", lai=AreaId(plmn="46000", code=0x1234), rfu=0, update_status=1)),
    (
        EF_PSLOCI,
        EfPsloci(
            p_tmsi="CAFEBABE",
            p_tmsi_signature="010203",
            rai=AreaId(plmn="46001", code=7, rac=9),
            update_status=2,
        ),
    ),
    (
        EF_EPSLOCI,
        EfEpsloci(
            guti=Guti(plmn="46000", mme_group_id=0x0102, mme_code=3, m_tmsi="DEADBEEF"),
            tai=AreaId(plmn="46000", code=0x4C10),
            update_status=EpsUpdateStatus.ROAMING_NOT_ALLOWED,
        ),
    ),
    (EF_PLMNSEL, EfPlmnList(plmns=("46000", "46001", None, None))),
    (
        EF_PLMNWACT,
        EfPlmnActList(
            entries=(PlmnAct(plmn="46011", act_bits=0x4000),) + (PlmnAct(plmn=None, act_bits=0),) * 4
        ),
    ),
    (
        EF_OPLMNWACT,
        EfPlmnActList(
            entries=(PlmnAct(plmn="46000", act_bits=0x6080),) + (PlmnAct(plmn=None, act_bits=0),) * 4
        ),
    ),
    (
        EF_HPLMNWACT,
        EfPlmnActList(entries=(PlmnAct(plmn="00101", act_bits=0x2000), PlmnAct(plmn=None, act_bits=0))),
    ),
]


@pytest.fixture
def link() -> Iterator[ModemLink]:
    with connect(URL) as opened:
        yield opened


@pytest.fixture
def writes() -> list[SimWrite]:
    return []


@pytest.fixture
def card(link: ModemLink, writes: list[SimWrite]) -> SimCard:
    return sim_card_of(link.modem, is_writable=True, on_write=writes.append)


def test_the_virtual_card_holds_files_consistent_with_the_module(card: SimCard) -> None:
    assert card.read(EF_ICCID) == EfIccid(iccid=ICCID)
    assert card.read_iccid() == ICCID
    assert card.read(EF_IMSI) == EfImsi(imsi=IMSI)
    assert card.read(EF_AD) == EfAd(ue_operation_mode=0, additional_info=b"\x00\x00", mnc_length=2)
    assert card.read(EF_FPLMN) == EfPlmnList(plmns=(None,) * 4)
    assert card.read(EF_LOCI).lai == AreaId(plmn="00101", code=1)
    assert card.read(EF_PSLOCI).update_status == UpdateStatus.UPDATED
    epsloci = card.read(EF_EPSLOCI)
    assert epsloci.is_valid
    assert epsloci.tai == AreaId(plmn="00101", code=0x1A2B)
    assert card.read(EF_PLMNSEL).used == ("00101",)
    assert card.read(EF_PLMNWACT).entries == (PlmnAct(plmn=None, act_bits=0),) * 5
    assert card.read(EF_OPLMNWACT).entries[0].access_technologies == (
        AccessTechnology.E_UTRAN_WB_S1 | AccessTechnology.E_UTRAN_NB_S1
    )
    assert card.read(EF_HPLMNWACT).entries[0].plmn == "00101"


@pytest.mark.parametrize(("ef", "value"), WRITABLE_FILES, ids=[ef.name for ef, _ in WRITABLE_FILES])
def test_every_writable_file_is_written_and_read_back(
    card: SimCard, writes: list[SimWrite], ef: ElementaryFile[Any], value: object
) -> None:
    old = card.read_bytes(ef)
    change = card.write(ef, value)
    assert card.read(ef) == value
    assert change is not None
    assert writes == [change]
    assert (change.file, change.old_hex) == (ef.label, old.hex().upper())
    assert change.new_hex == card.read_bytes(ef).hex().upper()
    assert card.write(ef, value) is None  # nothing to change: nothing sent, nothing logged
    assert len(writes) == 1


@pytest.mark.parametrize(
    ("ef", "value"),
    [(EF_ICCID, EfIccid(iccid="8900101999999999990")), (EF_IMSI, EfImsi(imsi="001019999999999")),
     (EF_AD, EfAd(ue_operation_mode=0, additional_info=b"\x00\x00", mnc_length=3))],
)  # fmt: skip
def test_files_that_need_adm_are_refused_69_82_and_stay(
    card: SimCard, ef: ElementaryFile[Any], value: object
) -> None:
    before = card.read_bytes(ef)
    with pytest.raises(SimSecurityNotSatisfied, match=f"UPDATE BINARY {ef.label}: the card answered 69 82"):
        card.write(ef, value)
    assert card.read_bytes(ef) == before


def test_a_sim_not_marked_writable_refuses_before_anything_is_sent(link: ModemLink) -> None:
    card = sim_card_of(link.modem)
    before = {ef.name: card.read_bytes(ef) for ef, _ in WRITABLE_FILES}
    for ef, value in WRITABLE_FILES:
        with pytest.raises(SimNotWritable, match=f"{ef.label}: not written: the rig does not mark"):
            card.write(ef, value)
    assert {ef.name: card.read_bytes(ef) for ef, _ in WRITABLE_FILES} == before
    assert card.planned_write(EF_FPLMN, EfPlmnList(plmns=("46000",))) is not None  # a dry run may still look


def test_unknown_files_wrong_offsets_and_lengths(card: SimCard) -> None:
    unknown = ElementaryFile(
        name="EF_NOPE", fid=0x6F99, path=USIM_PATH, size_bytes=4, decode=bytes, encode=bytes
    )
    with pytest.raises(SimFileNotFound, match="EF_NOPE 6F99: the card answered 6A 82"):
        card.read(unknown)
    beyond = CrsmRequest(command=CrsmCommand.READ_BINARY, fid=0x6FE3, p1=0, p2=18, p3=1, path=USIM_PATH)
    with pytest.raises(SimWrongParameters, match="6B 00"):
        send_crsm(card.session, beyond, file=EF_EPSLOCI.label)
    too_long = CrsmRequest(command=CrsmCommand.READ_BINARY, fid=0x6FE3, p1=0, p2=10, p3=9, path=USIM_PATH)
    with pytest.raises(SimWrongParameters, match="67 00"):
        send_crsm(card.session, too_long, file=EF_EPSLOCI.label)
    misplaced = CrsmRequest(command=CrsmCommand.READ_BINARY, fid=0x6FE3, p3=18, path="7F20")
    with pytest.raises(SimFileNotFound):
        send_crsm(card.session, misplaced, file=EF_EPSLOCI.label)


def test_csim_selects_by_path_and_reads_and_writes(card: SimCard) -> None:
    session = card.session
    send_apdu(session, bytes.fromhex("00A4080C047FFF6F7B"), file="EF_FPLMN")
    data, word = send_apdu(session, bytes.fromhex("00B000000C"), file="EF_FPLMN")
    assert (data, word.hex) == (b"\xff" * 12, "90 00")
    send_apdu(session, bytes.fromhex("00D6000003") + bytes.fromhex("64F000"), file="EF_FPLMN")
    assert card.read(EF_FPLMN).used == ("46000",)
    fcp, _ = send_apdu(session, bytes.fromhex("00A40004022FE2"), file="EF_ICCID")
    assert fcp.startswith(b"\x62")
    assert b"\x80\x02\x00\x0a" in fcp
    with pytest.raises(SimFileNotFound):
        send_apdu(session, bytes.fromhex("00A4000C026F99"), file="EF_NOPE")
