"""`miot server` (harness/cli.py): one-line errors with exit 2 for a missing token or a refused address;
a running server that a ServerClient uses, that never prints its token, and that SIGTERM stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import EXIT_USER_ERROR, main
from harness.server import SessionKind
from harness.server.client import ServerClient

CHECKOUT = Path(__file__).resolve().parents[1]
MIOT = [sys.executable, "-m", "harness"]
TOKEN = "cli-test-token-5678"
TIMEOUT_S = 20.0


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    (line,) = captured.err.splitlines()
    return line


def test_a_missing_token_variable_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIOT_TEST_NO_TOKEN", raising=False)
    assert main(["server", "--listen", "127.0.0.1:0", "--token-env", "MIOT_TEST_NO_TOKEN"]) == EXIT_USER_ERROR
    assert one_error_line(capsys) == (
        "miot: error: miot server: the test server token variable MIOT_TEST_NO_TOKEN is not set (or empty)"
    )


@pytest.mark.parametrize(
    ("listen", "message"),
    [
        ("192.0.2.7:7780", "is neither loopback (127.0.0.0/8) nor in 198.18.0.0/15"),
        ("0.0.0.0:7780", "a public address must be asked for with --public"),
        ("example.org:7780", "expected an IPv4 address or localhost"),
        ("127.0.0.1", "expected HOST:PORT"),
        ("127.0.0.1:99999", "expected a port 0-65535"),
    ],
)
def test_an_address_that_is_not_allowed_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, listen: str, message: str
) -> None:
    monkeypatch.setenv("MIOT_SERVER_TOKEN", TOKEN)
    assert main(["server", "--listen", listen]) == EXIT_USER_ERROR
    line = one_error_line(capsys)
    assert line.startswith("miot: error: miot server: --listen: ")
    assert message in line


@pytest.fixture
def running_server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    environment = {**os.environ, "PYTHONPATH": str(CHECKOUT), "MIOT_SERVER_TOKEN": TOKEN}
    process = subprocess.Popen(
        [*MIOT, "server", "--listen", "127.0.0.1:0"],
        cwd=CHECKOUT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # the process prints this line once it listens
        assert first.startswith("miot server: listening on 127.0.0.1:"), first
        yield process, int(first.split(":")[2].split()[0])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT_S)


def test_the_server_serves_a_client_and_stops_on_sigterm(
    running_server: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = running_server
    with ServerClient("127.0.0.1", port, TOKEN, timeout_s=TIMEOUT_S) as client:
        info = client.open_session(SessionKind.UDP_SINK)
        assert client.counters(info.session_id).is_open
    os.kill(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=TIMEOUT_S)
    assert process.returncode == 0
    assert "miot server: stopped" in output
    assert TOKEN not in output
