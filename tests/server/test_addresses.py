"""Where the server may listen: loopback and 198.18.0.0/15 always, anything else only when asked."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.server.addresses import BENCHMARK_NETWORK, bind_problem, interface_of, parse_listen


@given(address=st.ip_addresses(v=4))
def test_only_loopback_and_the_benchmark_range_need_no_permission(address: ipaddress.IPv4Address) -> None:
    is_allowed = address.is_loopback or address in BENCHMARK_NETWORK
    assert (bind_problem(str(address), is_public_allowed=False) is None) is is_allowed
    assert bind_problem(str(address), is_public_allowed=True) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:7780", ("127.0.0.1", 7780)),
        ("localhost:0", ("127.0.0.1", 0)),
        ("198.18.0.1:1", ("198.18.0.1", 1)),
    ],
)
def test_listen_addresses_are_read(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["7780", ":7780", "127.0.0.1:", "127.0.0.1:x", "::1:7780", "host:1"])
def test_bad_listen_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_listen(text)


def test_loopback_is_captured_on_lo_and_an_absent_address_on_nothing() -> None:
    assert interface_of("127.0.0.5") == "lo"
    assert interface_of("198.19.255.254") is None
