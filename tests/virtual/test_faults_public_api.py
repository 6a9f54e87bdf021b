"""Faults of a virtual module (harness.virtual.faults) as the harness meets them on real hardware, through
its public API only: harness.transport.open_port, harness.at.ATSession and the dialects' Modem (connect). A
fault is set in the URL (what a rig does) or switched on during the run through the port's control channel
(`port.virtual_module.control`, what a lab does with its instruments). Every wait has a deadline."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from harness.at import ATSession, Urc
from harness.at.responses import Cereg
from harness.dialects import ConnectOptions, ModemLink, SimState, connect, prepare_sim
from harness.dialects.connection import wait_until_responsive
from harness.errors import ATCommandError, ATTimeout, ModemError, PortLost
from harness.transport import open_port

from .conftest import OpenLink, control

FAST = "attach_s=0&delay_ms=5&jitter_ms=0&rrc_setup_ms=0&loss_pct=0&inactivity_s=0.3&qsclk=0"
BC660K = f"virtual://bc660k?{FAST}"
ML307R = f"virtual://ml307r?{FAST.removesuffix('&qsclk=0')}"
URC_TIMEOUT_S = 5.0
READY_S = 5.0


@pytest.fixture
def raw_session() -> Iterator[list[tuple[serial.SerialBase, ATSession]]]:
    """Ports and sessions a test opens by hand (`opened.append(...)`), closed after it."""
    opened: list[tuple[serial.SerialBase, ATSession]] = []
    yield opened
    for port, session in opened:
        session.close()
        port.close()


def open_session(url: str, opened: list[tuple[serial.SerialBase, ATSession]]) -> ATSession:
    port = open_port(url)
    session = ATSession(port).open()  # type: ignore[arg-type]
    opened.append((port, session))
    return session


def fault(link: ModemLink, kind: str, **parameters: object) -> dict[str, object]:
    return control(link.port, {"op": "fault", "kind": kind, **parameters})


def is_stat(stat: int) -> object:
    def match(urc: Urc) -> bool:
        report = urc.parsed()
        return isinstance(report, Cereg) and report.stat == stat

    return match


# --- the UART --------------------------------------------------------------------------------------------


def test_no_response_is_a_timeout_naming_the_command(open_link: OpenLink) -> None:
    link = open_link(BC660K)
    fault(link, "no_response")
    with pytest.raises(ATTimeout, match=r"AT\+CGMR got no final result code within 0\.3 s"):
        link.session.send("AT+CGMR", timeout_s=0.3)
    control(link.port, {"op": "clear_faults"})
    assert link.modem.identity().firmware == "BC660KGLAAR01A03"


def test_no_response_set_by_the_rig_ends_after_its_duration(raw_session: list) -> None:
    session = open_session(f"{BC660K}&faults=no_response&no_response.duration_s=1", raw_session)
    with pytest.raises(ATTimeout, match="AT got no final result code"):
        session.send("AT", timeout_s=0.3)
    wait_until_responsive(session, READY_S)  # answers again once the second is over


def test_slow_response_answers_late_or_times_out(raw_session: list) -> None:
    session = open_session(f"{BC660K}&faults=slow_response&slow_response.delay_s=0.4", raw_session)
    with pytest.raises(ATTimeout, match=r"AT\+CGMM"):
        session.send("AT+CGMM", timeout_s=0.1)
    time.sleep(0.6)  # the late answer comes and goes (read as a URC) before the next command
    started_s = time.monotonic()
    response = session.send("AT+CGMM", timeout_s=3.0)
    assert response.lines == ("Quectel_BC660K-GL",)
    assert time.monotonic() - started_s >= 0.4


def test_garbage_never_becomes_a_value(tmp_path: Path) -> None:
    transcript = tmp_path / "at.log"
    url = f"{BC660K}&faults=garbage&garbage.chance_pct=100&seed=5"
    with connect(url, ConnectOptions(transcript_path=transcript)) as link:
        identity = link.modem.identity()
        assert (identity.manufacturer, identity.model, identity.firmware) == (
            "Quectel_Ltd",
            "Quectel_BC660K-GL",
            "BC660KGLAAR01A03",
        )
        assert identity.imei is not None
        assert identity.imsi is not None
        status = control(link.port, {"op": "status"})
        assert link.modem.radio_snapshot().rsrp_dbm == status["rsrp_dbm"]
        assert link.modem.registration().is_registered
        for _ in range(20):
            assert link.session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)
    assert "line noise dropped" in transcript.read_text()


def test_commands_are_answered_through_a_urc_storm(open_link: OpenLink) -> None:
    link = open_link(BC660K)
    status = fault(link, "urc_storm", rate_hz=1000)
    assert [each["kind"] for each in status["faults"]] == ["urc_storm"]  # type: ignore[union-attr]
    storm = link.session.wait_for_urc("+CEREG", timeout_s=URC_TIMEOUT_S)
    assert storm.line == "+CEREG: 1"  # what the storm says is true: the module is registered
    for _ in range(20):
        assert link.session.send("AT+CGMM", timeout_s=2.0).lines == ("Quectel_BC660K-GL",)
    assert link.modem.registration().is_registered


# --- reboot and the port ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "ready"), [(BC660K, "RDY"), (ML307R, "+MATREADY")])
def test_a_reboot_prints_the_ready_urc_and_resets_the_module(
    open_link: OpenLink, server: socket.socket, url: str, ready: str
) -> None:
    link = open_link(url)
    sock = link.modem.open_udp(*server.getsockname())
    fault(link, "reboot")
    link.session.wait_for_urc(ready, timeout_s=URC_TIMEOUT_S)
    assert link.session.send("AT+CFUN?").lines == ("+CFUN: 1",)  # the power-on level
    # the module forgot the socket (silently, as a reset does): its send command is refused
    with pytest.raises((ATCommandError, ModemError), match=r"QISEND|MIPSEND"):
        sock.send(b"after the reboot")


def test_a_reboot_undoes_cfun_0(open_link: OpenLink) -> None:
    link = open_link(f"virtual://generic?{FAST.removesuffix('&qsclk=0')}")  # generic prints no ready URC
    link.modem.set_radio(False)
    assert not link.modem.registration().is_registered
    fault(link, "reboot")
    deadline_s = time.monotonic() + READY_S
    while not link.modem.registration().is_registered:  # CFUN 1 again: it attaches by itself
        assert time.monotonic() < deadline_s, "not registered again after the reboot"
        time.sleep(0.05)
    assert link.session.send("AT+CFUN?").lines == ("+CFUN: 1",)


def test_a_vanished_port_is_lost_and_found_again_under_a_new_path(open_link: OpenLink) -> None:
    link = open_link(BC660K)
    old_path = link.port.virtual_module.tty_path  # type: ignore[attr-defined]
    fault(link, "port_vanish", reappear_s=0.3)
    with pytest.raises(PortLost):
        link.session.send("AT", timeout_s=2.0)
    new_path = link.port.reopen()  # type: ignore[attr-defined]
    assert new_path != old_path
    with ATSession(link.port) as session:  # type: ignore[arg-type]
        wait_until_responsive(session, READY_S)
        assert session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)


def poll_until_lost(session: ATSession) -> None:
    """AT until the port is lost (PortLost), for at most READY_S."""
    deadline_s = time.monotonic() + READY_S
    while time.monotonic() < deadline_s:
        session.send("AT", timeout_s=1.0)
        time.sleep(0.05)


def test_a_port_the_rig_makes_vanish_comes_back(raw_session: list) -> None:
    url = f"{BC660K}&faults=port_vanish&port_vanish.at_s=0.5&port_vanish.reappear_s=0.2&port_vanish.reboot=0"
    session = open_session(url, raw_session)
    port = raw_session[0][0]
    with pytest.raises(PortLost):
        poll_until_lost(session)
    port.reopen()  # type: ignore[attr-defined]
    with ATSession(port) as again:  # type: ignore[arg-type]
        wait_until_responsive(again, READY_S)
        assert again.send("AT+CEREG?").lines == ("+CEREG: 0,1",)  # no reboot: still registered


# --- network, SIM and sockets -------------------------------------------------------------------------------


def test_a_lost_registration_is_reported_and_ends_the_sockets(
    open_link: OpenLink, server: socket.socket
) -> None:
    link = open_link(BC660K)
    link.modem.attach(None, timeout_s=10)  # +CEREG=2: the module reports changes
    sock = link.modem.open_udp(*server.getsockname())
    fault(link, "registration_lost")
    link.session.wait_for_urc("+CEREG", timeout_s=URC_TIMEOUT_S, match=is_stat(2))  # type: ignore[arg-type]
    registration = link.modem.registration()
    assert (registration.is_registered, registration.stat) == (False, 2)
    with pytest.raises(ModemError, match="closed by the network"):
        sock.receive(URC_TIMEOUT_S)


def test_a_registration_the_rig_takes_away_for_a_while_comes_back(open_link: OpenLink) -> None:
    url = f"{BC660K}&faults=registration_lost&registration_lost.stat=0&registration_lost.at_s=0.3"
    link = open_link(f"{url}&registration_lost.duration_s=1")
    link.session.send("AT+CEREG=1")
    link.session.wait_for_urc("+CEREG", timeout_s=URC_TIMEOUT_S, match=is_stat(0))  # type: ignore[arg-type]
    assert link.modem.registration().stat == 0
    assert link.modem.attach(None, timeout_s=10).is_registered  # once the network lets it in again


def test_without_a_sim_the_modem_says_so(open_link: OpenLink) -> None:
    link = open_link(BC660K)
    fault(link, "sim_removed")
    assert link.modem.sim() is SimState.NOT_INSERTED
    identity = link.modem.identity()
    assert (identity.imsi, identity.iccid) == (None, None)
    started_s = time.monotonic()
    with pytest.raises(ModemError, match="no SIM"):
        link.modem.attach(None, timeout_s=60)
    assert time.monotonic() - started_s < 30  # said at once, not after the whole attach timeout
    with pytest.raises(ModemError, match="no SIM"):
        prepare_sim(link.modem, None, {}, attach_timeout_s=10)


def test_a_sim_the_rig_removes_comes_back_when_cleared(open_link: OpenLink) -> None:
    link = open_link(f"{ML307R}&faults=sim_removed")
    assert link.modem.sim() is SimState.NOT_INSERTED
    control(link.port, {"op": "clear_faults", "kind": "sim_removed"})
    assert link.modem.sim() is SimState.READY
    assert link.modem.attach(None, timeout_s=10).is_registered


@pytest.mark.parametrize(("url", "reason"), [(BC660K, "closed by the network"), (ML307R, "connection error")])
def test_a_socket_the_network_closes_is_reported_closed(
    open_link: OpenLink, server: socket.socket, url: str, reason: str
) -> None:
    link = open_link(url)
    sock = link.modem.open_udp(*server.getsockname())
    fault(link, "socket_closed")
    with pytest.raises(ModemError, match=reason):
        sock.receive(URC_TIMEOUT_S)
    with pytest.raises(ModemError):
        sock.send(b"too late")


# --- waking from PSM ----------------------------------------------------------------------------------------


def wait_asleep(link: ModemLink) -> None:
    deadline_s = time.monotonic() + 10.0
    while not control(link.port, {"op": "status"})["is_uart_asleep"]:
        assert time.monotonic() < deadline_s, "the module did not enter PSM"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("lost", "error"), [("line", ATTimeout), ("char", ATCommandError)]
)  # a lost line gets no answer; "T+CGMM" (its first character lost) is no command: ERROR
def test_the_first_command_after_psm_is_lost_and_waking_copes(
    open_link: OpenLink, lost: str, error: type[Exception]
) -> None:
    link = open_link(f"{BC660K}&faults=wake_loss&wake_loss.lost={lost}")
    link.modem.set_psm(periodic_tau_s=3600, active_time_s=0)  # PSM right after the release
    wait_asleep(link)
    with pytest.raises(error):
        link.session.send("AT+CGMM", timeout_s=0.5)
    assert link.session.send("AT+CGMM", timeout_s=2.0).lines == ("Quectel_BC660K-GL",)
    link.modem.set_radio(False)
    link.modem.attach(None, timeout_s=10)  # PSM again after the attach's connection
    wait_asleep(link)
    wait_until_responsive(link.session, READY_S)  # how the harness wakes a module: AT until OK
    assert link.modem.registration().is_registered
