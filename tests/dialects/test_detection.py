"""harness.dialects.detection: dialects found by name, picked from +CGMI/+CGMM, or forced."""

from __future__ import annotations

import pytest

from harness.at import ATSession
from harness.dialects import AUTO, ConnectOptions, check_dialect, detect, dialect_names, open_modem
from harness.dialects.modem import EDRX, PSM
from harness.dialects.quectel_nbiot import QuectelNbiotModem
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError
from tests.at.fake_module import FakeModule

from .conftest import FAST, OpenLink, script_identity


def test_dialect_names_put_the_baseline_first_and_hold_only_dialects() -> None:
    names = dialect_names()
    assert names[0] == "ts27007"
    assert "quectel_nbiot" in names
    assert list(names[1:]) == sorted(names[1:])
    assert not {"connection", "detection", "modem"} & set(names)  # modules without a MODEM


def test_check_dialect_accepts_auto_and_every_name() -> None:
    assert [check_dialect(name) for name in (AUTO, *dialect_names())] == [None] * (len(dialect_names()) + 1)


@pytest.mark.parametrize("name", ["quectel", "modem", "Ts27007", ""])
def test_check_dialect_names_what_is_known(name: str) -> None:
    problem = check_dialect(name)
    assert problem is not None
    assert problem.startswith(f"unknown dialect {name!r} (known: auto, ts27007, ")
    assert "quectel_nbiot" in problem


def test_detect_picks_quectel_nbiot_for_the_virtual_bc660k(open_link: OpenLink) -> None:
    link = open_link(FAST, ConnectOptions(dialect="ts27007"))
    assert detect(link.session) == "quectel_nbiot"


@pytest.mark.parametrize(
    ("manufacturer", "model", "dialect"),
    [
        ("ACME Wireless", "X100", "ts27007"),
        ("Quectel", "BG95-M3", "ts27007"),  # Quectel, but not a family quectel_nbiot claims
        ("Quectel", "BC950K-GL", "quectel_nbiot"),
    ],
)
def test_detect_from_the_answers_of_a_module(
    fake_module: FakeModule, fake_session: ATSession, manufacturer: str, model: str, dialect: str
) -> None:
    script_identity(fake_module, manufacturer=manufacturer, model=model)
    assert detect(fake_session) == dialect
    assert fake_module.commands == ["AT+CGMI", "AT+CGMM"]


def test_open_modem_auto_detects(fake_module: FakeModule, fake_session: ATSession) -> None:
    script_identity(fake_module, manufacturer="Quectel_Ltd", model="Quectel_BC660K-GL")
    assert type(open_modem(fake_session)) is QuectelNbiotModem
    script_identity(fake_module, manufacturer="ACME", model="X100")
    assert type(open_modem(fake_session, AUTO)) is Ts27007Modem


@pytest.mark.parametrize(
    ("dialect", "modem_class"), [("ts27007", Ts27007Modem), ("quectel_nbiot", QuectelNbiotModem)]
)
def test_open_modem_with_a_forced_dialect_asks_nothing(
    fake_module: FakeModule, fake_session: ATSession, dialect: str, modem_class: type
) -> None:
    assert type(open_modem(fake_session, dialect)) is modem_class
    assert fake_module.commands == []


def test_forced_baseline_on_a_virtual_bc660k(open_link: OpenLink) -> None:
    link = open_link(FAST, ConnectOptions(dialect="ts27007"))
    assert (link.dialect, type(link.modem)) == ("ts27007", Ts27007Modem)
    # 27.007 defines +CPSMS and +CEDRXS but no sockets, ping, data interface or SIM slots
    assert link.modem.capabilities == frozenset({PSM, EDRX})


def test_open_modem_with_an_unknown_dialect_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    with pytest.raises(ModemError, match=r"unknown dialect 'bc660k' \(known: auto, ts27007, "):
        open_modem(fake_session, "bc660k")
    assert fake_module.commands == []
