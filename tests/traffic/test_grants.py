"""The grant engine against virtual modules: the timers read back equal what the network policy grants
(accept, clamp, reject), and the module's own requests are put back afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from harness.dialects import ModemLink, connect
from harness.traffic.grants import GrantSpec, run_grants
from harness.virtual.network_policy import DEFAULT_MIN_PERIODIC_TAU_S

OpenLink = Callable[[str], ModemLink]
SPEC = GrantSpec(periodic_tau_s=3600, active_time_s=60, edrx_cycle_s=20.48, off_s=0.05, attempt_timeout_s=5.0)


@pytest.fixture
def open_link() -> Iterator[OpenLink]:
    links: list[ModemLink] = []

    def open_(url: str) -> ModemLink:
        link = connect(url)
        links.append(link)
        link.modem.attach(None, timeout_s=5.0)
        return link

    yield open_
    for link in links:
        link.close()


@pytest.mark.parametrize("model", ["bc660k", "ml307r", "generic"])
def test_an_accepting_network_grants_what_was_requested(open_link: OpenLink, model: str) -> None:
    link = open_link(f"virtual://{model}?attach_s=0.2")
    result = run_grants(link.modem, SPEC)
    values = {name: value.value for name, value in result.summary.items()}
    assert values["granted_t3324_s"] == values["requested_t3324_s"] == 60
    assert values["granted_t3412_s"] == values["requested_t3412_s"] == 3600
    assert values["psm_granted_pct"] == 100
    assert values["granted_edrx_s"] == values["requested_edrx_s"] == 20.48
    assert values["granted_ptw_s"] is not None
    assert result.samples.columns[0] == "t_s"
    assert result.samples.loc[0, "granted_t3324_bits"] == "00011110"  # 30 x 2 s (24.008 GPRS Timer 2)


def test_a_clamping_network_raises_the_periodic_tau_to_its_minimum(open_link: OpenLink) -> None:
    link = open_link("virtual://bc660k?attach_s=0.2&psm=clamp")
    values = {name: value.value for name, value in run_grants(link.modem, SPEC).summary.items()}
    assert values["requested_t3412_s"] == 3600
    assert values["granted_t3412_s"] == DEFAULT_MIN_PERIODIC_TAU_S
    assert values["granted_t3324_s"] == 60


def test_a_refusing_network_grants_nothing(open_link: OpenLink) -> None:
    link = open_link("virtual://bc660k?attach_s=0.2&psm=reject&edrx=reject")
    result = run_grants(link.modem, SPEC)
    values = {name: value.value for name, value in result.summary.items()}
    assert values["psm_granted_pct"] == 0
    assert values["granted_t3324_s"] is None
    assert values["granted_edrx_s"] is None
    assert result.samples.loc[0, "granted_t3324_bits"] == "11100000"  # deactivated


def test_the_module_requests_what_it_did_before(open_link: OpenLink) -> None:
    link = open_link("virtual://bc660k?attach_s=0.2")
    run_grants(link.modem, SPEC)
    assert not link.modem.psm().is_enabled
    assert link.modem.edrx().act_type == 0
