"""Remote serial as a lab runs it (issue 8 item 2): a virtual module's pty served by ser2net over RFC 2217 on
loopback, driven through the harness's own transport, AT session and dialect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.at import ATSession
from harness.dialects import ConnectOptions, connect
from harness.transport import open_port
from harness.virtual.process import VirtualModuleProcess, start_virtual_module
from tests.ser2net_server import needs_ser2net, ser2net_rfc2217

pytestmark = [
    needs_ser2net,
    # pyserial 3.5's rfc2217 client names its reader thread the old way
    pytest.mark.filterwarnings(r"ignore:set(Daemon|Name)\(\) is deprecated:DeprecationWarning"),
]
URL = "virtual://bc660k?attach_s=0&delay_ms=1&jitter_ms=0&loss_pct=0"
PORT_TIMEOUT_S = 0.05


@pytest.fixture
def module() -> Iterator[VirtualModuleProcess]:
    started = start_virtual_module(URL)
    started.go()
    yield started
    started.stop()


def test_at_commands_and_port_settings_cross_ser2net(module: VirtualModuleProcess) -> None:
    with ser2net_rfc2217(module.tty_path) as url:
        port = open_port(url, timeout=PORT_TIMEOUT_S)
        try:
            port.baudrate = 9600  # RFC 2217 SET-BAUDRATE: pyserial waits for ser2net to confirm it
            port.baudrate = 115200
            with ATSession(port) as session:  # type: ignore[arg-type]  # rfc2217.Serial has in_waiting
                assert session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)
        finally:
            port.close()


def test_a_module_behind_ser2net_attaches_and_reports_its_radio(module: VirtualModuleProcess) -> None:
    options = ConnectOptions(dialect="auto", ready_timeout_s=10.0)
    with ser2net_rfc2217(module.tty_path) as url, connect(url, options) as link:
        assert link.dialect == "quectel_nbiot"
        assert link.modem.identity().model == "Quectel_BC660K-GL"
        link.modem.attach(None, timeout_s=10.0)
        assert link.modem.registration().stat in (1, 5)
        assert link.modem.radio_snapshot().rsrp_dbm is not None
