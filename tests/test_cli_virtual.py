"""`miot virtual` (harness/cli.py): a virtual module started by hand, reached over its pty and TCP ports,
ended cleanly by Ctrl-C; and the terminal test of issue 4: a person's terminal program (pyserial's miniterm,
driven by pexpect) registers the module, opens a UDP socket to a local echo, sends and receives data."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import EXIT_USER_ERROR, main, virtual_url
from harness.errors import UserError
from harness.transport import open_port

CHECKOUT = Path(__file__).resolve().parents[1]
MIOT = [sys.executable, "-m", "harness"]
TIMEOUT_S = 10.0


@pytest.mark.parametrize(
    ("words", "url"),
    [
        ([], "virtual://bc660k"),
        (["--ce", "1", "--rsrp", "-112"], "virtual://bc660k?ce=1&rsrp=-112"),
        (["--delay-ms=20", "--attach_s", "0"], "virtual://bc660k?delay_ms=20&attach_s=0"),
    ],
)
def test_option_words_become_url_options(words: list[str], url: str) -> None:
    assert virtual_url("bc660k", words) == url


@pytest.mark.parametrize(
    ("words", "message"),
    [(["ce", "1"], "expected --<option> VALUE, got 'ce'"), (["--ce"], "option --ce needs a value")],
)
def test_option_words_that_are_not_pairs_are_refused(words: list[str], message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        virtual_url("bc660k", words)


def test_a_bad_option_is_one_error_line_and_starts_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert main(["virtual", "bc660k", "--ce", "9"]) == EXIT_USER_ERROR
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "miot: error: virtual://bc660k?ce=9: option ce must be an integer from 0 to 2, got '9'"
    ]


class MiotVirtual:
    """`miot virtual ...` as a child process, with what it printed about where the module is."""

    def __init__(self, *words: str) -> None:
        self.process = subprocess.Popen(
            [*MIOT, "virtual", *words],
            cwd=CHECKOUT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.printed = self._read_until("terminal:")

    def field(self, name: str) -> str:
        match = re.search(rf"^\s*{name}:\s+(\S+)", self.printed, re.MULTILINE)
        assert match is not None, f"no {name} in {self.printed!r}"
        return match.group(1)

    def _read_until(self, word: str) -> str:
        assert self.process.stdout is not None
        printed: list[str] = []
        reader = threading.Thread(target=lambda: printed.extend(_lines_until(self.process, word)))
        reader.start()
        reader.join(TIMEOUT_S)  # a module that does not start fails the test instead of hanging it
        assert not reader.is_alive(), "miot virtual printed nothing in time"
        return "".join(printed)


def _lines_until(process: subprocess.Popen[str], word: str) -> Iterator[str]:
    assert process.stdout is not None
    for line in process.stdout:
        yield line
        if word in line:
            return


@pytest.fixture
def miot_virtual() -> Iterator[type[MiotVirtual]]:
    started: list[MiotVirtual] = []

    class Started(MiotVirtual):
        def __init__(self, *words: str) -> None:
            super().__init__(*words)
            started.append(self)

    yield Started
    for each in started:
        if each.process.poll() is None:
            each.process.kill()
        each.process.wait(TIMEOUT_S)


def test_prints_where_the_module_is_and_ends_cleanly_on_ctrl_c(miot_virtual: type[MiotVirtual]) -> None:
    miot = miot_virtual("bc660k", "--attach_s", "0", "--tcp", "0", "--ce", "1")
    assert miot.field("url") == "virtual://bc660k?attach_s=0&ce=1"
    assert miot.field("tty").startswith("/dev/")
    module_pid = int(re.search(r"pid (\d+)", miot.printed).group(1))  # type: ignore[union-attr]
    port = open_port(miot.field("socket"), timeout=0.05)
    try:
        port.write(b"AT+CGMM\r")
        assert read_until(port, b"OK\r\n").endswith(b"Quectel_BC660K-GL\r\n\r\nOK\r\n")
    finally:
        port.close()
    miot.process.send_signal(signal.SIGINT)
    out, err = miot.process.communicate(timeout=TIMEOUT_S)
    assert miot.process.returncode == 0, err
    assert out.strip() == "miot virtual: stopped"
    assert "Traceback" not in err
    assert not os.path.exists(f"/proc/{module_pid}")  # reaped: stop() waited for it


def test_a_module_that_ends_by_itself_ends_miot_virtual_with_1(miot_virtual: type[MiotVirtual]) -> None:
    miot = miot_virtual("bc660k")
    module_pid = int(re.search(r"pid (\d+)", miot.printed).group(1))  # type: ignore[union-attr]
    os.kill(module_pid, signal.SIGKILL)
    _, err = miot.process.communicate(timeout=TIMEOUT_S)
    assert miot.process.returncode == 1
    assert "the module ended (exit status -9)" in err


def test_a_tcp_port_in_use_is_one_error_line(miot_virtual: type[MiotVirtual]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = subprocess.run(
            [*MIOT, "virtual", "bc660k", "--rfc2217", str(taken.getsockname()[1])],
            cwd=CHECKOUT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("miot: error: virtual://bc660k: the virtual module did not start")
    assert "cannot listen on 127.0.0.1" in line


def read_until(port: object, wanted: bytes, *, timeout_s: float = TIMEOUT_S) -> bytes:
    received = b""
    deadline_s = time.monotonic() + timeout_s
    while wanted not in received:
        assert time.monotonic() < deadline_s, f"no {wanted!r}; got {received!r}"
        received += port.read(max(1, port.in_waiting))  # type: ignore[attr-defined]
    return received


@pytest.fixture
def udp_echo() -> Iterator[int]:
    """A UDP echo on 127.0.0.1; its port."""
    stop = threading.Event()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)

    def echo() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                data, peer = sock.recvfrom(65535)
                sock.sendto(data, peer)

    thread = threading.Thread(target=echo, name="udp echo")
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join(5.0)
    sock.close()


def test_a_terminal_program_drives_the_module(udp_echo: int) -> None:
    pexpect = pytest.importorskip("pexpect", reason="pexpect is not installed (a dev dependency)")
    miot = pexpect.spawn(
        sys.executable,
        ["-m", "harness", "virtual", "bc660k", "--attach_s", "0.5", "--delay_ms", "5", "--jitter_ms", "0"],
        cwd=str(CHECKOUT),
        timeout=TIMEOUT_S,
        encoding="latin-1",
    )
    terminal = None
    try:
        miot.expect(r"tty:\s+(\S+)")
        tty_path = miot.match.group(1)
        miot.expect("terminal:")
        # what a person would type: pyserial's miniterm on the printed tty, Enter sends CR
        terminal = pexpect.spawn(
            sys.executable,
            ["-m", "serial.tools.miniterm", "--eol", "CR", tty_path, "115200"],
            timeout=TIMEOUT_S,
            encoding="latin-1",
        )
        terminal.expect("Quit: Ctrl")
        deadline_s = time.monotonic() + TIMEOUT_S
        while True:  # the attach takes attach_s: ask until registered
            terminal.send("AT+CEREG?\r")
            if terminal.expect([r"\+CEREG: 0,1", r"\+CEREG: 0,[02]"]) == 0:
                break
            assert time.monotonic() < deadline_s, "not registered in time"
            time.sleep(0.2)
        terminal.send(f'AT+QIOPEN=0,0,"UDP","127.0.0.1",{udp_echo},0,0\r')
        terminal.expect(r"\+QIOPEN: 0,0")
        terminal.send("AT+QISEND=0,5\r")
        terminal.expect("> ")
        terminal.send("hello")
        terminal.expect("SEND OK")
        terminal.expect(r'\+QIURC: "recv",0')
        terminal.send("AT+QIRD=0\r")
        terminal.expect(r"\+QIRD: 5\s+hello\s+OK")
        terminal.send("\x1d")  # Ctrl+]: miniterm's quit key
        terminal.expect(pexpect.EOF)
        miot.sendintr()  # Ctrl-C in the terminal where miot virtual runs
        miot.expect("miot virtual: stopped")
        miot.expect(pexpect.EOF)
        miot.close()
        assert miot.exitstatus == 0
    finally:
        for child in (terminal, miot):
            if child is not None and child.isalive():
                child.terminate(force=True)
