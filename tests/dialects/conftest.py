"""Fixtures of the dialects layer tests: Modems over a virtual BC660K (the module as the harness meets it,
through a `virtual://` URL) and over the scripted fake module of the AT tests on a pty, for the answers a
virtual module never gives. Every wait below has a deadline."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import serial

from harness.at import ATSession
from harness.dialects import ConnectOptions, ModemLink, connect
from harness.server.reflector import UdpReflector
from tests.at.fake_module import FakeModule, fake_link, lines

# Registered at once, no radio delay, no loss: these tests are about the dialects, the link has its own.
FAST = "attach_s=0&delay_ms=0&jitter_ms=0&rrc_setup_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
SESSION_TIMEOUT_S = 2.0

OpenLink = Callable[..., ModemLink]


@pytest.fixture
def open_link() -> Iterator[OpenLink]:
    """open_link("attach_s=60", ConnectOptions(...)) connects to virtual://bc660k?<query>; closed after."""
    links: list[ModemLink] = []

    def open_(query: str = FAST, options: ConnectOptions | None = None) -> ModemLink:
        link = connect(f"virtual://bc660k?{query}", options)
        links.append(link)
        return link

    yield open_
    for link in links:
        link.close()


@pytest.fixture
def fake() -> Iterator[tuple[FakeModule, serial.Serial]]:
    with fake_link() as pair:
        yield pair


@pytest.fixture
def fake_module(fake: tuple[FakeModule, serial.Serial]) -> FakeModule:
    return fake[0]


@pytest.fixture
def fake_session(fake: tuple[FakeModule, serial.Serial]) -> Iterator[ATSession]:
    with ATSession(fake[1], default_timeout_s=SESSION_TIMEOUT_S) as session:
        yield session


@pytest.fixture
def reflector() -> Iterator[UdpReflector]:
    with UdpReflector(host="127.0.0.1") as running:
        yield running


def script_identity(module: FakeModule, *, manufacturer: str, model: str) -> None:
    """+CGMI/+CGMM answers for detection."""
    module.script["AT+CGMI"] = lines(manufacturer, "OK")
    module.script["AT+CGMM"] = lines(model, "OK")
