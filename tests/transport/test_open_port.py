"""harness.transport (open_port, check_url): pyserial's URLs, our schemes, one-line UrlErrors."""

from __future__ import annotations

import os
import subprocess
import tty

import pytest
import serial

import harness.transport
from harness.errors import UrlError
from harness.transport import DEFAULT_BAUDRATE, check_url, known_schemes, open_port, register_schemes


def test_loop_url_works_through_open_port() -> None:
    port = open_port("loop://", timeout=1.0)
    try:
        port.write(b"AT\r")
        assert port.read(3) == b"AT\r"
        assert port.baudrate == DEFAULT_BAUDRATE
    finally:
        port.close()


def test_keyword_arguments_reach_pyserial() -> None:
    port = open_port("loop://", baudrate=9600, timeout=0.5)
    try:
        assert (port.baudrate, port.timeout) == (9600, 0.5)
    finally:
        port.close()


def test_a_device_path_opens_like_pyserial() -> None:
    master_fd, tty_fd = os.openpty()
    try:
        tty.setraw(master_fd)
        port = open_port(os.ttyname(tty_fd), timeout=1.0)
        try:
            os.write(master_fd, b"RDY\r\n")
            assert port.read(5) == b"RDY\r\n"
        finally:
            port.close()
    finally:
        os.close(master_fd)
        os.close(tty_fd)


def test_unknown_scheme_names_the_scheme_the_url_and_the_known_ones() -> None:
    with pytest.raises(UrlError) as raised:
        open_port("telnetz://host:23")
    message = str(raised.value)
    assert "'telnetz'" in message
    assert "telnetz://host:23" in message
    assert "loop" in message
    assert "virtual" in message
    assert "\n" not in message


def test_missing_device_path_names_the_path() -> None:
    with pytest.raises(UrlError, match="device path /dev/ttyNOPE9 does not exist"):
        open_port("/dev/ttyNOPE9")


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("virtual://nosuch", "'nosuch'"),
        ("virtual://bc660k?jitter=3", "'jitter'"),
        ("virtual://bc660k?ce=x", "option ce"),
    ],
)
def test_bad_virtual_urls_raise_url_error(url: str, named: str) -> None:
    with pytest.raises(UrlError, match=named):
        open_port(url)


def test_a_port_that_fails_to_open_is_one_url_error() -> None:
    with pytest.raises(UrlError, match=r"^cannot open socket://127\.0\.0\.1:1: "):
        open_port("socket://127.0.0.1:1")  # nothing listens on port 1 of loopback


def test_check_url_answers_without_opening_or_starting_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert check_url("virtual://bc660k?ce=1&rsrp=-112") is None
    assert check_url("loop://") is None
    assert check_url("rfc2217://192.0.2.1:2217") is None  # pyserial's scheme: no connection is tried
    assert check_url(os.devnull) is None
    assert check_url("/dev/ttyNOPE9") == "device path /dev/ttyNOPE9 does not exist"
    problem = check_url("virtual://bc660k?ce=5")
    assert problem is not None
    assert "option ce" in problem


def test_known_schemes_are_pyserials_and_ours() -> None:
    assert {"loop", "socket", "rfc2217", "spy", "virtual"} <= set(known_schemes())


def test_scheme_registration_is_idempotent_and_serial_for_url_finds_ours() -> None:
    register_schemes()
    register_schemes()
    assert serial.protocol_handler_packages.count(harness.transport.PACKAGE) == 1
    port = serial.serial_for_url("virtual://bc660k", do_not_open=True)
    assert type(port).__module__ == "harness.transport.protocol_virtual"
