"""traffic layer: a UDP socket of the host on the module's data path (via="host"), shaped as a ModuleSocket so
that the engines written for the module's own sockets (harness.traffic.udp_echo) run over the host data
interface too: RedCap and Cat-1 modules carry IP over ECM/MBIM/RNDIS, where the host's stack sends.

It is bound to the host's address on the path and, when the interface is named, to the interface itself
(SO_BINDTODEVICE, socket(7); needs CAP_NET_RAW), so its datagrams cannot take another route. Times are
`clock()`, time.monotonic by default: a send returns when it was handed to the kernel, a datagram carries
when it was read, so a round trip is their difference, as for an AT socket (without the AT exchange).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from harness.dialects.modem import Datagram
from harness.errors import HarnessError
from harness.traffic.iperf3_client import HostPath

MAX_DATAGRAM_BYTES = 65_535


class HostUdpSocket:
    """One UDP socket from `host` (the host's end of the module's data path) to `server`."""

    def __init__(
        self, host: HostPath, server: tuple[str, int], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if host.interface is not None:
                self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, host.interface.encode())
            self._socket.bind((host.address, 0))
            self._socket.connect(server)
        except OSError as error:
            self._socket.close()
            where = f"{host.address}" + (f" on {host.interface}" if host.interface else "")
            raise HarnessError(f"host socket from {where} to {server[0]}:{server[1]}: {error}") from error

    def send(self, payload: bytes) -> float:
        sent_s = self._clock()
        self._socket.send(payload)
        return sent_s

    def receive(self, timeout_s: float) -> Datagram | None:
        self._socket.settimeout(max(timeout_s, 0.0))
        try:
            data = self._socket.recv(MAX_DATAGRAM_BYTES)
        except TimeoutError:
            return None
        return Datagram(data=data, t_s=self._clock())

    def close(self) -> None:
        self._socket.close()
