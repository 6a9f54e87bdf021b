"""power layer: the Otii TCP server's JSON protocol (Qoitech Otii 3 desktop app with the Automation Toolbox).

Facts from Qoitech's otii-tcp-client (github.com/qoitech/otii-tcp-client-python, otii_tcp_client/
otii_connection.py, otii.py, arc.py, project.py, recording.py): one JSON object per line, lines end in
CRLF; the server greets a new connection with a `{"type": "information", ...}` line; a request is
`{"type": "request", "cmd": ..., "data": {...}, "trans_id": "<n>"}`, its answer `{"type": "response",
"trans_id": "<n>", "data": {...}}` or `{"type": "error", "trans_id": ..., "errorcode": ..., "data":
{"message": ...}}`; "information" and "progress" lines may come in between and are skipped. The server
listens on port 1905 unless told otherwise.

A request's data is never put in an error message: the login carries the password.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Mapping
from typing import Any

from harness.errors import HarnessError

DEFAULT_PORT = 1905
_SKIPPED = ("information", "progress")


class OtiiLink:
    """One connection to an Otii server at `where` ("host:port")."""

    def __init__(self, host: str, port: int, *, timeout_s: float) -> None:
        self.where, self._timeout_s = f"{host}:{port}", timeout_s
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout_s)
        except OSError as error:
            raise HarnessError(f"Otii {self.where}: cannot connect: {error}") from error
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pending = b""
        self._ids = itertools.count(1)
        greeting = self._next_message("the greeting", deadline_s=time.monotonic() + timeout_s)
        if greeting.get("type") != "information":
            raise HarnessError(f"Otii {self.where}: expected an information greeting, got {greeting!r:.80}")

    def request(
        self, cmd: str, data: Mapping[str, object] | None = None, *, timeout_s: float | None = None
    ) -> Any:
        """The answer's data; HarnessError naming the command when the server answers an error or nothing."""
        trans_id = str(next(self._ids))
        message: dict[str, object] = {"type": "request", "cmd": cmd, "trans_id": trans_id}
        if data is not None:
            message["data"] = dict(data)
        try:
            self._sock.sendall(json.dumps(message).encode() + b"\r\n")
        except OSError as error:
            raise HarnessError(f"Otii {self.where}: sending {cmd} failed: {error}") from error
        deadline_s = time.monotonic() + (self._timeout_s if timeout_s is None else timeout_s)
        while True:
            answer = self._next_message(cmd, deadline_s=deadline_s)
            if answer.get("type") in _SKIPPED:
                continue
            if answer.get("trans_id") != trans_id:
                raise HarnessError(
                    f"Otii {self.where}: {cmd} got the answer to request {answer.get('trans_id')!r}"
                )
            if answer.get("type") == "error":
                detail = answer.get("data") or {}
                reason = detail.get("message") if isinstance(detail, dict) else None
                raise HarnessError(
                    f"Otii {self.where}: {cmd} failed: {answer.get('errorcode')}: {reason or '-'}"
                )
            return answer.get("data") or {}

    def close(self) -> None:
        self._sock.close()

    def _next_message(self, waiting_for: str, *, deadline_s: float) -> dict[str, Any]:
        while b"\r\n" not in self._pending:
            left_s = deadline_s - time.monotonic()
            if left_s <= 0:
                raise HarnessError(f"Otii {self.where}: no answer to {waiting_for} in time")
            self._sock.settimeout(left_s)
            try:
                chunk = self._sock.recv(1 << 20)
            except TimeoutError:
                continue
            except OSError as error:
                raise HarnessError(
                    f"Otii {self.where}: reading the answer to {waiting_for}: {error}"
                ) from error
            if not chunk:
                raise HarnessError(f"Otii {self.where}: the server closed the connection at {waiting_for}")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\r\n")
        try:
            message = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise HarnessError(
                f"Otii {self.where}: the answer to {waiting_for} is not JSON: {line[:40]!r}"
            ) from None
        if not isinstance(message, dict):
            raise HarnessError(f"Otii {self.where}: the answer to {waiting_for} is not a JSON object")
        return message
