"""harness.virtual.address_policy: only loopback and 198.18.0.0/15 are ever a virtual module's target."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.virtual.address_policy import ALLOWED_NETWORKS, is_allowed_address


@pytest.mark.parametrize(
    ("host", "is_allowed"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("198.18.0.1", True),
        ("198.19.255.254", True),
        ("198.20.0.1", False),
        ("198.17.255.255", False),
        ("10.0.0.1", False),
        ("8.8.8.8", False),
        ("::1", False),
        ("localhost", False),
        ("127.0.0.1 ", False),
        ("", False),
    ],
)
def test_allowed_addresses(host: str, is_allowed: bool) -> None:
    assert is_allowed_address(host) is is_allowed


@given(st.ip_addresses(v=4))
def test_allowed_exactly_inside_the_rule(address: ipaddress.IPv4Address) -> None:
    inside = any(address in network for network in ALLOWED_NETWORKS)
    assert is_allowed_address(str(address)) is inside
