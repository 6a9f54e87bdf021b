"""harness.at.responses.power_saving: +CPSMS, +CEDRXS, +CEDRXRDP and +CEDRXP (cellular-iot.md §1.5; BC660K
manual §9.1, §9.2, §9.4 [S5]; Nordic and u-blox examples [S2][S3])."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import Cedrxp, Cedrxrdp, Cedrxs, Cpsms, parse, parse_as
from harness.at.timers import (
    decode_edrx,
    decode_gprs_timer,
    decode_gprs_timer2,
    decode_gprs_timer3,
    decode_ptw,
)
from tests.at.test_responses import assert_refused, quirky_line


def test_cpsms_read_form_of_the_manuals() -> None:
    # BC660K §9.4's example, spaces inside the quotes as printed there.
    value = parse_as('+CPSMS: 1,,," 01000011 "," 01000011 "', Cpsms)
    assert (value.mode, value.requested_periodic_tau_bits, value.requested_active_time_bits) == (
        1,
        "01000011",
        "01000011",
    )
    assert (value.requested_periodic_tau_s, value.requested_active_time_s) == (30 * 3600, 18 * 60)
    assert (value.requested_periodic_rau_bits, value.requested_gprs_ready_timer_s) == (None, None)
    assert parse("+CPSMS: 0") == Cpsms(
        mode=0,
        requested_periodic_rau_bits=None,
        requested_gprs_ready_timer_bits=None,
        requested_periodic_tau_bits=None,
        requested_active_time_bits=None,
        requested_periodic_rau_s=None,
        requested_gprs_ready_timer_s=None,
        requested_periodic_tau_s=None,
        requested_active_time_s=None,
    )


def test_cpsms_deactivated_timers_keep_their_bits() -> None:
    value = parse_as('+CPSMS: 1,,,"11100000","11100000"', Cpsms)
    assert value.requested_active_time_bits == "11100000"
    assert value.requested_active_time_s is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('+CEDRXS: 5,"0011"', Cedrxs(act_type=5, requested_edrx_bits="0011", requested_edrx_s=40.96)),
        ('+CEDRXS: 4,"1000"', Cedrxs(act_type=4, requested_edrx_bits="1000", requested_edrx_s=143.36)),
        ('+CEDRXS: 5,"0100"', Cedrxs(act_type=5, requested_edrx_bits="0100", requested_edrx_s=20.48)),
        ('+CEDRXS: 2,"0011"', Cedrxs(act_type=2, requested_edrx_bits="0011", requested_edrx_s=None)),
        ("+CEDRXS: 5", Cedrxs(act_type=5, requested_edrx_bits=None, requested_edrx_s=None)),
    ],
)
def test_cedrxs(line: str, expected: Cedrxs) -> None:
    assert parse(line) == expected


def test_cedrxrdp_and_cedrxp_of_the_manuals() -> None:
    assert parse('+CEDRXRDP: 5,"0011","0011","0011"') == Cedrxrdp(
        act_type=5,
        requested_edrx_bits="0011",
        nw_edrx_bits="0011",
        ptw_bits="0011",
        requested_edrx_s=40.96,
        nw_edrx_s=40.96,
        ptw_s=10.24,
    )
    assert parse('+CEDRXP: 4,"1010","1001","1101"') == Cedrxp(
        act_type=4,
        requested_edrx_bits="1010",
        nw_edrx_bits="1001",
        ptw_bits="1101",
        requested_edrx_s=327.68,
        nw_edrx_s=163.84,
        ptw_s=17.92,
    )
    not_used = parse_as("+CEDRXRDP: 0", Cedrxrdp)
    assert (not_used.act_type, not_used.nw_edrx_s, not_used.ptw_s) == (0, None, None)


def test_cedrxp_is_only_a_urc_and_cedrxrdp_only_an_answer() -> None:
    assert isinstance(parse('+CEDRXP: 5,"0101"', solicited=False), Cedrxp)
    assert isinstance(parse('+CEDRXRDP: 5,"0101"', solicited=True), Cedrxrdp)
    assert_refused('+CEDRXP: 5,"0101"', solicited=True)
    assert_refused('+CEDRXRDP: 5,"0101"', solicited=False)


@pytest.mark.parametrize(
    "line",
    [
        "+CPSMS: 3",
        '+CPSMS: 1,,,"0100001","01000011"',
        '+CPSMS: 1,,,"01000011","01000011",1',
        '+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")',
        '+CEDRXS: 5,"011"',
        '+CEDRXS: 5,"0012"',
        '+CEDRXS: (0-3),(5),("0000"-"1111")',
        '+CEDRXRDP: 5,"0011","0011","0011","0011"',
        '+CEDRXRDP: 5,"0011","0011","00111"',
        '+CEDRXP: x,"0011"',
    ],
)
def test_unreadable_lines_are_refused(line: str) -> None:
    assert_refused(line)


_bits8 = st.one_of(st.none(), st.integers(0, 255).map(lambda v: f"{v:08b}"))
_bits4 = st.one_of(st.none(), st.integers(0, 15).map(lambda v: f"{v:04b}"))
_RATS = {4: "ltem", 5: "nbiot"}


@given(mode=st.integers(0, 2), timers=st.tuples(_bits8, _bits8, _bits8, _bits8), data=st.data())
def test_cpsms_round_trip(mode: int, timers: tuple[str | None, ...], data: st.DataObject) -> None:
    rau, ready, tau, active = timers
    value = parse_as(data.draw(quirky_line("+CPSMS", [str(mode), *timers])), Cpsms)
    assert value.mode == mode
    bits = (
        value.requested_periodic_rau_bits,
        value.requested_gprs_ready_timer_bits,
        value.requested_periodic_tau_bits,
        value.requested_active_time_bits,
    )
    assert bits == timers
    assert value.requested_periodic_rau_s == (None if rau is None else decode_gprs_timer3(rau))
    assert value.requested_gprs_ready_timer_s == (None if ready is None else decode_gprs_timer(ready))
    assert value.requested_periodic_tau_s == (None if tau is None else decode_gprs_timer3(tau))
    assert value.requested_active_time_s == (None if active is None else decode_gprs_timer2(active))


@given(act_type=st.integers(0, 5), requested=_bits4, data=st.data())
def test_cedrxs_round_trip(act_type: int, requested: str | None, data: st.DataObject) -> None:
    value = parse_as(data.draw(quirky_line("+CEDRXS", [str(act_type), requested])), Cedrxs)
    rat = _RATS.get(act_type)
    expected_s = None if requested is None or rat is None else decode_edrx(requested, rat)
    assert value == Cedrxs(act_type=act_type, requested_edrx_bits=requested, requested_edrx_s=expected_s)


@given(
    is_urc=st.booleans(),
    act_type=st.integers(0, 5),
    nibbles=st.lists(st.integers(0, 15).map(lambda v: f"{v:04b}"), max_size=3),
    data=st.data(),
)
def test_edrx_parameters_round_trip(
    is_urc: bool, act_type: int, nibbles: list[str], data: st.DataObject
) -> None:
    prefix, kind = ("+CEDRXP", Cedrxp) if is_urc else ("+CEDRXRDP", Cedrxrdp)
    value = parse_as(data.draw(quirky_line(prefix, [str(act_type), *nibbles])), kind, solicited=not is_urc)
    requested, nw, ptw = [*nibbles, None, None, None][:3]
    rat = _RATS.get(act_type)
    assert value == kind(
        act_type=act_type,
        requested_edrx_bits=requested,
        nw_edrx_bits=nw,
        ptw_bits=ptw,
        requested_edrx_s=None if requested is None or rat is None else decode_edrx(requested, rat),
        nw_edrx_s=None if nw is None or rat is None else decode_edrx(nw, rat),
        ptw_s=None if ptw is None or rat is None else decode_ptw(ptw, rat),
    )
