"""harness.dialects.cmcc_cat1_dialup: the OneMO ML307R's AT+MDIALUP data call (cellular-iot.md §3.4 [S11]),
against a scripted fake module; and the Modem's data-call methods as the host_data_path fixture uses them.
Every wait has a deadline."""

from __future__ import annotations

import pytest

from harness.at import ATSession
from harness.dialects import DATA_INTERFACE, DataCallControl
from harness.dialects.cmcc_cat1 import CmccCat1Modem
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, lines

ADDRESS = "198.19.0.1"


def test_dialling_waits_for_the_call_up_report_of_its_context(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    # a report for another context, then a stray line of ours without a state, do not end the wait
    fake_module.script["AT+MDIALUP=1,1"] = lines("OK", "+MDIALUP: 2,1,10.0.0.9", f"+MDIALUP: 1,1,{ADDRESS}")
    modem = CmccCat1Modem(fake_session)
    assert modem.connect_data(timeout_s=1.0) == ADDRESS
    assert fake_module.commands[-1] == "AT+MDIALUP=1,1"


def test_a_call_reported_down_or_never_reported_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT+MDIALUP=1,1"] = lines("OK", "+MDIALUP: 1,0")
    with pytest.raises(ModemError, match="reported the call down"):
        CmccCat1Modem(fake_session).connect_data(timeout_s=1.0)
    fake_module.script["AT+MDIALUP=3,1"] = lines("OK")
    with pytest.raises(ModemError, match=r"no \+MDIALUP: 3,\.\.\. within 0\.2 s"):
        CmccCat1Modem(fake_session).connect_data(3, timeout_s=0.2)


def test_a_refused_dial_names_the_command(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+MDIALUP=1,1"] = lines("+CME ERROR: 3")
    with pytest.raises(ModemError, match=r"AT\+MDIALUP=1,1 refused"):
        CmccCat1Modem(fake_session).connect_data(timeout_s=1.0)


def test_hanging_up_and_what_the_fixture_sees(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+MDIALUP=1,0"] = lines("OK")
    modem = CmccCat1Modem(fake_session)
    modem.disconnect_data()
    assert fake_module.commands[-1] == "AT+MDIALUP=1,0"
    assert isinstance(modem, DataCallControl)
    assert DATA_INTERFACE in modem.capabilities
    assert modem.data_interface() is None  # the host's name for it is not readable over AT
