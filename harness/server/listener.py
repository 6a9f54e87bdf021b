"""server layer: the control channel's listening end, `LocalServer` behind the protocol of
harness.server.control (which documents the messages and limits).

One thread accepts; one thread per connection (at most MAX_CONNECTIONS) reads its requests and answers them
in order. A connection is an owner of sessions: when it ends, they are discarded. The token is held only
here and in the comparison; it is never logged, printed or echoed.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import itertools
import logging
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from harness.errors import HarnessError
from harness.server.control import (
    AUTH_TIMEOUT_S,
    CHUNK_BYTES,
    MAX_BAD_REQUESTS,
    MAX_CONNECTIONS,
    MAX_LINE_BYTES,
    REFUSED,
    Blob,
    LineTooLong,
    Op,
    decode_line,
    encode_line,
    frame_bytes,
    is_token_valid,
    read_line,
)
from harness.server.local import LocalServer
from harness.server.session import ServerError, SessionKind, SessionParams

_log = logging.getLogger(__name__)
_ACCEPT_POLL_S = 0.2
_JOIN_TIMEOUT_S = 5.0


class ControlListener:
    """`with ControlListener(server, host=..., port=..., token=...) as listener: listener.address`."""

    def __init__(self, server: LocalServer, *, host: str, port: int, token: str) -> None:
        if not token:
            raise ServerError("the control channel needs a non-empty token")
        self._server = server
        self._token = token
        self._bind = (host, port)
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def __repr__(self) -> str:  # never the token
        return f"ControlListener(bind={self._bind!r})"

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise ServerError("the control listener is not running")
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(self._bind)
            sock.listen(MAX_CONNECTIONS)
        except OSError as error:
            sock.close()
            raise ServerError(f"cannot listen on {self._bind[0]}:{self._bind[1]}: {error}") from None
        sock.settimeout(_ACCEPT_POLL_S)
        self._sock = sock
        self._spawn(self._accept, "control-accept")

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            for connection in self._connections:
                _shut(connection)  # wakes its reader, which then discards its sessions
        for thread in list(self._threads):
            thread.join(timeout=_JOIN_TIMEOUT_S)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                connection, peer = self._sock.accept()
            except TimeoutError:
                continue
            with self._lock:
                is_full = len(self._connections) >= MAX_CONNECTIONS
                if not is_full:
                    self._connections.add(connection)
            if is_full:
                _refuse(connection, f"busy: at most {MAX_CONNECTIONS} control connections")
                continue
            owner = f"control-{next(self._numbers)}"
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            self._spawn(functools.partial(self._serve, connection, owner), owner)
            _log.info("%s: connection from %s:%s", owner, *peer[:2])

    def _serve(self, connection: socket.socket, owner: str) -> None:
        try:
            with connection, connection.makefile("rb") as stream:
                connection.settimeout(AUTH_TIMEOUT_S)
                if not self._is_authenticated(stream):
                    _refuse(connection, REFUSED)
                    return
                connection.settimeout(None)
                connection.sendall(encode_line({"id": 0, "ok": True, "result": {}}))
                _Conversation(self._server, owner, connection).run(stream)
        except OSError:
            pass  # the peer went away or the listener is stopping; its sessions go below
        finally:
            with self._lock:
                self._connections.discard(connection)
            self._server.close_owner(owner)

    def _is_authenticated(self, stream: Any) -> bool:
        try:
            line = read_line(stream, limit_bytes=MAX_LINE_BYTES)
            request = decode_line(line) if line is not None else {}
        except (ServerError, OSError):  # junk, an oversized line, or no hello before the deadline
            return False
        return request.get("op") == Op.HELLO and is_token_valid(request.get("token"), self._token)


class _Conversation:
    """The requests of one authenticated connection, answered in order."""

    def __init__(self, server: LocalServer, owner: str, connection: socket.socket) -> None:
        self._server = server
        self._owner = owner
        self._connection = connection
        self._blob: tuple[str, str, bytes] | None = None  # session, what, bytes: one blob at a time
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            Op.OPEN_SESSION: self._open,
            Op.CLOSE_SESSION: lambda r: {"counters": self._call(LocalServer.close_session, r).to_json()},
            Op.COUNTERS: lambda r: {"counters": self._call(LocalServer.counters, r).to_json()},
            Op.DISCARD_SESSION: lambda r: self._call(LocalServer.discard_session, r) or {},
            Op.FETCH: self._fetch,
        }

    def run(self, stream: Any) -> None:
        bad_in_a_row = 0
        while bad_in_a_row < MAX_BAD_REQUESTS:
            try:
                line = read_line(stream, limit_bytes=MAX_LINE_BYTES)
            except LineTooLong as error:
                self._send({"id": None, "ok": False, "error": str(error)})
                return
            if line is None:
                return
            is_ok = self._answer(line)
            bad_in_a_row = 0 if is_ok else bad_in_a_row + 1
        self._send({"id": None, "ok": False, "error": f"{MAX_BAD_REQUESTS} bad requests in a row"})

    def _answer(self, line: bytes) -> bool:
        request_id: object = None
        try:
            request = decode_line(line)
            request_id = request.get("id")
            handler = self._handlers.get(str(request.get("op")))
            if handler is None:
                raise ServerError(f"unknown op {str(request.get('op'))[:40]!r}")
            result = handler(request)
        except HarnessError as error:  # a refused request, or a session that could not start (capture)
            self._send({"id": request_id, "ok": False, "error": str(error)})
            return False
        except (KeyError, TypeError, ValueError) as error:
            self._send({"id": request_id, "ok": False, "error": f"bad request: {error!r}"[:200]})
            return False
        except Exception as error:  # a server bug: the client hears of it, the log has the traceback
            _log.exception("%s: request failed", self._owner)
            self._send({"id": request_id, "ok": False, "error": f"internal error: {error!r}"[:200]})
            return False
        self._send({"id": request_id, "ok": True, "result": result})
        return True

    def _send(self, message: dict[str, Any]) -> None:
        self._connection.sendall(encode_line(message))

    def _call(self, method: Callable[..., Any], request: dict[str, Any]) -> Any:
        return method(self._server, str(request["session_id"]), owner=self._owner)

    def _open(self, request: dict[str, Any]) -> dict[str, Any]:
        params = request.get("params") or {}
        if not isinstance(params, dict):
            raise ServerError("params must be a JSON object")
        kind = SessionKind(str(request["kind"]))
        info = self._server.open_session(kind, SessionParams.from_json(params), owner=self._owner)
        return {"session": info.to_json()}

    def _fetch(self, request: dict[str, Any]) -> dict[str, Any]:
        session_id, what, offset = str(request["session_id"]), Blob(request["what"]), int(request["offset"])
        if offset < 0:
            raise ServerError(f"offset must be >= 0, got {offset}")
        if what is Blob.CAPTURE:
            chunk, total_bytes = self._capture_chunk(session_id, offset)
        else:
            if self._blob is None or self._blob[:2] != (session_id, what) or offset == 0:
                self._blob = (session_id, what, self._blob_bytes(session_id, what))
            chunk, total_bytes = self._blob[2][offset : offset + CHUNK_BYTES], len(self._blob[2])
        is_eof = offset + len(chunk) >= total_bytes
        if is_eof:
            self._blob = None
        encoded = base64.b64encode(chunk).decode()
        return {"data": encoded, "offset": offset, "total_bytes": total_bytes, "is_eof": is_eof}

    def _capture_chunk(self, session_id: str, offset: int) -> tuple[bytes, int]:
        """A pcap is read from its file chunk by chunk, never held whole."""
        if self._server.counters(session_id, owner=self._owner).is_open:
            raise ServerError("a capture is fetched once its session is closed")
        path = self._server.capture_path(session_id, owner=self._owner)
        if path is None:
            return b"", 0
        with path.open("rb") as pcap:
            pcap.seek(offset)
            return pcap.read(CHUNK_BYTES), path.stat().st_size

    def _blob_bytes(self, session_id: str, what: Blob) -> bytes:
        if what is Blob.SAMPLES:
            return frame_bytes(self._server.samples(session_id, owner=self._owner))
        report = self._server.iperf3_report(session_id, owner=self._owner)
        return b"" if report is None else encode_line(report)


def _refuse(connection: socket.socket, reason: str) -> None:
    try:
        connection.sendall(encode_line({"id": None, "ok": False, "error": reason}))
    except OSError:
        pass
    finally:
        _shut(connection)
        connection.close()


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the peer
        connection.shutdown(socket.SHUT_RDWR)
