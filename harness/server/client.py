"""server layer: `ServerClient`, the harness's end of the control channel to a `miot server`
(harness.server.control documents the protocol).

It is a ServerControl like LocalServer, so a traffic engine does not care where the server runs. Requests
go one at a time (a lock), each with a deadline; the token is sent once in the hello and kept nowhere
that a repr, log or error message shows.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pandas as pd

from harness.server.control import (
    MAX_REPLY_LINE_BYTES,
    Blob,
    Op,
    bytes_frame,
    decode_line,
    encode_line,
    read_line,
)
from harness.server.session import ServerError, SessionCounters, SessionInfo, SessionKind, SessionParams

DEFAULT_TIMEOUT_S = 30.0  # opening a captured session waits for the capture; closing, for its drain


class ServerClient:
    """`with ServerClient(host, port, token) as server: server.open_session(SessionKind.UDP_SINK)`."""

    def __init__(self, host: str, port: int, token: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self._where = f"miot server at {host}:{port}"
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout_s)
        except OSError as error:
            raise ServerError(f"cannot reach the {self._where}: {error}") from None
        self._stream = self._sock.makefile("rb")
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        try:
            self._request({"op": Op.HELLO.value, "token": token})
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:  # never the token
        return f"ServerClient({self._where})"

    def open_session(self, kind: SessionKind, params: SessionParams | None = None) -> SessionInfo:
        params_json = (params or SessionParams()).to_json()
        result = self._call(Op.OPEN_SESSION, kind=kind.value, params=params_json)
        return SessionInfo.from_json(result["session"])

    def close_session(self, session_id: str) -> SessionCounters:
        return SessionCounters.from_json(self._call(Op.CLOSE_SESSION, session_id=session_id)["counters"])

    def counters(self, session_id: str) -> SessionCounters:
        return SessionCounters.from_json(self._call(Op.COUNTERS, session_id=session_id)["counters"])

    def discard_session(self, session_id: str) -> None:
        self._call(Op.DISCARD_SESSION, session_id=session_id)

    def samples(self, session_id: str) -> pd.DataFrame:
        return bytes_frame(self._fetch(session_id, Blob.SAMPLES))

    def fetch_capture(self, session_id: str, path: Path) -> Path | None:
        """The session's pcap (the session must be closed) written to `path`; None when not captured."""
        partial = path.with_name(path.name + ".part")
        written_bytes = 0
        with partial.open("wb") as pcap:
            for chunk, _ in self._chunks(session_id, Blob.CAPTURE):
                written_bytes += pcap.write(chunk)
        if written_bytes == 0:  # even an empty capture has a pcap header
            partial.unlink()
            return None
        partial.replace(path)
        return path

    def iperf3_report(self, session_id: str) -> dict[str, Any] | None:
        data = self._fetch(session_id, Blob.IPERF3)
        return json.loads(data) if data else None

    def close(self) -> None:
        """End the connection; the server discards this client's sessions."""
        self._stream.close()
        self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- inside -----------------------------------------------------------------------------------------

    def _fetch(self, session_id: str, what: Blob) -> bytes:
        return b"".join(chunk for chunk, _ in self._chunks(session_id, what))

    def _chunks(self, session_id: str, what: Blob) -> Iterator[tuple[bytes, int]]:
        offset = 0
        while True:
            result = self._call(Op.FETCH, session_id=session_id, what=what.value, offset=offset)
            chunk = base64.b64decode(result["data"])
            yield chunk, int(result["total_bytes"])
            offset += len(chunk)
            if result["is_eof"] or not chunk:
                return

    def _call(self, op: Op, **arguments: Any) -> dict[str, Any]:
        return self._request({"op": op.value, **arguments})

    def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            request_id = next(self._ids)
            try:
                self._sock.sendall(encode_line({"id": request_id, **message}))
                line = read_line(self._stream, limit_bytes=MAX_REPLY_LINE_BYTES)
            except OSError as error:
                raise ServerError(f"{message['op']}: the {self._where} did not answer: {error}") from None
        if line is None:
            raise ServerError(f"{message['op']}: the {self._where} closed the connection")
        reply = decode_line(line)
        if not reply.get("ok"):
            raise ServerError(f"{message['op']}: the {self._where} said: {reply.get('error')}")
        result = reply.get("result")
        return result if isinstance(result, dict) else {}


def token_from_environment(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The token in environment variable `name` (of os.environ unless `environ` is given); ServerError naming
    the variable (never a value)."""
    token = (os.environ if environ is None else environ).get(name, "")
    if not token:
        raise ServerError(f"the test server token variable {name} is not set (or empty)")
    return token
