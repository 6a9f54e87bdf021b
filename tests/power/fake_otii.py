"""A simulated Otii TCP server on loopback (tests/power), answering otii-tcp-client's requests: a greeting,
then one JSON line per request (a progress line before each), with a device, a project and a recording of
a known current at 4 kHz whose length is the time between start and stop."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

INTERVAL_S = 0.00025  # 4 kHz
PASSWORD = "s3cret-pw"


def otii_amps(index: int) -> float:
    """5 µA and 50 mA in turns of 100 ms."""
    return 5e-6 if (index // 400) % 2 == 0 else 0.05


@dataclass
class FakeOtii:
    devices: list[dict[str, Any]] = field(
        default_factory=lambda: [{"type": "Arc", "device_id": "dev-1", "name": "Arc"}]
    )
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.resource = f"127.0.0.1:{self._server.getsockname()[1]}"
        self._started_s = self._stopped_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-otii", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(5)

    def _serve(self) -> None:
        self._server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            with client:
                self._send(client, {"type": "information", "info": "Otii server"})
                self._talk(client)

    def _talk(self, client: socket.socket) -> None:
        client.settimeout(0.05)
        pending = b""
        while not self._stop.is_set():
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            while b"\r\n" in pending:
                line, _, pending = pending.partition(b"\r\n")
                request = json.loads(line)
                self.requests.append(request)
                self._send(client, {"type": "progress", "trans_id": request["trans_id"], "value": 50})
                self._send(client, self._answer(request))

    @staticmethod
    def _send(client: socket.socket, message: dict[str, Any]) -> None:
        client.sendall(json.dumps(message).encode() + b"\r\n")

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd, data = request["cmd"], request.get("data", {})
        reply: dict[str, Any] = {}
        if cmd == "otii_login" and data.get("password") != PASSWORD:
            return {
                "type": "error",
                "trans_id": request["trans_id"],
                "errorcode": "Login failed",
                "data": {"message": "wrong user name or password"},
            }
        if cmd == "otii_get_devices":
            reply = {"devices": self.devices}
        elif cmd == "otii_get_active_project":
            reply = {"project_id": -1}
        elif cmd == "otii_create_project":
            reply = {"project_id": 3}
        elif cmd == "project_start_recording":
            self._started_s = time.monotonic()
        elif cmd == "project_stop_recording":
            self._stopped_s = time.monotonic()
        elif cmd == "project_get_last_recording":
            reply = {"recording_id": 7, "name": "Recording 1"}
        elif cmd == "recording_get_channel_data_count":
            reply = {"count": int((self._stopped_s - self._started_s) / INTERVAL_S)}
        elif cmd == "recording_get_channel_data":
            index, count = data["index"], data["count"]
            values = [otii_amps(n) for n in range(index, index + count)]
            reply = {
                "data_type": "analog",
                "timestamp": index * INTERVAL_S,
                "interval": INTERVAL_S,
                "values": values,
            }
        return {"type": "response", "cmd": cmd, "trans_id": request["trans_id"], "data": reply}
