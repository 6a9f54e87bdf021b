"""A ser2net process serving one tty over RFC 2217 on 127.0.0.1, as a lab's rig host serves a module's USB
port (DESIGN "Real parts": remote rigs over RFC 2217, ser2net on the rig host). ser2net 4 reads its YAML
configuration from `-Y` lines; `-n` keeps it in the foreground so the test owns its pid and ends it."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SER2NET = shutil.which("ser2net") or ("/usr/sbin/ser2net" if Path("/usr/sbin/ser2net").exists() else None)
needs_ser2net = pytest.mark.skipif(
    SER2NET is None, reason="ser2net is not installed (Debian: apt-get install ser2net; `make test` does)"
)
START_TIMEOUT_S = 10.0


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def ser2net_rfc2217(tty_path: str, pid_dir: Path, *, baud: int = 115200) -> Iterator[str]:
    """Serve `tty_path` over RFC 2217, ser2net's pid file in `pid_dir`; yields its
    `rfc2217://127.0.0.1:<port>?ign_set_control` URL and ends ser2net by pid. ser2net sets DTR/RTS with an
    ioctl a pty refuses, and then never answers the client's SET-CONTROL; pyserial's `ign_set_control`
    stops waiting for that answer (a USB serial port answers)."""
    port = free_tcp_port()
    config = (
        "connection: &module\n"
        f"  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}\n"
        f"  connector: serialdev,{tty_path},{baud}n81,local\n"
        "  options:\n"
        "    kickolduser: true\n"
    )
    with ser2net_serving(config, port, pid_dir) as url:
        yield url


@contextlib.contextmanager
def ser2net_serving(config_yaml: str, port: int, pid_dir: Path) -> Iterator[str]:
    """ser2net run on a YAML configuration (its file in `pid_dir`) whose accepter listens on 127.0.0.1
    `port`; yields the port's `rfc2217://` URL (with `ign_set_control`) and ends ser2net by pid."""
    assert SER2NET is not None
    config_path = pid_dir / f"ser2net-{port}.yaml"
    config_path.write_text(config_yaml, encoding="utf-8")
    # ser2net deletes its pid file when it ends: never point -P at a shared path (once /dev/null, which then
    # came back as a regular file and broke every program that reads it)
    args = [SER2NET, "-n", "-u", "-P", str(pid_dir / f"ser2net-{port}.pid"), "-c", str(config_path)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(port, process)
        yield f"rfc2217://127.0.0.1:{port}?ign_set_control"
    finally:
        process.terminate()
        try:
            process.wait(5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline_s = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline_s:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"ser2net ended at start (exit {process.returncode}): {output.strip()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"ser2net did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S} s")
