"""server layer: the UDP echo reflector.

It answers the harness's probe payloads (harness.probe) with the server's receive and send wall-clock stamps
written in place, so one probe yields the round trip and, with a known clock offset, both one-way delays.
Anything that is not a fresh probe is dropped, and a reply is never longer than the datagram that caused
it: the reflector cannot be used as an amplifier.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType

from harness.probe import decode_probe, stamp_reflection

_MAX_DATAGRAM_BYTES = 65_535
_POLL_S = 0.1  # how often the worker looks at the stop flag


@dataclass(frozen=True, slots=True, kw_only=True)
class ReflectorStats:
    received: int
    reflected: int
    dropped: int


class UdpReflector:
    """A UDP echo reflector on its own thread: `with UdpReflector(host="127.0.0.1") as r: r.address`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._bind = (host, port)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._received = 0
        self._reflected = 0
        self._dropped = 0
        self._error: BaseException | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("the reflector is not running")
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    @property
    def bpf(self) -> str:
        """A capture filter for the reflector's traffic."""
        return f"udp port {self.address[1]}"

    def stats(self) -> ReflectorStats:
        with self._lock:
            return ReflectorStats(received=self._received, reflected=self._reflected, dropped=self._dropped)

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(self._bind)
        sock.settimeout(_POLL_S)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="udp-reflector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5 * _POLL_S + 1)
        if self._sock is not None:
            self._sock.close()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> UdpReflector:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        assert self._sock is not None
        try:
            while not self._stop.is_set():
                try:
                    payload, peer = self._sock.recvfrom(_MAX_DATAGRAM_BYTES)
                except TimeoutError:
                    continue
                self._answer(payload, peer)
        except BaseException as error:  # handed to the caller by stop(), never swallowed
            self._error = error

    def _answer(self, payload: bytes, peer: tuple[str, int]) -> None:
        received_ns = time.time_ns()
        with self._lock:
            self._received += 1
        header = decode_probe(payload)
        # An already reflected probe is dropped too: two reflectors must never bounce one between them.
        if header is None or header.is_reflected:
            with self._lock:
                self._dropped += 1
            return
        reply = stamp_reflection(payload, server_rx_ns=received_ns, server_tx_ns=time.time_ns())
        assert self._sock is not None
        self._sock.sendto(reply, peer)
        with self._lock:
            self._reflected += 1
