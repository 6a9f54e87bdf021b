"""harness.virtual.process: start handshake, control requests, stop, and no module outliving its harness."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tty
from collections.abc import Callable, Iterator

import pytest

from harness.errors import UrlError, VirtualModuleError
from harness.transport import open_port
from harness.virtual import process
from harness.virtual.process import VirtualModuleProcess, start_virtual_module


def read_with_deadline(fd: int, wanted: bytes, *, timeout_s: float) -> bytes:
    received = b""
    deadline_s = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while wanted not in received:
            remaining_s = deadline_s - time.monotonic()
            assert remaining_s > 0, f"no {wanted!r} within {timeout_s} s; got {received!r}"
            if selector.select(remaining_s):
                received += os.read(fd, 1024)
    return received


def test_module_boots_only_after_go() -> None:
    module = start_virtual_module("virtual://bc660k?attach_s=60")
    try:
        assert os.path.exists(module.tty_path)
        fd = os.open(module.tty_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            tty.setraw(fd)
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                assert selector.select(0.2) == []  # silent until told to boot
            module.go()
            assert read_with_deadline(fd, b"RDY\r\n", timeout_s=5.0) == b"\r\nRDY\r\n"
        finally:
            os.close(fd)
    finally:
        assert module.stop() == 0
    assert not module.is_running


def test_closing_the_port_ends_the_process() -> None:
    port = open_port("virtual://bc660k")
    module = port.virtual_module
    assert module is not None
    assert module.is_running
    port.close()
    assert not module.is_running
    assert port.virtual_module is None


def test_module_ends_when_its_harness_dies(wait_until_ended: Callable[..., bool]) -> None:
    harness_script = textwrap.dedent(
        """
        import sys, time
        from harness.transport import open_port
        port = open_port(sys.argv[1])
        print(port.virtual_module.pid, flush=True)
        time.sleep(60)
        """
    )
    harness = subprocess.Popen(
        [sys.executable, "-c", harness_script, "virtual://bc660k?attach_s=0"], stdout=subprocess.PIPE
    )
    try:
        assert harness.stdout is not None
        line = read_with_deadline(harness.stdout.fileno(), b"\n", timeout_s=10.0)
        module_pid = int(line)
        assert os.path.exists(f"/proc/{module_pid}")
    finally:
        harness.kill()
        harness.wait(5.0)
    assert wait_until_ended(module_pid, timeout_s=5.0)


def test_stop_kills_a_module_that_does_not_answer() -> None:
    module = start_virtual_module("virtual://bc660k")
    os.kill(module.pid, signal.SIGSTOP)  # it can read neither STOP nor the end of its input
    assert module.stop(grace_s=0.2) == -signal.SIGKILL
    assert not module.is_running


def test_bad_url_fails_before_any_process_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    with pytest.raises(UrlError, match="option ce"):
        start_virtual_module("virtual://bc660k?ce=9")


def test_a_module_that_cannot_start_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process.sys, "executable", "/bin/false")
    with pytest.raises(VirtualModuleError, match="did not start: the process ended before READY"):
        start_virtual_module("virtual://bc660k")


def test_module_process_imports_no_pyserial_pandas_or_scapy() -> None:
    script = textwrap.dedent(
        """
        import sys
        import harness.virtual.__main__, harness.virtual.model_bc660k
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"serial", "pandas", "scapy", "numpy"})
        print(",".join(heavy))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_standalone_entry_prints_the_tty_and_serves_it() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "harness.virtual", "virtual://bc660k?attach_s=60&echo=0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        tty_path = read_with_deadline(child.stdout.fileno(), b"\n", timeout_s=10.0).decode().strip()
        fd = os.open(tty_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            tty.setraw(fd)
            os.write(fd, b"AT\r")
            assert read_with_deadline(fd, b"OK\r\n", timeout_s=5.0).endswith(b"\r\nOK\r\n")
        finally:
            os.close(fd)
    finally:
        child.terminate()
        child.wait(5.0)


def test_standalone_entry_rejects_a_bad_url() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.virtual", "virtual://bc660k?nope=1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown option 'nope'" in result.stderr


@pytest.fixture
def open_module() -> Iterator[VirtualModuleProcess]:
    """The module process behind an open virtual:// port."""
    port = open_port("virtual://bc660k?attach_s=0", timeout=0.1)
    assert port.virtual_module is not None
    yield port.virtual_module
    port.close()


def test_control_answers_through_the_open_port(open_module: VirtualModuleProcess) -> None:
    reply = open_module.control({"op": "status"})
    assert reply["model"] == "bc660k"


def test_a_refused_request_names_its_op_and_the_reason(open_module: VirtualModuleProcess) -> None:
    with pytest.raises(VirtualModuleError, match="control op 'jump' refused: unknown control op 'jump'"):
        open_module.control({"op": "jump"})
    assert open_module.control({"op": "status"})["model"] == "bc660k"  # still serving


def test_requests_from_many_threads_each_get_their_own_answer(open_module: VirtualModuleProcess) -> None:
    outcomes: dict[int, str] = {}

    def ask(index: int) -> None:
        for _ in range(10):
            try:
                reply = open_module.control({"op": "status" if index % 2 else f"op-{index}"})
                outcomes[index] = str(reply["model"])
            except VirtualModuleError as exc:
                outcomes[index] = str(exc)

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30.0)
    assert not any(thread.is_alive() for thread in threads)
    for index in range(6):
        expected = "bc660k" if index % 2 else f"unknown control op 'op-{index}'"
        assert expected in outcomes[index]


def test_a_late_answer_is_not_taken_for_the_next_request(open_module: VirtualModuleProcess) -> None:
    os.kill(open_module.pid, signal.SIGSTOP)
    try:
        with pytest.raises(VirtualModuleError, match="no answer to control op 'first' in time") as caught:
            open_module.control({"op": "first", "pin": "4321"}, timeout_s=0.3)
        assert "4321" not in str(caught.value)  # only the op names a request: other fields may be secret
    finally:
        os.kill(open_module.pid, signal.SIGCONT)
    # the module now answers 'first' (refused) and then this one: this one's answer is the reply
    assert open_module.control({"op": "status"})["model"] == "bc660k"


def test_control_of_a_module_that_died_says_so(open_module: VirtualModuleProcess) -> None:
    os.kill(open_module.pid, signal.SIGKILL)
    assert open_module.wait(10.0) == -signal.SIGKILL  # gone before the request is written
    with pytest.raises(VirtualModuleError, match=r"process ended \(exit status -9\) before it answered"):
        open_module.control({"op": "status"})


def test_control_of_a_module_that_dies_while_it_waits_says_so(open_module: VirtualModuleProcess) -> None:
    os.kill(open_module.pid, signal.SIGSTOP)  # the request is written but not read
    failures: list[BaseException] = []

    def ask() -> None:
        try:
            open_module.control({"op": "status"}, timeout_s=30.0)
        except VirtualModuleError as exc:
            failures.append(exc)

    asking = threading.Thread(target=ask)
    asking.start()
    time.sleep(0.2)
    os.kill(open_module.pid, signal.SIGKILL)
    asking.join(30.0)
    assert not asking.is_alive()
    (failure,) = failures
    assert "process ended (exit status -9) before it answered control op 'status'" in str(failure)


def test_a_request_that_is_not_json_fails_before_it_is_sent(open_module: VirtualModuleProcess) -> None:
    with pytest.raises(TypeError):
        open_module.control({"op": "status", "when": object()})
    assert open_module.control({"op": "status"})["model"] == "bc660k"


def test_standalone_entry_prints_its_tcp_urls_after_the_tty() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "harness.virtual", "--tcp", "0", "--rfc2217", "0", "virtual://bc660k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        lines = b""
        while lines.count(b"\n") < 3:
            lines += read_with_deadline(child.stdout.fileno(), b"\n", timeout_s=10.0)
        tty_path, raw_url, rfc2217_url = lines.decode().split()
        assert tty_path.startswith("/dev/")
        assert raw_url.startswith("socket://127.0.0.1:")
        assert rfc2217_url.startswith("rfc2217://127.0.0.1:")
    finally:
        child.terminate()
        child.wait(5.0)
