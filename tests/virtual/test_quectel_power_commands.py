"""harness.virtual.quectel_power_commands: BC660K's AT+QNBIOTRAI, AT+QNBIOTEVENT and AT+QSCLK, and release
assistance on AT+QISEND, through the port of a virtual BC660K (BC660K AT manual [S5] §9.7-9.10). The RRC
release is seen as +CSCON: 0; the inactivity timer is long (5 s), so a release within a second is RAI's."""

from __future__ import annotations

import socket
import time

import pytest

from .conftest import StartModule, Terminal

QUERY = "echo=0&attach_s=0&delay_ms=5&jitter_ms=0&rrc_setup_ms=0&loss_pct=0&inactivity_s=5"
RAI_RELEASE_S = 1.5  # well under the 5 s inactivity timer, generous for a loaded machine


@pytest.fixture
def module(start_module: StartModule) -> Terminal:
    terminal = start_module(QUERY)
    terminal.wait_registered()
    assert terminal.lines("AT+CSCON=1") == ["OK"]
    return terminal


def open_udp(terminal: Terminal, server: socket.socket) -> None:
    port = server.getsockname()[1]
    assert terminal.lines(f'AT+QIOPEN=0,0,"UDP","127.0.0.1",{port},0,0') == ["OK"]
    terminal.read_until(b"+QIOPEN: 0,0\r\n")


def send(terminal: Terminal, command: str, payload: bytes) -> float:
    """Send a datagram with `command` (a prompt form of AT+QISEND); the time SEND OK was read."""
    terminal.send(command + "\r")
    terminal.read_until(b"> ")
    terminal.send(payload)
    terminal.read_until(b"SEND OK\r\n")
    return time.monotonic()


def wait_connected(terminal: Terminal) -> None:
    deadline_s = time.monotonic() + 5.0
    while terminal.lines("AT+CSCON?") != ["+CSCON: 1,1", "OK"]:
        assert time.monotonic() < deadline_s, "no RRC connection"
        time.sleep(0.05)


def test_qnbiotrai_is_refused_without_a_connection(start_module: StartModule) -> None:
    terminal = start_module(QUERY.replace("inactivity_s=5", "inactivity_s=0.2"))
    terminal.wait_registered()
    deadline_s = time.monotonic() + 5.0
    while terminal.lines("AT+CSCON?") != ["+CSCON: 0,0", "OK"]:  # the attach's connection ends
        assert time.monotonic() < deadline_s, "still connected"
        time.sleep(0.05)
    assert terminal.lines("AT+QNBIOTRAI=1") == ["+CME ERROR: 3"]
    assert terminal.lines("AT+QNBIOTRAI=?") == ["+QNBIOTRAI: (0,1)", "OK"]


def test_qnbiotrai_releases_the_connection_after_the_next_uplink(
    module: Terminal, server: socket.socket
) -> None:
    open_udp(module, server)
    wait_connected(module)
    assert module.lines("AT+QNBIOTRAI=1") == ["OK"]
    sent_s = send(module, "AT+QISEND=0,4", b"last")
    assert server.recv(64) == b"last"
    module.read_until(b"+CSCON: 0\r\n", timeout_s=RAI_RELEASE_S)
    assert time.monotonic() - sent_s < RAI_RELEASE_S


def test_qisend_with_rai_1_releases_after_the_packet(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    wait_connected(module)
    send(module, "AT+QISEND=0,4,1", b"last")
    assert server.recv(64) == b"last"
    module.read_until(b"+CSCON: 0\r\n", timeout_s=RAI_RELEASE_S)


def test_qisend_with_rai_2_releases_after_the_response(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    wait_connected(module)
    send(module, "AT+QISEND=0,4,2", b"ask?")
    _, address = server.recvfrom(64)
    assert "+CSCON: 0" not in module.collect(1.0).decode()  # waits for the one response
    server.sendto(b"answer", address)
    module.read_until(b"+CSCON: 0\r\n", timeout_s=RAI_RELEASE_S)


def test_qisend_without_rai_keeps_the_connection_for_the_inactivity_timer(
    module: Terminal, server: socket.socket
) -> None:
    open_udp(module, server)
    wait_connected(module)
    send(module, "AT+QISEND=0,4,0", b"more")
    assert server.recv(64) == b"more"
    assert "+CSCON: 0" not in module.collect(RAI_RELEASE_S).decode()


def test_qisend_refuses_an_unknown_rai(module: Terminal, server: socket.socket) -> None:
    open_udp(module, server)
    assert module.lines("AT+QISEND=0,4,3") == ["+CME ERROR: 50"]


def test_qnbiotevent_and_qsclk_forms(module: Terminal) -> None:
    assert module.lines("AT+QNBIOTEVENT?") == ["+QNBIOTEVENT: 0,1", "OK"]
    assert module.lines("AT+QNBIOTEVENT=1,1") == ["OK"]
    assert module.lines("AT+QNBIOTEVENT?") == ["+QNBIOTEVENT: 1,1", "OK"]
    assert module.lines("AT+QNBIOTEVENT=1,2") == ["+CME ERROR: 50"]
    assert module.lines("AT+QSCLK?") == ["+QSCLK: 1", "OK"]
    assert module.lines("AT+QSCLK=0") == ["OK"]
    assert module.lines("AT+QSCLK?") == ["+QSCLK: 0", "OK"]
    assert module.lines("AT+QSCLK=3") == ["+CME ERROR: 50"]


def test_qsclk_power_on_value_is_a_model_option(start_module: StartModule) -> None:
    terminal = start_module(f"{QUERY}&qsclk=2")
    assert terminal.lines("AT+QSCLK?") == ["+QSCLK: 2", "OK"]
    # not in NVRAM: a reset restores the power-on value, while QNBIOTEVENT is kept
    assert terminal.lines("AT+QSCLK=0;+QNBIOTEVENT=1,1") == ["OK"]
    assert terminal.lines("AT+CFUN=1,1") == ["OK"]
    terminal.read_until(b"RDY\r\n")
    assert terminal.lines("AT+QSCLK?;+QNBIOTEVENT?") == ["+QSCLK: 2", "+QNBIOTEVENT: 1,1", "OK"]
