"""harness.virtual.network_policy: what the test network grants for PSM and eDRX requests under each policy,
and the options that set the policy from a URL or a control request."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import UrlError
from harness.timer_codes import DEACTIVATED_BITS, decode_gprs_timer3, encode_gprs_timer3
from harness.virtual.network_policy import (
    EdrxPolicy,
    NetworkPolicy,
    PsmPolicy,
    changed_policy,
    grant_edrx,
    grant_psm,
)
from harness.virtual.options import parse_virtual_url

TIMER3_CODES = [f"{unit << 5 | value:08b}" for unit in range(7) for value in range(32)]


def test_accept_grants_what_was_asked_and_the_networks_values_for_what_was_not() -> None:
    policy = NetworkPolicy()
    grant = grant_psm(policy, periodic_tau_bits="00100001", active_time_bits="00000101")
    assert (grant.periodic_tau_bits, grant.active_time_bits) == ("00100001", "00000101")
    left = grant_psm(policy, periodic_tau_bits=None, active_time_bits=None)
    assert (left.periodic_tau_bits, left.active_time_bits) == (
        policy.periodic_tau_bits,
        policy.active_time_bits,
    )


@given(tau_bits=st.sampled_from(TIMER3_CODES), min_tau_s=st.integers(min_value=0, max_value=1_000_000))
def test_clamp_never_grants_less_than_the_minimum_nor_changes_what_is_above(
    tau_bits: str, min_tau_s: int
) -> None:
    policy = NetworkPolicy(psm=PsmPolicy.CLAMP, min_periodic_tau_s=min_tau_s)
    grant = grant_psm(policy, periodic_tau_bits=tau_bits, active_time_bits="00000001")
    requested_s = decode_gprs_timer3(tau_bits)
    granted_s = decode_gprs_timer3(grant.periodic_tau_bits)
    assert grant.active_time_bits == "00000001"
    assert requested_s is not None
    assert granted_s is not None
    if requested_s >= min_tau_s:
        assert grant.periodic_tau_bits == tau_bits
    else:
        assert granted_s == encode_gprs_timer3(min_tau_s).seconds
        assert granted_s >= min_tau_s


def test_reject_deactivates_both_timers() -> None:
    grant = grant_psm(
        NetworkPolicy(psm=PsmPolicy.REJECT), periodic_tau_bits="00100001", active_time_bits="00000101"
    )
    assert (grant.periodic_tau_bits, grant.active_time_bits) == (DEACTIVATED_BITS, DEACTIVATED_BITS)


def test_network_policy_ignores_the_request() -> None:
    policy = NetworkPolicy(psm=PsmPolicy.NETWORK, active_time_bits="00000011", periodic_tau_bits="00100010")
    grant = grant_psm(policy, periodic_tau_bits="00100001", active_time_bits="00000101")
    assert (grant.active_time_bits, grant.periodic_tau_bits) == ("00000011", "00100010")


def test_edrx_grants() -> None:
    accepted = grant_edrx(NetworkPolicy(), requested_bits="0101", usable_bits="0101", requested_ptw_bits=None)
    assert (accepted.nw_bits, accepted.ptw_bits) == ("0101", "0011")
    read_as = grant_edrx(
        NetworkPolicy(), requested_bits="0100", usable_bits="0010", requested_ptw_bits="0001"
    )
    assert (read_as.requested_bits, read_as.nw_bits, read_as.ptw_bits) == ("0100", "0010", "0001")
    imposed = grant_edrx(
        NetworkPolicy(edrx_nw_bits="1001", ptw_bits="0111"),
        requested_bits="0101",
        usable_bits="0101",
        requested_ptw_bits="0001",
    )
    assert (imposed.nw_bits, imposed.ptw_bits) == ("1001", "0111")
    rejected = grant_edrx(
        NetworkPolicy(edrx=EdrxPolicy.REJECT),
        requested_bits="0101",
        usable_bits="0101",
        requested_ptw_bits=None,
    )
    assert (rejected.nw_bits, rejected.ptw_bits) == (None, None)


def test_url_options_set_the_policy() -> None:
    network = parse_virtual_url(
        "virtual://bc660k?psm=clamp&min_tau_s=600&edrx=reject&edrx_nw=0011&ptw=0000&roaming=1&dl_buffer_count=3"
    ).network
    assert network == NetworkPolicy(
        psm=PsmPolicy.CLAMP,
        min_periodic_tau_s=600,
        edrx=EdrxPolicy.REJECT,
        edrx_nw_bits="0011",
        ptw_bits="0000",
        is_roaming=True,
        dl_buffer_count=3,
    )


@pytest.mark.parametrize(
    ("query", "named"),
    [("psm=sometimes", "option psm"), ("roaming=yes", "option roaming"), ("edrx_nw=5", "option edrx_nw")],
)
def test_bad_policy_options_are_url_errors(query: str, named: str) -> None:
    with pytest.raises(UrlError, match=named):
        parse_virtual_url(f"virtual://bc660k?{query}")


def test_control_requests_change_the_named_options_only() -> None:
    policy = changed_policy(
        NetworkPolicy(), {"psm": "reject", "roaming": True, "ptw": None, "dl_buffer_count": 2}
    )
    assert policy == NetworkPolicy(psm=PsmPolicy.REJECT, is_roaming=True, dl_buffer_count=2)
    assert changed_policy(policy, {"edrx_nw": "0101"}).edrx_nw_bits == "0101"
    assert changed_policy(policy, {"edrx_nw": None}).edrx_nw_bits is None


@pytest.mark.parametrize(
    ("request_", "message"),
    [({"colour": 1}, "unknown network option 'colour'"), ({"min_tau_s": -5}, "network option min_tau_s")],
)
def test_bad_control_requests_are_value_errors(request_: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        changed_policy(NetworkPolicy(), request_)
