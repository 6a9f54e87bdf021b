"""virtual layer: a virtual module as its own process behind a pseudo-terminal, and its start handshake.

Parent side (the transport's `virtual://` scheme uses it): `start_virtual_module(url)` starts
`python -m harness.virtual --handshake <url>` and waits for READY with the tty path; the harness opens that
path like a device, then `go()` lets the module boot. The order matters: pyserial's open() flushes the input
buffer, so RDY written before the port was open would be lost. `stop()` ends the process and waits for it:
STOP, then terminate, then kill, by pid, each after a deadline.
Child side: `serve(url, has_handshake=...)` runs the module's event loop until told to stop.

The handshake uses the child's stdin and stdout, never the pty:
  child  -> parent  READY <tty path>\\n   both pty ends are raw and the module listens
  parent -> child   GO\\n                boot now: RDY, then attach
  parent -> child   STOP\\n or EOF        exit. EOF is also what the child reads when the parent dies, so no
                                        module outlives its harness; it also exits when its parent pid
                                        changes (a forked copy of the parent may hold the pipe open).
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from harness.errors import VirtualModuleError
from harness.virtual.event_loop import EventLoop
from harness.virtual.module import VirtualModule
from harness.virtual.options import parse_virtual_url
from harness.virtual.pty_port import PtyPort

READY, GO, STOP = "READY", "GO", "STOP"
# Python starts in 0.1-0.5 s on this machine; the deadline is for a machine under heavy load.
DEFAULT_START_TIMEOUT_S = 10.0
STOP_GRACE_S = 2.0
PARENT_CHECK_S = 1.0
STDERR_TAIL_LINES = 5


class VirtualModuleProcess:
    """A started virtual module: its pid and tty path; `go()` once the port is open, `stop()` at the end."""

    def __init__(
        self, *, url: str, popen: subprocess.Popen[bytes], tty_path: str, stderr_file: IO[bytes]
    ) -> None:
        self.url = url
        self.tty_path = tty_path
        self._popen = popen
        self._stderr_file = stderr_file

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def is_running(self) -> bool:
        return self._popen.poll() is None

    def go(self) -> None:
        self._send(GO)

    def stop(self, *, grace_s: float = STOP_GRACE_S) -> int:
        """End the module and wait for it; the exit status (negative: the signal that ended it)."""
        try:
            try:
                if self.is_running:
                    self._send(STOP)
                if self._popen.stdin is not None:
                    self._popen.stdin.close()
            except (OSError, VirtualModuleError):
                pass  # the module already went away: it cannot read STOP, waiting is all that is left
            for escalate in (self._popen.terminate, self._popen.kill):
                try:
                    return self._popen.wait(grace_s)
                except subprocess.TimeoutExpired:
                    escalate()
            return self._popen.wait()
        finally:
            self._stderr_file.close()

    def stderr_tail(self) -> str:
        """The last lines the module wrote to stderr (a traceback when it crashed), joined by ' | '."""
        if self._stderr_file.closed:
            return ""
        self._stderr_file.seek(0)
        lines = self._stderr_file.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-STDERR_TAIL_LINES:])

    def _send(self, word: str) -> None:
        if self._popen.stdin is None or self._popen.stdin.closed:
            raise VirtualModuleError(f"{self.url}: the control pipe of pid {self.pid} is closed")
        self._popen.stdin.write(f"{word}\n".encode())
        self._popen.stdin.flush()


def start_virtual_module(
    url: str, *, start_timeout_s: float = DEFAULT_START_TIMEOUT_S
) -> VirtualModuleProcess:
    """Start the module of `url` and wait until it is ready to be opened; UrlError for a bad URL."""
    parse_virtual_url(url)  # a bad URL is the user's error: say so before any process starts
    # open for the module's lifetime (its traceback, should it crash); VirtualModuleProcess.stop() closes it
    stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
    popen = subprocess.Popen(
        [sys.executable, "-m", "harness.virtual", "--handshake", url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        close_fds=True,
        start_new_session=True,  # a terminal Ctrl-C hits the harness only; the module then reads EOF
        env=_child_environment(),
    )
    assert popen.stdout is not None
    try:
        line = _read_line(popen.stdout.fileno(), time.monotonic() + start_timeout_s)
        word, _, tty_path = line.partition(" ")
        if word != READY or not tty_path:
            raise VirtualModuleError(f"expected '{READY} <tty path>', got {line!r}")
    except VirtualModuleError as exc:
        failed = VirtualModuleProcess(url=url, popen=popen, tty_path="", stderr_file=stderr_file)
        tail = failed.stderr_tail()
        failed.stop()
        raise VirtualModuleError(f"{url}: the virtual module did not start: {exc}; stderr: {tail}") from None
    finally:
        popen.stdout.close()
    return VirtualModuleProcess(url=url, popen=popen, tty_path=tty_path, stderr_file=stderr_file)


def serve(url: str, *, has_handshake: bool) -> int:
    """The module process: run until STOP, end of input or a lost parent (handshake), or a signal."""
    options = parse_virtual_url(url)
    loop = EventLoop()
    port = PtyPort(loop)
    module = VirtualModule(options=options, loop=loop, write=port.write)
    port.on_input = module.front.feed
    if has_handshake:
        _ControlChannel(loop, on_go=module.boot, on_stop=loop.stop)
        _watch_parent(loop, os.getppid())
        _announce(f"{READY} {port.tty_path}")
    else:
        _announce(port.tty_path)
        module.boot()
    try:
        loop.run()
    finally:
        module.close()
        port.close()
        loop.close()
    return 0


def _read_line(fd: int, deadline_s: float) -> str:
    received = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in received:
            remaining_s = deadline_s - time.monotonic()
            if remaining_s <= 0:
                raise VirtualModuleError(f"no {READY} line in time (got {received!r})")
            if selector.select(remaining_s):
                chunk = os.read(fd, 1024)
                if not chunk:
                    raise VirtualModuleError(f"the process ended before {READY} (got {received!r})")
                received += chunk
    return received.split(b"\n", 1)[0].decode(errors="replace").strip()


def _child_environment() -> dict[str, str]:
    """The parent's environment with this checkout first on PYTHONPATH: the child imports the same harness."""
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (root, environment.get("PYTHONPATH")) if p)
    return environment


def _announce(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _ControlChannel:
    """GO and STOP lines on stdin; end of file counts as STOP."""

    def __init__(self, loop: EventLoop, *, on_go: Callable[[], None], on_stop: Callable[[], None]) -> None:
        self._loop = loop
        self._on_go = on_go
        self._on_stop = on_stop
        self._received = b""
        self._has_gone = False
        self._fd = sys.stdin.fileno()
        loop.add_reader(self._fd, self._read)

    def _read(self) -> None:
        chunk = os.read(self._fd, 1024)
        if not chunk:
            self._loop.remove_reader(self._fd)
            self._on_stop()
            return
        self._received += chunk
        while b"\n" in self._received:
            line, self._received = self._received.split(b"\n", 1)
            word = line.decode(errors="replace").strip()
            if word == GO and not self._has_gone:
                self._has_gone = True
                self._on_go()
            elif word == STOP:
                self._on_stop()


def _watch_parent(loop: EventLoop, parent_pid: int) -> None:
    def check() -> None:
        if os.getppid() != parent_pid:
            loop.stop()
        else:
            loop.call_later(PARENT_CHECK_S, check)

    loop.call_later(PARENT_CHECK_S, check)
