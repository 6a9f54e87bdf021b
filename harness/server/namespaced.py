"""server layer: a ServerControl whose every call runs inside one network namespace (harness.netns).

A LocalServer's sessions open their sockets, worker threads, iperf3 servers and tcpdump captures in the
network namespace of the thread that opens them. A test server that belongs in a namespace (the virtual
rig's network namespace behind a module's data interface, a veth pair's far end) is therefore built and
driven from there; this wrapper makes that the caller's one decision instead of one per call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from harness import netns
from harness.server.local import LocalServer
from harness.server.session import SessionCounters, SessionInfo, SessionKind, SessionParams

T = TypeVar("T")


class NamespacedServer:
    """`NamespacedServer("miot-n3", host="198.19.3.2")`: a LocalServer in namespace miot-n3 (its capture
    interface, by default the one holding `host`, is looked up there too)."""

    def __init__(self, namespace: str, **options: Any) -> None:
        self.namespace = namespace
        self.local: LocalServer = self._in(lambda: LocalServer(**options))

    def _in(self, call: Callable[[], T]) -> T:
        return netns.call_in(self.namespace, call)

    def open_session(self, kind: SessionKind, params: SessionParams | None = None) -> SessionInfo:
        return self._in(lambda: self.local.open_session(kind, params))

    def close_session(self, session_id: str) -> SessionCounters:
        return self._in(lambda: self.local.close_session(session_id))

    def counters(self, session_id: str) -> SessionCounters:
        return self.local.counters(session_id)

    def samples(self, session_id: str) -> pd.DataFrame:
        return self.local.samples(session_id)

    def fetch_capture(self, session_id: str, path: Path) -> Path | None:
        return self.local.fetch_capture(session_id, path)

    def iperf3_report(self, session_id: str) -> dict[str, Any] | None:
        return self.local.iperf3_report(session_id)

    def close(self) -> None:
        self._in(self.local.close)
