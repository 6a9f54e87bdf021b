"""A `miot server` child process on loopback for tests and benchmarks that need the server as a lab runs it:
its own process (so its memory can be read), its token from the environment, stopped by its pid."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.server.control import TOKEN_ENV
from harness.virtual.process import child_environment

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerProcess:
    process: subprocess.Popen[str]
    host: str
    port: int
    output: list[str] = field(default_factory=list)  # what it printed after its first line, read as it comes

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_bytes(self) -> int:
        """The process's resident set (VmRSS of /proc/<pid>/status)."""
        for line in Path(f"/proc/{self.pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no VmRSS for pid {self.pid}")


@contextmanager
def miot_server(
    token: str, *, token_env: str = TOKEN_ENV, extra_env: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    """`miot server --listen 127.0.0.1:0` with `token` in `token_env`; SIGTERM on the way out, then kill."""
    environment = {**child_environment(), **(extra_env or {}), token_env: token}
    command = [sys.executable, "-m", "harness", "server", "--listen", "127.0.0.1:0", "--token-env", token_env]
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    reader: threading.Thread | None = None
    try:
        server = ServerProcess(process=process, host="127.0.0.1", port=listening_port(process))
        # drained on a thread: a server that logs a lot must never block on a full pipe
        reader = threading.Thread(target=_collect, args=(process, server.output), daemon=True)
        reader.start()
        yield server
    finally:
        stop_server(process)
        if reader is not None:
            reader.join(timeout=STOP_TIMEOUT_S)


def _collect(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    lines.extend(process.stdout)


def listening_port(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        is_ready = bool(selector.select(START_TIMEOUT_S))
    assert is_ready, f"miot server printed nothing within {START_TIMEOUT_S:g} s"
    first = process.stdout.readline()  # printed once it listens; EOF (a failed start) ends the read too
    assert first.startswith("miot server: listening on "), first
    return int(first.split()[4].rsplit(":", 1)[1])


def stop_server(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
