"""The elementary files' codecs (TS 31.102 §4.2.2, §4.2.5, §4.2.16-18, §4.2.23, §4.2.91; TS 51.011
§10.3.4; TS 102 221 §13.2): known vectors, and encode-then-decode round trips of every file."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.sim_card import (
    EF_AD,
    EF_EPSLOCI,
    EF_FPLMN,
    EF_HPLMNWACT,
    EF_ICCID,
    EF_IMSI,
    EF_LOCI,
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
)
from harness.sim_card.location_files import deleted_epsloci, deleted_loci, deleted_psloci

PLMNS = st.from_regex(r"[0-9]{5,6}", fullmatch=True)
HEX4 = st.binary(min_size=4, max_size=4).map(lambda b: b.hex().upper())
AREAS = st.builds(AreaId, plmn=st.none() | PLMNS, code=st.integers(0, 0xFFFF))
RAIS = st.builds(AreaId, plmn=st.none() | PLMNS, code=st.integers(0, 0xFFFF), rac=st.integers(0, 255))
STATUS = st.integers(0, 7)
GUTIS = st.builds(
    Guti, plmn=PLMNS, mme_group_id=st.integers(0, 0xFFFF), mme_code=st.integers(0, 255), m_tmsi=HEX4
)


def _round_trip(ef: ElementaryFile[Any], value: object, size_bytes: int) -> None:
    data = ef.encode(value, size_bytes)
    assert len(data) == size_bytes
    assert ef.decode(data) == value


def test_imsi_known_vector() -> None:
    """§4.2.2: length 08, then 2 over 1001 (odd count, type IMSI), then the digits swapped."""
    data = bytes.fromhex("082943519099999999")
    assert EF_IMSI.decode(data) == EfImsi(imsi="234150999999999")
    assert EF_IMSI.encode(EfImsi(imsi="234150999999999"), 9) == data


def test_an_even_imsi_has_parity_0_and_a_filler() -> None:
    data = EF_IMSI.encode(EfImsi(imsi="00101123456789"), 9)
    assert data.hex().upper() == "0801101021436587F9"
    assert EF_IMSI.decode(data).imsi == "00101123456789"


def test_an_imsi_whose_parity_bit_lies_is_refused() -> None:
    with pytest.raises(ValueError, match="parity"):
        EF_IMSI.decode(bytes.fromhex("082143519099999999"))


@given(st.from_regex(r"[0-9]{6,15}", fullmatch=True))
def test_imsi_round_trip(imsi: str) -> None:
    _round_trip(EF_IMSI, EfImsi(imsi=imsi), 9)


@given(st.from_regex(r"[0-9A-E]{18,20}", fullmatch=True))
def test_iccid_round_trip(iccid: str) -> None:
    _round_trip(EF_ICCID, EfIccid(iccid=iccid), 10)


def test_ad_mnc_length_is_byte_4() -> None:
    assert EF_AD.decode(bytes.fromhex("00000002")).mnc_length == 2
    assert EF_AD.decode(bytes.fromhex("80000103")) == EfAd(
        ue_operation_mode=0x80, additional_info=b"\x00\x01", mnc_length=3
    )
    assert EF_AD.decode(bytes.fromhex("000000")).mnc_length is None
    with pytest.raises(ValueError, match="neither 2 nor 3"):
        EF_AD.decode(bytes.fromhex("00000004"))


@given(st.integers(0, 255), st.binary(min_size=2, max_size=2), st.sampled_from([2, 3]), st.binary(max_size=3))
def test_ad_round_trip(mode: int, info: bytes, mnc_length: int, rest: bytes) -> None:
    value = EfAd(ue_operation_mode=mode, additional_info=info, mnc_length=mnc_length, rest=rest)
    _round_trip(EF_AD, value, 4 + len(rest))


def test_fplmn_empty_entries_are_ff_and_the_list_fills_the_file() -> None:
    data = bytes.fromhex("64F000" + "FFFFFF" * 3)
    assert EF_FPLMN.decode(data).used == ("46000",)
    assert EF_FPLMN.encode(EfPlmnList(plmns=()), 12) == b"\xff" * 12
    with pytest.raises(ValueError, match="do not fit"):
        EF_FPLMN.encode(EfPlmnList(plmns=("46000",) * 5), 12)


@given(st.lists(st.none() | PLMNS, min_size=4, max_size=4))
def test_plmn_list_round_trip(plmns: list[str | None]) -> None:
    _round_trip(EF_FPLMN, EfPlmnList(plmns=tuple(plmns)), 12)


def test_plmn_with_access_technology_names_its_bits() -> None:
    entry = EF_HPLMNWACT.decode(bytes.fromhex("64F0006000")).entries[0]
    assert entry.plmn == "46000"
    assert entry.access_technologies == AccessTechnology.E_UTRAN_WB_S1 | AccessTechnology.E_UTRAN_NB_S1


@given(
    st.lists(
        st.builds(PlmnAct, plmn=st.none() | PLMNS, act_bits=st.integers(0, 0xFFFF)), min_size=3, max_size=3
    )
)
def test_plmn_act_list_round_trip(entries: list[PlmnAct]) -> None:
    _round_trip(EF_HPLMNWACT, EfPlmnActList(entries=tuple(entries)), 15)


def test_epsloci_known_layout() -> None:
    value = EfEpsloci(
        guti=Guti(plmn="00101", mme_group_id=0x8001, mme_code=0x01, m_tmsi="C0FFEE01"),
        tai=AreaId(plmn="00101", code=0x1A2B),
        update_status=EpsUpdateStatus.UPDATED,
    )
    assert EF_EPSLOCI.encode(value, 18).hex().upper() == "0BF600F110800101C0FFEE01" + "00F1101A2B" + "00"
    assert value.is_valid


def test_deleted_location_files() -> None:
    assert EF_EPSLOCI.encode(deleted_epsloci(), 18).hex().upper() == "FF" * 12 + "FFFFFFFFFE01"
    assert EF_LOCI.encode(deleted_loci(), 11).hex().upper() == "FFFFFFFF" + "FFFFFFFFFE" + "0001"
    assert EF_PSLOCI.encode(deleted_psloci(), 14).hex().upper() == "FF" * 7 + "FFFFFFFFFE" + "FF01"
    assert not EF_EPSLOCI.decode(EF_EPSLOCI.encode(deleted_epsloci(), 18)).is_valid


@given(st.none() | GUTIS, AREAS, STATUS)
def test_epsloci_round_trip(guti: Guti | None, tai: AreaId, status: int) -> None:
    _round_trip(EF_EPSLOCI, EfEpsloci(guti=guti, tai=tai, update_status=status), 18)


@given(HEX4, AREAS, st.integers(0, 255), STATUS)
def test_loci_round_trip(tmsi: str, lai: AreaId, rfu: int, status: int) -> None:
    _round_trip(EF_LOCI, EfLoci(tmsi=tmsi, lai=lai, rfu=rfu, update_status=status), 11)


@given(HEX4, st.binary(min_size=3, max_size=3), RAIS, STATUS)
def test_psloci_round_trip(p_tmsi: str, signature: bytes, rai: AreaId, status: int) -> None:
    value = EfPsloci(p_tmsi=p_tmsi, p_tmsi_signature=signature.hex().upper(), rai=rai, update_status=status)
    _round_trip(EF_PSLOCI, value, 14)


@pytest.mark.parametrize("ef", [EF_LOCI, EF_PSLOCI, EF_EPSLOCI])
def test_a_location_file_of_the_wrong_size_is_refused(ef: ElementaryFile[Any]) -> None:
    with pytest.raises(ValueError, match="bytes"):
        ef.decode(b"\xff" * 5)
