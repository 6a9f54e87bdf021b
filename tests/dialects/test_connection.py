"""harness.dialects.connection: connect(url) -> ModemLink, and its lifetime: port, session and module
process end together. Only processes these tests start are looked at, by their pid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import serial

from harness.at import ATSession, Direction, read_transcript
from harness.dialects import ConnectOptions, ModemLink, connect
from harness.dialects import connection as connection_module
from harness.dialects.connection import wait_until_responsive
from harness.dialects.quectel_nbiot import QuectelNbiotModem
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError, UrlError
from harness.transport import open_port
from harness.transport.protocol_virtual import Serial as VirtualSerial
from tests.at.fake_module import FakeModule, lines

from .conftest import FAST, OpenLink, script_identity

SHORT_READY_S = 1.0


def module_pid(link: ModemLink) -> int:
    assert isinstance(link.port, VirtualSerial)
    module = link.port.virtual_module
    assert module is not None
    return module.pid


def assert_ended(pid: int) -> None:
    """The module process (our child) has ended and was reaped: the pid no longer names it."""
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def tty_of(fake: tuple[FakeModule, serial.Serial]) -> str:
    path = fake[1].port
    assert path is not None
    return path


def test_connect_gives_a_ready_link_whose_close_ends_the_module() -> None:
    link = connect(f"virtual://bc660k?{FAST}")
    pid = module_pid(link)
    try:
        os.kill(pid, 0)  # running
        assert link.dialect == "quectel_nbiot"
        assert isinstance(link.modem, QuectelNbiotModem)
        assert link.modem.session is link.session
        assert link.modem.registration().is_registered
    finally:
        link.close()
    assert_ended(pid)
    assert not link.port.is_open


def test_link_as_context_manager_closes_on_error() -> None:
    pids: list[int] = []

    def fail_inside() -> None:
        with connect(f"virtual://bc660k?{FAST}") as link:
            pids.append(module_pid(link))
            raise RuntimeError("inside the with block")

    with pytest.raises(RuntimeError, match="inside"):
        fail_inside()
    assert_ended(pids[0])


def test_close_twice_is_harmless(open_link: OpenLink) -> None:
    link = open_link()
    link.close()
    link.close()
    assert not link.port.is_open


def test_transcript_is_written_when_a_path_is_given(tmp_path: Path) -> None:
    at_log = tmp_path / "at.log"
    with connect(f"virtual://bc660k?{FAST}", ConnectOptions(transcript_path=at_log)) as link:
        link.modem.identity()
    entries = read_transcript(at_log)
    written = [entry.text for entry in entries if entry.direction is Direction.WRITTEN]
    assert written[:4] == ["AT", "AT+CMEE=1", "AT+CGMI", "AT+CGMM"]
    assert "AT+QCCID" in written
    read = [entry.text for entry in entries if entry.direction is Direction.READ]
    assert "Quectel_BC660K-GL" in read
    assert "OK" in read
    assert at_log.read_text().startswith("#")  # the header naming the port


def test_failed_setup_closes_the_port_and_ends_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[serial.SerialBase, int]] = []

    def recording_open_port(url: str, **kw: object) -> serial.SerialBase:
        port = open_port(url, **kw)
        assert isinstance(port, VirtualSerial)
        assert port.virtual_module is not None
        opened.append((port, port.virtual_module.pid))
        return port

    monkeypatch.setattr(connection_module, "open_port", recording_open_port)
    with pytest.raises(ModemError, match="unknown dialect 'nope'"):
        connect(f"virtual://bc660k?{FAST}", ConnectOptions(dialect="nope"))
    [(port, pid)] = opened
    assert not port.is_open
    assert_ended(pid)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("virtual://bc999", "unknown virtual model 'bc999'"),
        ("virtual://bc660k?rsrp=-10", "option rsrp"),
        ("virtual://bc660k?colour=red", "unknown option 'colour'"),
        ("nosuch://x", "unknown scheme 'nosuch'"),
        ("/dev/miot-no-such-port", "does not exist"),
    ],
)
def test_connect_to_a_bad_url_is_a_url_error(url: str, message: str) -> None:
    with pytest.raises(UrlError, match=message):
        connect(url)


# --- a module on a plain device path (the fake module's pty) ----------------------------------------------


def test_connect_to_a_device_path_detects_the_baseline(
    fake: tuple[FakeModule, serial.Serial], fake_module: FakeModule
) -> None:
    fake_module.script.update({"AT": lines("OK"), "AT+CMEE=1": lines("OK")})
    script_identity(fake_module, manufacturer="ACME", model="X100")
    with connect(tty_of(fake), ConnectOptions(ready_timeout_s=SHORT_READY_S)) as link:
        assert (link.dialect, type(link.modem)) == ("ts27007", Ts27007Modem)
    assert fake_module.commands == ["AT", "AT+CMEE=1", "AT+CGMI", "AT+CGMM"]


def test_connect_to_a_silent_module_names_the_port(
    fake: tuple[FakeModule, serial.Serial], fake_module: FakeModule
) -> None:
    fake_module.script["AT"] = lambda module: None
    path = tty_of(fake)
    with pytest.raises(ModemError, match=rf"{path}: no OK to AT within 1 s"):
        connect(path, ConnectOptions(ready_timeout_s=SHORT_READY_S))
    assert set(fake_module.commands) == {"AT"}


def test_wait_until_responsive_gives_up_naming_the_port(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT"] = lambda module: None
    with pytest.raises(ModemError, match=rf"^{fake_session.port_name}: no OK to AT within 1 s \(.*AT"):
        wait_until_responsive(fake_session, SHORT_READY_S)
    assert set(fake_module.commands) == {"AT"}


def test_wait_until_responsive_uses_its_whole_timeout(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    answers = iter([b""])  # the first AT is lost (BC660K after deep sleep), the second is answered

    def waking(module: FakeModule) -> None:
        module.send(next(answers, lines("OK")))

    fake_module.script["AT"] = waking
    wait_until_responsive(fake_session, SHORT_READY_S)
    assert fake_module.commands == ["AT", "AT"]


def test_wait_until_responsive_waits_out_a_booting_module(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    answers = iter([b"", lines("ERROR")])  # silent, then not ready yet, then OK

    def booting(module: FakeModule) -> None:
        module.send(next(answers, lines("OK")))

    fake_module.script["AT"] = booting
    wait_until_responsive(fake_session, 5.0)
    assert fake_module.commands == ["AT", "AT", "AT"]
