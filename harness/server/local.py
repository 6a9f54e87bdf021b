"""server layer: the test server itself, its sessions in this process (DESIGN "server").

`LocalServer` opens, serves and closes sessions of every kind, each on its own port, many at once. The
plugin uses it directly for a local rig (in-process: the sessions are threads and iperf3 children of the
test process, nothing to start or to authenticate); `miot server` puts the same object behind the
authenticated control channel (harness.server.listener), where each control connection is an `owner`.

Bounds (also listed in harness.server.control): an owner has at most MAX_OPEN_SESSIONS open at once and
keeps at most MAX_KEPT_SESSIONS in all; the oldest closed ones are forgotten first, their pcaps deleted.
Sample rows of all sessions come from one RowBudget. A closed session has released its sockets and its
iperf3 process; its counters, samples, report and pcap stay until it is forgotten.

Captures: a session opened with `is_captured` is captured at the server with harness.capture.capture
(point "server", the session's BPF) from before open_session returns until after its close drained.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from harness.capture import CaptureRecord, CaptureSpec, capture, capture_problem
from harness.server.addresses import bind_problem, interface_of
from harness.server.iperf import Iperf3Session
from harness.server.reflector import UdpReflector
from harness.server.samples import DEFAULT_BUDGET_ROWS, RowBudget, SampleTable
from harness.server.session import (
    ServerError,
    SessionCounters,
    SessionInfo,
    SessionKind,
    SessionParams,
)
from harness.server.sink import TcpSink, UdpSink
from harness.server.source import TcpSource, UdpSource

MAX_OPEN_SESSIONS = 32
MAX_KEPT_SESSIONS = 64
LOCAL_OWNER = "local"


class _Runner(Protocol):
    port: int
    knock: bytes
    samples: SampleTable

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def counters(self) -> SessionCounters: ...


_RUNNERS: dict[SessionKind, Callable[..., _Runner]] = {
    SessionKind.UDP_REFLECTOR: UdpReflector,
    SessionKind.UDP_SINK: UdpSink,
    SessionKind.TCP_SINK: TcpSink,
    SessionKind.UDP_SOURCE: UdpSource,
    SessionKind.TCP_SOURCE: TcpSource,
    SessionKind.IPERF3: Iperf3Session,
}


@dataclass(slots=True)
class _Entry:
    info: SessionInfo
    owner: str
    runner: _Runner
    captures: contextlib.ExitStack
    capture: CaptureRecord | None
    final: SessionCounters | None = None
    closing: threading.Lock = field(default_factory=threading.Lock)


class LocalServer:
    """Sessions on `host`; pcaps in `capture_dir` (a temporary directory by default) captured on
    `capture_interface` (default: the interface holding `host`), `capture_snaplen_bytes` of each packet
    (None: whole packets)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        capture_dir: Path | None = None,
        capture_interface: str | None = None,
        capture_snaplen_bytes: int | None = None,
        is_public_allowed: bool = False,
        budget_rows: int = DEFAULT_BUDGET_ROWS,
    ) -> None:
        if (problem := bind_problem(host, is_public_allowed=is_public_allowed)) is not None:
            raise ServerError(f"the test server may not bind {host}: {problem}")
        self.host = host
        self._own_dir = None if capture_dir else tempfile.TemporaryDirectory(prefix="miot-server-")
        self.capture_dir = capture_dir or Path(self._own_dir.name if self._own_dir else ".")
        self.capture_interface = capture_interface or interface_of(host)
        self.capture_snaplen_bytes = capture_snaplen_bytes
        self._budget = RowBudget(budget_rows)
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    # --- ServerControl ------------------------------------------------------------------------------------

    def open_session(
        self, kind: SessionKind, params: SessionParams | None = None, *, owner: str = LOCAL_OWNER
    ) -> SessionInfo:
        params = params or SessionParams()
        if problems := params.problems(kind):
            raise ServerError(f"{kind.value}: {'; '.join(problems)}")
        self._make_room(owner)
        runner = _RUNNERS[kind](host=self.host, params=params, budget=self._budget)
        runner.start()
        session_id = secrets.token_hex(8)
        info = SessionInfo(
            session_id=session_id,
            kind=kind,
            host=self.host,
            port=runner.port,
            params=params,
            knock=runner.knock.hex(),
        )
        captures = contextlib.ExitStack()
        try:
            info, record = self._start_capture(info, captures)
        except BaseException:
            runner.stop()
            raise
        with self._lock:
            self._entries[session_id] = _Entry(
                info=info, owner=owner, runner=runner, captures=captures, capture=record
            )
        return info

    def close_session(self, session_id: str, *, owner: str = LOCAL_OWNER) -> SessionCounters:
        """Drain and stop the capture, stop the session, release its sockets; the final counters."""
        entry = self._entry(session_id, owner)
        with entry.closing:
            if entry.final is None:
                try:
                    entry.captures.close()
                finally:
                    entry.runner.stop()
                    dropped = entry.capture.dropped_packets if entry.capture else 0
                    entry.final = replace(
                        entry.runner.counters(), capture_dropped_packets=dropped, is_open=False
                    )
            return entry.final

    def counters(self, session_id: str, *, owner: str = LOCAL_OWNER) -> SessionCounters:
        """Counters so far; `is_open` until close_session (an iperf3 test may have ended before)."""
        entry = self._entry(session_id, owner)
        return entry.final or replace(entry.runner.counters(), is_open=True)

    def samples(self, session_id: str, *, owner: str = LOCAL_OWNER) -> pd.DataFrame:
        return self._entry(session_id, owner).runner.samples.frame()

    def capture_path(self, session_id: str, *, owner: str = LOCAL_OWNER) -> Path | None:
        """The session's pcap (complete once the session is closed), or None when it was not captured."""
        record = self._entry(session_id, owner).capture
        return None if record is None else record.path

    def fetch_capture(self, session_id: str, path: Path, *, owner: str = LOCAL_OWNER) -> Path | None:
        """Copy the session's pcap to `path`; None when it was not captured."""
        source = self.capture_path(session_id, owner=owner)
        if source is None:
            return None
        shutil.copyfile(source, path)
        return path

    def iperf3_report(self, session_id: str, *, owner: str = LOCAL_OWNER) -> dict[str, Any] | None:
        runner = self._entry(session_id, owner).runner
        return runner.report() if isinstance(runner, Iperf3Session) else None

    def discard_session(self, session_id: str, *, owner: str = LOCAL_OWNER) -> None:
        """Close the session if open and forget it: samples, report and pcap."""
        self.close_session(session_id, owner=owner)
        with self._lock:
            entry = self._entries.pop(session_id, None)
        if entry is not None:
            entry.runner.samples.release()
            if entry.capture is not None:
                entry.capture.path.unlink(missing_ok=True)

    def close_owner(self, owner: str) -> None:
        """Discard every session of one owner (its control connection ended)."""
        for session_id in self._session_ids(owner):
            self.discard_session(session_id, owner=owner)

    def close(self) -> None:
        """Discard every session; remove the temporary capture directory."""
        for owner in {entry.owner for entry in self._snapshot()}:
            self.close_owner(owner)
        if self._own_dir is not None:
            self._own_dir.cleanup()

    # --- inside -----------------------------------------------------------------------------------------

    def _start_capture(
        self, info: SessionInfo, captures: contextlib.ExitStack
    ) -> tuple[SessionInfo, CaptureRecord | None]:
        """Start the session's capture; its record (tcpdump's counters once closed) or the reason for none."""
        if not info.params.is_captured:
            return info, None
        reason = capture_problem()
        if reason is None and self.capture_interface is None:
            reason = f"no interface holds {self.host}; name one (miot server --capture-interface)"
        if reason is not None:
            return replace(info, capture_off_reason=reason), None
        assert self.capture_interface is not None
        path = self.capture_dir / f"capture-{info.session_id}.pcap"
        spec = CaptureSpec(
            point="server",
            interface=self.capture_interface,
            bpf=info.bpf,
            snaplen_bytes=self.capture_snaplen_bytes,
        )
        return info, captures.enter_context(capture(spec, path))

    def _make_room(self, owner: str) -> None:
        """Refuse past MAX_OPEN_SESSIONS open; forget the oldest closed ones past MAX_KEPT_SESSIONS."""
        entries = [entry for entry in self._snapshot() if entry.owner == owner]
        if sum(entry.final is None for entry in entries) >= MAX_OPEN_SESSIONS:
            raise ServerError(f"at most {MAX_OPEN_SESSIONS} sessions may be open at once; close one first")
        closed = [entry for entry in entries if entry.final is not None]
        for entry in closed[: max(0, len(entries) + 1 - MAX_KEPT_SESSIONS)]:
            self.discard_session(entry.info.session_id, owner=owner)

    def _entry(self, session_id: str, owner: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(session_id)
        if entry is None or entry.owner != owner:
            raise ServerError(f"no session {session_id!r} (closed sessions are kept until discarded)")
        return entry

    def _snapshot(self) -> list[_Entry]:
        with self._lock:
            return list(self._entries.values())

    def _session_ids(self, owner: str) -> list[str]:
        return [entry.info.session_id for entry in self._snapshot() if entry.owner == owner]
