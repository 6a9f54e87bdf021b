"""PSM entry reports: the lines read as entry or exit, and the switch read and set on a virtual BC660K."""

from __future__ import annotations

from harness.dialects.psm_reports import QNBIOTEVENT
from harness.dialects.quectel_nbiot import QuectelNbiotModem

from .conftest import OpenLink


def test_entry_and_exit_lines_are_told_apart_from_others() -> None:
    assert QNBIOTEVENT.entry_of('+QNBIOTEVENT: "ENTER PSM"') is True
    assert QNBIOTEVENT.entry_of('+QNBIOTEVENT:"EXIT PSM"') is False
    assert QNBIOTEVENT.entry_of('+QNBIOTEVENT: "ENTER DEEPSLEEP"') is None
    assert QNBIOTEVENT.entry_of("+CSCON: 0") is None


def test_the_bc660k_dialect_names_its_report_and_it_switches(open_link: OpenLink) -> None:
    link = open_link()
    assert isinstance(link.modem, QuectelNbiotModem)
    report = link.modem.psm_report
    assert report is QNBIOTEVENT
    assert not report.is_enabled(link.session)
    report.set_enabled(link.session, True)
    assert report.is_enabled(link.session)
    assert link.session.send("AT+QNBIOTEVENT?").value_of("+QNBIOTEVENT") == "1,1"
