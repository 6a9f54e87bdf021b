"""virtual layer: a virtual module as its own process behind a pseudo-terminal, its handshake and control.

Parent side (the transport's `virtual://` scheme, `miot virtual`): `start_virtual_module(url)` starts
`python -m harness.virtual --handshake <url>` and waits for READY with the tty path (and the TCP ports
when asked for); the harness opens that path like a device, then `go()` lets the module boot. The order
matters: pyserial's open() flushes the input buffer, so RDY written before the port was open would be lost.
`control(request)` sends a request to the module's `handle_control` and returns its reply: from any thread,
one request at a time, each with a deadline. `stop()` ends the process and waits for it: STOP, then
terminate, then kill, by pid, each after a deadline.
Child side: `serve(url, ...)` runs the module's event loop until told to stop.

The lines on the child's stdin/stdout are control_channel's. EOF on stdin is also what the child reads when
the parent dies, so no module outlives its harness; it also exits when its parent pid changes (a forked copy
of the parent may hold the pipe open).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.errors import VirtualModuleError
from harness.virtual.control_channel import (
    GO,
    READY,
    STOP,
    ControlAnswer,
    ControlChannel,
    ControlHandlers,
    LineReader,
    ReadyLine,
    format_request,
)
from harness.virtual.event_loop import EventLoop
from harness.virtual.fault_injector import FaultInjector
from harness.virtual.module import VirtualModule
from harness.virtual.network_port import NetworkPort, SerialLine, WireProtocol
from harness.virtual.option_reader import shown_url
from harness.virtual.options import parse_virtual_url
from harness.virtual.uart import Uart
from harness.virtual.usb_port import UsbPort

# Python starts in 0.1-0.5 s on this machine; the deadline is for a machine under heavy load.
DEFAULT_START_TIMEOUT_S = 10.0
# A request takes microseconds in the module; the deadline is for a loaded machine.
DEFAULT_CONTROL_TIMEOUT_S = 10.0
STOP_GRACE_S = 2.0
# The port of a re-enumerating module is back within seconds (fault port_vanish, reappear_s default 2 s).
DEFAULT_FIND_PORT_TIMEOUT_S = 10.0
FIND_PORT_POLL_S = 0.02
PARENT_CHECK_S = 1.0
STDERR_TAIL_LINES = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpPorts:
    """TCP ports of 127.0.0.1 to serve the module on, besides its pty (0: any free port; None: none)."""

    socket_port: int | None = None
    rfc2217_port: int | None = None


class VirtualModuleProcess:
    """A started virtual module: pid, tty path, TCP URLs; `go()` once the port is open, `control()`,
    `stop()` at the end."""

    def __init__(
        self,
        *,
        url: str,
        popen: subprocess.Popen[bytes],
        ready: ReadyLine,
        replies: LineReader,
        stderr_file: IO[bytes],
    ) -> None:
        self.url = url
        self.tty_path = ready.tty_path
        self.socket_url = None if ready.socket_port is None else WireProtocol.RAW.url(ready.socket_port)
        self.rfc2217_url = (
            None if ready.rfc2217_port is None else WireProtocol.RFC2217.url(ready.rfc2217_port)
        )
        self._popen = popen
        self._replies = replies
        self._stderr_file = stderr_file
        self._write_lock = threading.Lock()
        self._control_lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._plug_count = 1  # the port announced in READY is the module's first

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def is_running(self) -> bool:
        return self._popen.poll() is None

    def go(self) -> None:
        try:
            self._send(GO)
        except OSError:
            raise self._ended(GO) from None

    def control(
        self, request: Mapping[str, object], *, timeout_s: float = DEFAULT_CONTROL_TIMEOUT_S
    ) -> dict[str, object]:
        """The module's reply to `request` (e.g. {"op": "status"}); VirtualModuleError when the module
        refuses it, does not answer within `timeout_s`, or has ended. TypeError for a request that is not
        JSON."""
        format_request(0, request)  # a request that cannot be written fails here, before any wait
        # the op names the request in messages; other fields may hold a secret (a SIM PIN)
        what = f"control op {request.get('op')!r}"
        deadline_s = time.monotonic() + timeout_s
        if not self._control_lock.acquire(timeout=timeout_s):
            raise VirtualModuleError(f"{self.url}: {what} waited {timeout_s} s for its turn")
        try:
            number = next(self._numbers)
            try:
                self._send(format_request(number, request))
            except OSError:
                raise self._ended(what) from None  # a broken pipe says less than the exit status
            answer = self._answer_to(number, deadline_s, what=what)
        finally:
            self._control_lock.release()
        if answer.reply is None:
            raise VirtualModuleError(f"{self.url}: {what} refused: {answer.failure}")
        return answer.reply

    def find_port(self, *, timeout_s: float = DEFAULT_FIND_PORT_TIMEOUT_S) -> str:
        """The module's new tty path once its port has come back from vanishing (the fault port_vanish: a
        USB re-enumeration); `tty_path` follows it. Waits for a port newer than the one last known, since
        the new pty may reuse the old path. A lab finds such a module again by its stable udev name
        (/dev/serial/by-id/usb-<vendor>_<model>_<serial>-if<NN>, or a udev rule's symlink) and reopens that
        path; a virtual module has no udev, so its status says where it is now. VirtualModuleError when no
        new port appears within `timeout_s`."""
        deadline_s = time.monotonic() + timeout_s
        while True:
            status = self.control({"op": "status"}, timeout_s=max(deadline_s - time.monotonic(), 0.1))
            path, plug_count = status.get("tty_path"), status.get("port_plug_count")
            if isinstance(path, str) and isinstance(plug_count, int) and plug_count > self._plug_count:
                self.tty_path, self._plug_count = path, plug_count
                return path
            if time.monotonic() >= deadline_s:
                raise VirtualModuleError(
                    f"{self.url}: no new port within {timeout_s:g} s (now: {path or 'none'}, pid {self.pid})"
                )
            time.sleep(FIND_PORT_POLL_S)

    def wait(self, timeout_s: float | None = None) -> int | None:
        """The exit status once the process has ended, or None when it still runs after `timeout_s`."""
        try:
            return self._popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, *, grace_s: float = STOP_GRACE_S) -> int:
        """End the module and wait for it; the exit status (negative: the signal that ended it)."""
        try:
            try:
                if self.is_running:
                    self._send(STOP)
                with self._write_lock:
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
            # the process has ended: a control() still reading sees end of file and lets go of the lock
            with self._control_lock:
                self._replies.close()
            self._stderr_file.close()

    def stderr_tail(self) -> str:
        """The last lines the module wrote to stderr (a traceback when it crashed), joined by ' | '."""
        if self._stderr_file.closed:
            return ""
        self._stderr_file.seek(0)
        lines = self._stderr_file.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-STDERR_TAIL_LINES:])

    def _answer_to(self, number: int, deadline_s: float, *, what: str) -> ControlAnswer:
        while True:
            try:
                line = self._replies.read_line(deadline_s)
            except EOFError:
                raise self._ended(what) from None
            except TimeoutError:
                raise VirtualModuleError(
                    f"{self.url}: no answer to {what} in time (pid {self.pid})"
                ) from None
            try:
                answer = ControlAnswer.parse(line)
            except ValueError as exc:
                raise VirtualModuleError(f"{self.url}: unexpected answer to {what}: {exc}") from None
            if answer.number == number:
                return answer
            # otherwise: the late answer to a request that timed out earlier

    def _ended(self, what: str) -> VirtualModuleError:
        status = self.wait(STOP_GRACE_S)
        return VirtualModuleError(
            f"{self.url}: the module process ended (exit status {status}) before it answered {what}; "
            f"stderr: {self.stderr_tail()}"
        )

    def _send(self, line: str) -> None:
        """VirtualModuleError once stop() has closed the pipe; OSError when the process is gone."""
        with self._write_lock:
            stdin = self._popen.stdin
            if stdin is None or stdin.closed:
                raise VirtualModuleError(f"{self.url}: the control pipe of pid {self.pid} is closed")
            stdin.write(f"{line}\n".encode())
            stdin.flush()


def start_virtual_module(
    url: str,
    *,
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
    tcp_ports: TcpPorts | None = None,
) -> VirtualModuleProcess:
    """Start the module of `url` and wait until it is ready to be opened; UrlError for a bad URL."""
    parse_virtual_url(url)  # a bad URL is the user's error: say so before any process starts
    ports = tcp_ports or TcpPorts()
    port_args = [
        *(["--tcp", str(ports.socket_port)] if ports.socket_port is not None else []),
        *(["--rfc2217", str(ports.rfc2217_port)] if ports.rfc2217_port is not None else []),
    ]
    # open for the module's lifetime (its traceback, should it crash); VirtualModuleProcess.stop() closes it
    stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
    popen = subprocess.Popen(
        [sys.executable, "-m", "harness.virtual", "--handshake", *port_args, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        close_fds=True,
        start_new_session=True,  # a terminal Ctrl-C hits the harness only; the module then reads EOF
        env=child_environment(),
    )
    assert popen.stdout is not None
    reader = LineReader(popen.stdout)
    try:
        line = reader.read_line(time.monotonic() + start_timeout_s)
        ready = ReadyLine.parse(line)
    except (EOFError, TimeoutError, ValueError) as exc:
        reason = {
            EOFError: f"the process ended before {READY}",
            TimeoutError: f"no {READY} line within {start_timeout_s} s",
        }.get(type(exc), str(exc))
        failed = VirtualModuleProcess(
            url=url, popen=popen, ready=ReadyLine(tty_path=""), replies=reader, stderr_file=stderr_file
        )
        tail = failed.stderr_tail()
        failed.stop()
        message = f"{shown_url(url)}: the virtual module did not start: {reason}; stderr: {tail}"
        raise VirtualModuleError(message) from None
    return VirtualModuleProcess(url=url, popen=popen, ready=ready, replies=reader, stderr_file=stderr_file)


def serve(url: str, *, has_handshake: bool, tcp_ports: TcpPorts | None = None) -> int:
    """The module process: run until STOP, end of input or a lost parent (handshake), or a signal.
    OSError when a TCP port cannot be listened on."""
    options = parse_virtual_url(url)
    loop = EventLoop()
    usb_port = UsbPort(loop)
    tty_path = usb_port.tty_path
    assert tty_path is not None  # a new port is present until a fault makes it vanish
    line = SerialLine(usb_port)
    uart = Uart(loop=loop, write=line.write, seed=options.seed)
    module = VirtualModule(options=options, loop=loop, write=uart.write)
    line.on_input = uart.receive
    uart.feed = module.front.feed
    faults = FaultInjector(module=module, uart=uart, port=usb_port)

    def boot() -> None:
        module.boot()
        faults.apply_from_boot(options.faults)

    network_ports: list[NetworkPort] = []
    try:
        ports = tcp_ports or TcpPorts()
        for protocol, number in (
            (WireProtocol.RAW, ports.socket_port),
            (WireProtocol.RFC2217, ports.rfc2217_port),
        ):
            if number is not None:
                network_ports.append(NetworkPort(loop, line, protocol=protocol, port_number=number))
        by_protocol = {port.protocol: port.port_number for port in network_ports}
        ready = ReadyLine(
            tty_path=tty_path,
            socket_port=by_protocol.get(WireProtocol.RAW),
            rfc2217_port=by_protocol.get(WireProtocol.RFC2217),
        )
        if has_handshake:
            handlers = ControlHandlers(on_go=boot, on_stop=loop.stop, on_request=module.handle_control)
            ControlChannel(loop, sys.stdin.fileno(), handlers=handlers, write_line=_announce)
            _watch_parent(loop, os.getppid())
            _announce(ready.format())
        else:
            _announce(tty_path)
            for port in network_ports:
                _announce(port.url)
            boot()
        loop.run()
    finally:
        module.close()
        line.close()
        for port in network_ports:
            port.close()
        usb_port.close()
        loop.close()
    return 0


def child_environment() -> dict[str, str]:
    """The parent's environment with this checkout first on PYTHONPATH: the child imports the same harness."""
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (root, environment.get("PYTHONPATH")) if p)
    return environment


def _announce(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _watch_parent(loop: EventLoop, parent_pid: int) -> None:
    def check() -> None:
        if os.getppid() != parent_pid:
            loop.stop()
        else:
            loop.call_later(PARENT_CHECK_S, check)

    loop.call_later(PARENT_CHECK_S, check)
