"""harness.transport.radio_control: changing a module's radio conditions through its port, and back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.dialects import ModemLink, connect
from harness.transport import open_port
from harness.transport.radio_control import changed_conditions, radio_control_of

URL = "virtual://bc660k?ce=0&attach_s=0&echo=0"


@pytest.fixture
def link() -> Iterator[ModemLink]:
    with connect(URL) as opened:
        opened.modem.attach(None, timeout_s=10)
        yield opened


def test_a_port_without_controllable_conditions_has_none() -> None:
    port = open_port("loop://")
    try:
        assert radio_control_of(port) is None
    finally:
        port.close()


def test_conditions_change_for_the_block_and_come_back(link: ModemLink) -> None:
    control = radio_control_of(link.port)
    assert control is not None
    before = control.conditions()
    assert before["ce"] == 0
    rsrp_before = link.modem.radio_snapshot().rsrp_dbm
    assert rsrp_before is not None

    with changed_conditions(control, {"ce": 2}):
        assert control.conditions()["ce"] == 2
        during = link.modem.radio_snapshot().rsrp_dbm
        assert during is not None
        assert during < -118 < rsrp_before  # CE2 lies below the CE1/CE2 threshold ([R19], indicators §2.1)

    after = control.conditions()
    assert after["ce"] == 0
    assert after["rsrp"] == before["rsrp"]
    assert link.modem.radio_snapshot().rsrp_dbm == rsrp_before


def test_a_link_figure_changed_for_the_block_gets_its_old_value_back(link: ModemLink) -> None:
    control = radio_control_of(link.port)
    assert control is not None
    before = control.conditions()
    with changed_conditions(control, {"delay_ms": 5.0}):
        assert control.conditions()["delay_ms"] == 5.0
    assert control.conditions()["delay_ms"] == before["delay_ms"]
