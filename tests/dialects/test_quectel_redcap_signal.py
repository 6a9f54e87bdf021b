"""harness.dialects.quectel_redcap_signal: +QNWINFO and +QCSQ readers, by the RG50xQ&RM5xxQ network note's
examples (§3.2.1, §3.3.2) and by property."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.dialects.quectel_redcap_layouts import RG255_LAYOUT, RM5XX_LAYOUT, UNKNOWN_LAYOUT, FirmwareLayout
from harness.dialects.quectel_redcap_signal import (
    NetworkInfo,
    SignalQuality,
    read_network_info,
    read_signal_quality,
)
from harness.errors import ParseError


@pytest.mark.parametrize(
    ("line", "info"),
    [
        (
            '+QNWINFO: "FDD LTE","46001","LTE BAND 3",1650',
            NetworkInfo(act="FDD LTE", oper="46001", band_name="LTE BAND 3", channel=1650, band=3),
        ),
        (
            '+QNWINFO: "TDD NR5G",99970,"NR5G BAND 78",641280',  # oper without quotes
            NetworkInfo(act="TDD NR5G", oper="99970", band_name="NR5G BAND 78", channel=641280, band=78),
        ),
        (
            '+QNWINFO: "WCDMA","46001","WCDMA_I_2100",10713',
            NetworkInfo(act="WCDMA", oper="46001", band_name="WCDMA_I_2100", channel=10713, band=None),
        ),
        ("+QNWINFO: No Service", None),
        ("+QNWINFO:NO SERVICE", None),
    ],
)
def test_network_info_lines(line: str, info: NetworkInfo | None) -> None:
    assert read_network_info(line) == info


@pytest.mark.parametrize(
    "line",
    [
        '+QNWINFO: "FDD LTE","46001","LTE BAND 3"',
        '+QNWINFO: "FDD LTE","4600","LTE BAND 3",1650',
        '+QNWINFO: "FDD LTE","46001","LTE BAND three",1650',
        '+QNWINFO: "FDD LTE","46001","LTE BAND 3",-1',
        '+QNWINFO: "","46001","LTE BAND 3",1650',
        "+QNWINFO: Searching",
    ],
    ids=["three-fields", "short-plmn", "band-word", "negative-channel", "empty-act", "unknown-word"],
)
def test_network_info_it_cannot_read_is_a_parse_error(line: str) -> None:
    with pytest.raises(ParseError):
        read_network_info(line)


@pytest.mark.parametrize(
    ("line", "layout", "quality"),
    [
        (
            '+QCSQ: "NR5G",-75,4,-11',
            RM5XX_LAYOUT,
            SignalQuality(sysmode="NR5G", values=(-75, 4, -11), rsrp_dbm=-75, sinr_db=4, rsrq_db=-11),
        ),
        (
            '+QCSQ: "LTE",-52,-81,195,-10',
            RM5XX_LAYOUT,
            SignalQuality(
                sysmode="LTE",
                values=(-52, -81, 195, -10),
                rssi_dbm=-52,
                rsrp_dbm=-81,
                sinr_db=19.0,
                rsrq_db=-10,
            ),
        ),
        (
            '+QCSQ: "LTE",-52,-81,195,-10',
            RG255_LAYOUT,  # unit not known for RG255: raw only
            SignalQuality(
                sysmode="LTE", values=(-52, -81, 195, -10), rssi_dbm=-52, rsrp_dbm=-81, rsrq_db=-10
            ),
        ),
        ('+QCSQ: "WCDMA",-70,-75,-5', UNKNOWN_LAYOUT, SignalQuality(sysmode="WCDMA", values=(-70, -75, -5))),
        ('+QCSQ: "NOSERVICE"', RM5XX_LAYOUT, SignalQuality(sysmode="NOSERVICE", values=())),
        ("+QCSQ: NR5G,-,-,-", RM5XX_LAYOUT, SignalQuality(sysmode="NR5G", values=(None, None, None))),
    ],
)
def test_signal_quality_lines(line: str, layout: FirmwareLayout, quality: SignalQuality) -> None:
    assert read_signal_quality(line, layout) == quality


@pytest.mark.parametrize(
    "line",
    [
        '+QCSQ: "NR5G",-75,4',
        '+QCSQ: "LTE",-52,-81,195',
        '+QCSQ: "GSM",-70',
        '+QCSQ: "NR5G",-75,99,-11',  # SINR 99 dB: not laid out as read
        '+QCSQ: "LTE",-52,-81,400,-10',  # 400 * 1/5 - 20 = 60 dB
        "+QCSQ: ",
    ],
)
def test_signal_quality_it_cannot_read_is_a_parse_error(line: str) -> None:
    with pytest.raises(ParseError):
        read_signal_quality(line, RM5XX_LAYOUT)


@given(
    act=st.sampled_from(["TDD NR5G", "FDD NR5G", "TDD LTE", "FDD LTE"]),
    oper=st.from_regex(r"[0-9]{5,6}", fullmatch=True),
    band=st.integers(1, 9999),
    channel=st.integers(0, 3_279_165),
    is_quoted=st.booleans(),
)
def test_any_network_info_reads_back(act: str, oper: str, band: int, channel: int, is_quoted: bool) -> None:
    rat = "NR5G" if "NR5G" in act else "LTE"
    shown_oper = f'"{oper}"' if is_quoted else oper
    info = read_network_info(f'+QNWINFO: "{act}",{shown_oper},"{rat} BAND {band}",{channel}')
    assert info == NetworkInfo(act=act, oper=oper, band_name=f"{rat} BAND {band}", channel=channel, band=band)
    assert info.is_nr is (rat == "NR5G")


@given(rsrp=st.integers(-156, -31), sinr_raw=st.integers(0, 250), rsrq=st.integers(-43, 20))
def test_any_lte_quality_reads_sinr_in_fifths_of_a_db(rsrp: int, sinr_raw: int, rsrq: int) -> None:
    quality = read_signal_quality(f'+QCSQ: "LTE",-60,{rsrp},{sinr_raw},{rsrq}', RM5XX_LAYOUT)
    assert (quality.rsrp_dbm, quality.rsrq_db, quality.values[2]) == (rsrp, rsrq, sinr_raw)
    assert quality.sinr_db == pytest.approx(sinr_raw / 5 - 20)


@given(text=st.text(max_size=80))
def test_any_text_is_read_or_refused(text: str) -> None:
    with contextlib.suppress(ParseError):
        assert isinstance(read_signal_quality(f"+QCSQ: {text}", RM5XX_LAYOUT), SignalQuality)
    with contextlib.suppress(ParseError):
        info = read_network_info(f"+QNWINFO: {text}")
        assert info is None or isinstance(info, NetworkInfo)
