"""harness.at.responses.signal_quality: +CESQ and +CSQ (cellular-iot.md §1.3; BC660K manual §4.2, §4.7
[S5])."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Cesq, Csq, parse, parse_as
from tests.at.test_responses import assert_refused, quirky_line


def test_cesq_converts_to_lower_range_edges() -> None:
    assert parse("+CESQ: 99,99,255,255,25,61") == Cesq(
        rxlev=None, ber=None, rscp=None, ecno=None, rsrq=25, rsrp=61, rsrq_db=-7.5, rsrp_dbm=-80
    )
    edges = parse_as("+CESQ: 0,0,0,0,0,97", Cesq)
    assert (edges.rsrq_db, edges.rsrp_dbm) == (-20.0, -44)
    unknown = parse_as("+CESQ: 99,99,255,255,255,255", Cesq)
    assert (unknown.rsrq, unknown.rsrp_dbm) == (None, None)


def test_csq() -> None:
    assert parse("+CSQ: 22,0") == Csq(rssi=22, ber=0, rssi_dbm=-69)
    assert parse("+CSQ: 99,99") == Csq(rssi=None, ber=None, rssi_dbm=None)
    assert parse_as("+CSQ: 31,99", Csq).rssi_dbm == -51
    assert parse_as("+CSQ: 0,99", Csq).rssi_dbm == -113


@pytest.mark.parametrize(
    "line",
    [
        "+CESQ: 99,99,255,255,35,61",
        "+CESQ: 99,99,255,255,25,98",
        "+CESQ: 99,99,255,255,25",
        "+CESQ: 99,,255,255,25,61",
        "+CESQ: 99,99,255,255,25,61,0",
        "+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)",
        "+CSQ: 32,0",
        "+CSQ: 22",
        "+CSQ: 22,8",
        "+CSQ: -1,0",
    ],
)
def test_out_of_range_short_or_long_lines_are_refused(line: str) -> None:
    assert_refused(line)


_CESQ_FIELDS = (
    st.one_of(st.integers(0, 63), st.just(99)),
    st.one_of(st.integers(0, 7), st.just(99)),
    st.one_of(st.integers(0, 96), st.just(255)),
    st.one_of(st.integers(0, 49), st.just(255)),
    st.one_of(st.integers(0, 34), st.just(255)),
    st.one_of(st.integers(0, 97), st.just(255)),
)


@given(values=st.tuples(*_CESQ_FIELDS), data=st.data())
def test_cesq_round_trip(values: tuple[int, ...], data: st.DataObject) -> None:
    value = parse_as(data.draw(quirky_line("+CESQ", [str(v) for v in values])), Cesq)
    raw = (value.rxlev, value.ber, value.rscp, value.ecno, value.rsrq, value.rsrp)
    assert raw == tuple(None if v in (99, 255) else v for v in values)
    assert value.rsrp_dbm == (None if values[5] == 255 else values[5] - 141)
    assert value.rsrq_db == (None if values[4] == 255 else values[4] / 2 - 20)


@given(
    rssi=st.one_of(st.integers(0, 31), st.just(99)),
    ber=st.one_of(st.integers(0, 7), st.just(99)),
    data=st.data(),
)
def test_csq_round_trip(rssi: int, ber: int, data: st.DataObject) -> None:
    value = parse_as(data.draw(quirky_line("+CSQ", [str(rssi), str(ber)])), Csq)
    assert value.rssi == (None if rssi == 99 else rssi)
    assert value.ber == (None if ber == 99 else ber)
    assert value.rssi_dbm == (None if rssi == 99 else -113 + 2 * rssi)
